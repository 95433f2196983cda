"""Reading notices: an agency reads only its own (the API), staff read all (the back-office)."""

from __future__ import annotations

from typing import Any

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import NotFound
from burgerprofiel.compliance.notices.models import AgencyNotice

LIST_MAX = 1000


def agency_notices_read(
    *, agency_id: int, actor: Actor, acknowledged: bool | None = None, kind: str | None = None, limit: int = 100
) -> list[AgencyNotice]:
    """The agency's own notices, newest first (audited: they may name the agency's people)."""
    rows = AgencyNotice.objects.filter(agency_id=agency_id).select_related("agency")
    if acknowledged is not None:
        rows = rows.filter(acknowledged_at__isnull=not acknowledged)
    if kind:
        rows = rows.filter(kind=kind)
    notices = list(rows.order_by("-created_at")[: min(max(limit, 1), LIST_MAX)])
    audit_record(
        actor=actor,
        action=AuditAction.AGENCY_NOTICES_READ,
        target=AgencyNotice,
        agency_id=agency_id,
        detail={"count": len(notices)},
    )
    return notices


def agency_notices_about(*, object_type: str, object_id: str) -> list[AgencyNotice]:
    """Every notice about one object (a breach and its updates), oldest first."""
    return list(
        AgencyNotice.objects.filter(object_type=object_type, object_id=str(object_id))
        .select_related("agency")
        .order_by("created_at")
    )


def agency_notice_for_agency(*, agency_id: int, notice_id: Any, actor: Actor) -> AgencyNotice:
    """One of the agency's own notices (for its PDF); another agency's answers 404 as a missing one."""
    notice = AgencyNotice.objects.filter(pk=notice_id, agency_id=agency_id).select_related("agency").first()
    if notice is None:
        raise NotFound("Deze kennisgeving bestaat niet.")
    audit_record(actor=actor, action=AuditAction.AGENCY_NOTICE_PDF_READ, target=notice, agency_id=agency_id, detail={})
    return notice
