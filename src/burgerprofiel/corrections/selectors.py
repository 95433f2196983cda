"""Reads of error reports, always scoped: to the owning agency or to the reporting citizen.

Every read of a report by an agency is an access to the citizen's data: it is audited on the
citizen (the event's target is the ``Citizen``), so it shows in their "Wie bekeek mijn gegevens".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.agencies.selectors import (
    SUSPENDED,
    AgencyDataSuspended,
    agencies_not_processing,
    agency_names,
    current_order_version,
)
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor, citizen_actor
from burgerprofiel.audit.services import audit_reads_per_citizen, audit_record
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import NotFound
from burgerprofiel.corrections.models import Attachment, ErrorReport, ReportEntry
from burgerprofiel.crypto.fields import decrypt_bytes


@dataclass
class ReportPage:
    items: list[ErrorReport]
    next: str
    has_more: bool


def _parse_id(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def _audit_read(*, actor: Actor, reports: list[ErrorReport], action: AuditAction, purpose: str) -> None:
    audit_reads_per_citizen(
        actor=actor, rows=reports, action=action, purpose=purpose, subject=Citizen, detail_key="reports"
    )


def error_reports_for_agency(
    *, agency_id: int, actor: Actor, status: str | None = None, after: str | None = None, limit: int = 100
) -> ReportPage:
    """The agency's reports, oldest first; ``after`` is the id of the last report of the previous page."""
    reports = ErrorReport.objects.filter(agency_id=agency_id).select_related("citizen")
    if status:
        reports = reports.filter(status=status)
    if after:
        anchor_id = _parse_id(after)
        anchor = ErrorReport.objects.filter(pk=anchor_id, agency_id=agency_id).first() if anchor_id else None
        if anchor is None:
            raise NotFound("Onbekende cursor 'after'.")
        reports = reports.filter(
            Q(created_at__gt=anchor.created_at) | Q(created_at=anchor.created_at, pk__gt=anchor.pk)
        )
    rows = list(reports.order_by("created_at", "pk")[: limit + 1])
    items = rows[:limit]
    _audit_read(actor=actor, reports=items, action=AuditAction.ERROR_REPORT_LISTED, purpose="Foutmeldingen opgevraagd")
    return ReportPage(items=items, next=str(items[-1].pk) if items else (after or ""), has_more=len(rows) > limit)


def error_report_for_agency(*, agency_id: int, report_id: Any, actor: Actor) -> ErrorReport:
    report_uuid = _parse_id(report_id)
    report = (
        ErrorReport.objects.select_related("citizen").filter(pk=report_uuid, agency_id=agency_id).first()
        if report_uuid
        else None
    )
    if report is None:  # another agency's report answers the same as none (DESIGN rule 6)
        raise NotFound("Deze foutmelding bestaat niet.")
    _audit_read(actor=actor, reports=[report], action=AuditAction.ERROR_REPORT_VIEWED, purpose="Foutmelding gelezen")
    return report


def error_report_attachment_for_agency(*, agency_id: int, report_id: Any, actor: Actor) -> tuple[Attachment, bytes]:
    report = error_report_for_agency(agency_id=agency_id, report_id=report_id, actor=actor)
    attachment = Attachment.objects.filter(report=report).first()
    if attachment is None:
        raise NotFound("Deze foutmelding heeft geen bijlage.")
    audit_record(
        actor=actor,
        action=AuditAction.ERROR_REPORT_ATTACHMENT_DOWNLOADED,
        agency_id=agency_id,
        order_version_id=actor.order_version_id,
        target=Citizen,
        object_id=str(report.citizen_id),
        purpose="Bijlage van een foutmelding gedownload",
        detail={"report": str(report.pk)},
    )
    return attachment, decrypt_bytes(attachment.content, context=Attachment.seal_context(report.pk))


def error_report_entries(*, report: ErrorReport) -> list[ReportEntry]:
    return list(ReportEntry.objects.filter(report=report).order_by("created_at", "pk"))


def _not_processing(citizen: Citizen) -> dict[int, str]:
    """The agencies with reports of this citizen that may not be shown now (charter 2.3)."""
    return agencies_not_processing(
        agency_ids=ErrorReport.objects.filter(citizen=citizen).values_list("agency_id", flat=True).distinct()
    )


def error_report_agencies_suspended_for_citizen(*, citizen: Citizen) -> list[str]:
    """The names of the agencies whose reports of this citizen are withheld while their order is suspended."""
    stopped = _not_processing(citizen)
    return agency_names(agency_ids=[agency_id for agency_id, why in stopped.items() if why == SUSPENDED])


def error_reports_for_citizen(*, citizen: Citizen) -> list[ErrorReport]:
    """The citizen's reports, newest first; without those of an agency whose order is suspended or
    ended (showing them is processing, charter 2.3)."""
    reports = list(
        ErrorReport.objects.filter(citizen=citizen)
        .exclude(agency_id__in=list(_not_processing(citizen)))
        .select_related("agency")
        .order_by("-created_at")
    )
    for agency_id in {r.agency_id for r in reports}:
        audit_record(
            actor=citizen_actor(citizen),
            action=AuditAction.ERROR_REPORT_LISTED,
            agency_id=agency_id,
            target=Citizen,
            object_id=str(citizen.pk),
            purpose="Mijn foutmeldingen",
        )
    return reports


def error_report_for_citizen(*, citizen: Citizen, report_id: Any) -> ErrorReport:
    report_uuid = _parse_id(report_id)
    report = (
        ErrorReport.objects.select_related("agency").filter(pk=report_uuid, citizen=citizen).first()
        if report_uuid
        else None
    )
    if report is None:
        raise NotFound("Deze foutmelding bestaat niet of is niet van u.")
    stopped = agencies_not_processing(agency_ids=[report.agency_id]).get(report.agency_id)
    if stopped == SUSPENDED:
        raise AgencyDataSuspended(report.agency.name)
    if stopped is not None:
        raise NotFound("Deze foutmelding bestaat niet of is niet van u.")
    audit_record(
        actor=citizen_actor(citizen),
        action=AuditAction.ERROR_REPORT_VIEWED,
        agency_id=report.agency_id,
        target=Citizen,
        object_id=str(citizen.pk),
        purpose="Mijn foutmelding",
        detail={"report": str(report.pk)},
    )
    return report


def error_reports_accepted_by(*, agency_ids: set[int]) -> set[int]:
    """Which of these agencies take error reports now (their current order includes foutmeldingen);
    for showing "Meld een fout" only where it can work. The order check runs again on submit."""
    stopped = agencies_not_processing(agency_ids=agency_ids)
    accepted = set()
    for agency_id in set(agency_ids) - set(stopped):
        version = current_order_version(agency_id=agency_id)
        if version is not None and version.allows(Component.FOUTMELDINGEN):
            accepted.add(agency_id)
    return accepted
