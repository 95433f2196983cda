"""Reads on the confidentiality statement, independent audits and the reports sent to agencies."""

from __future__ import annotations

from typing import Any

from burgerprofiel.compliance.reports.models import (
    ConfidentialityAcceptance,
    ConfidentialityStatement,
    IndependentAudit,
    ObligationsReport,
)


def confidentiality_current() -> ConfidentialityStatement | None:
    """The newest published statement: the one staff must have accepted."""
    return ConfidentialityStatement.objects.order_by("-published_at", "-pk").first()


def confidentiality_accepted(*, user: Any, statement: ConfidentialityStatement) -> bool:
    return ConfidentialityAcceptance.objects.filter(statement=statement, user_id=user.pk).exists()


def independent_audit_latest() -> IndependentAudit | None:
    return IndependentAudit.objects.order_by("-performed_on", "-pk").first()


def obligations_report_latest(*, agency_id: int) -> ObligationsReport | None:
    return ObligationsReport.objects.filter(agency_id=agency_id).order_by("-sent_at").first()
