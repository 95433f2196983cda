"""Factories for error-report tests."""

from __future__ import annotations

from typing import Any

from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.corrections.attachments import AttachmentIn
from burgerprofiel.corrections.models import ErrorReport, SubjectKind
from burgerprofiel.corrections.services import Subject, error_report_submit
from burgerprofiel.corrections.tests.conftest import AN, PDF


def item_subject(agency_id: int, **overrides: Any) -> Subject:
    values: dict[str, Any] = {
        "kind": SubjectKind.GEGEVEN,
        "agency_id": agency_id,
        "label": "Domicilieadres",
        "shown_value": "Havenlaan 88, 1000 Brussel",
        "source_id": 1,
        "item_id": "u e-domicilie",
        "extra": {"agency_name": "Agentschap Opgroeien"},
    }
    values.update(overrides)
    return Subject(**values)


def make_report(agency_id: int, *, insz: str = AN, attachment: bool = True, **kwargs: Any) -> ErrorReport:
    return error_report_submit(
        citizen=citizen_get_or_create(insz=insz),
        subject=item_subject(agency_id),
        what_is_wrong=kwargs.get("what_is_wrong", "Ik woon sinds maart in Gent."),
        should_be=kwargs.get("should_be", "Veldstraat 1, 9000 Gent"),
        attachment=AttachmentIn("huurcontract.pdf", PDF) if attachment else None,
    )
