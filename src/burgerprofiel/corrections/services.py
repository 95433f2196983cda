"""Writes on error reports ("fout melden", charter 1.1): submit, change status, write messages, purge.

Design note (issue 12 item 2). The citizen reports an error on an item of "Uw gegevens" or on a
dossier; the report belongs to the agency that owns what is disputed, and only while that
agency's processing order includes ``foutmeldingen`` (order check at every act, the citizen's
included). Each act runs in one transaction with its audit event and its side effects as outbox
rows: the agency learns of a citizen's report or message through ``webhook_event_publish`` (a
signed webhook and the events feed), the citizen of the agency's status change or message
through ``notification_create`` (a melding, sent by e-mail or SMS only as the citizen consented).
Bad input raises before anything is written. The report and its attachment live for the order's
retention of ``foutmeldingen`` and are purged together.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from burgerprofiel.agencies.catalogue import DEFAULT_RETENTION_DAYS, Component
from burgerprofiel.agencies.models import ProcessingOrderVersion
from burgerprofiel.agencies.order_check import order_check
from burgerprofiel.agencies.selectors import agency_get, current_order_version
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor, citizen_actor
from burgerprofiel.audit.services import agency_rows_purge, audit_record
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import Conflict, NotFound, ValidationError
from burgerprofiel.common.text import UnstorableText, check_storable
from burgerprofiel.corrections.attachments import MAX_BYTES, AttachmentIn, safe_filename, sniffed_type
from burgerprofiel.corrections.models import (
    NEXT_STATUSES,
    Attachment,
    ErrorReport,
    ReportEntry,
    ReportStatus,
    SubjectKind,
)
from burgerprofiel.crypto.fields import encrypt_bytes
from burgerprofiel.notifications.services import notification_create
from burgerprofiel.webhooks.events import EventType
from burgerprofiel.webhooks.services import rfc3339, webhook_event_publish

log = logging.getLogger(__name__)

EVENT_OBJECT = "foutmelding"
TEXT_MAX = 2000
# What a report carries to the agency (catalogue: foutmeldingen).
CATEGORIES = ["insz", "gegeven", "toelichting", "status"]
IPDC_PRODUCT = "Foutmelding"  # the meldingen about a report: consent is per agency and product


class FieldErrors(ValidationError):
    """Bad input, each message tied to the field it is about (the portal shows it next to the field)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(
            "De melding bevat ongeldige velden.",
            extra={"errors": [{"in": "body", "field": f, "message": m, "code": "invalid"} for f, m in errors.items()]},
        )
        self.fields = errors


@dataclass(frozen=True)
class Subject:
    """What the citizen disputes, as they saw it: an item of "Uw gegevens" or a dossier."""

    kind: str
    agency_id: int
    label: str
    shown_value: str = ""
    source_id: int | None = None
    item_id: str = ""
    dossier_id: int | None = None
    dossier_number: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _clean_text(value: str, *, field_name: str, required: bool, errors: dict[str, str], label: str) -> str:
    # A line ends in LF, CRLF or CR (what the API's text pattern lets through): each becomes LF.
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    try:
        check_storable(text)
    except UnstorableText:
        errors[field_name] = f"{label} bevat tekens die niet bewaard kunnen worden."
        return ""
    if required and not text:
        errors[field_name] = f"Vul in: {label.lower()}."
    elif len(text) > TEXT_MAX:
        errors[field_name] = f"{label} is te lang: hoogstens {TEXT_MAX} tekens, u schreef er {len(text)}."
    elif any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        errors[field_name] = f"{label} bevat stuurtekens."
    return text


def _attachment_checked(attachment: AttachmentIn | None, errors: dict[str, str]) -> str | None:
    if attachment is None or not attachment.content:
        return None
    if len(attachment.content) > MAX_BYTES:
        errors["bijlage"] = "De bijlage is te groot: hoogstens 10 MB."
        return None
    content_type = sniffed_type(attachment.content)
    if content_type is None:
        errors["bijlage"] = "De bijlage moet een PDF, JPEG of PNG zijn."
    return content_type


def _order(actor: Actor, agency_id: int) -> ProcessingOrderVersion:
    return order_check(actor=actor, agency_id=agency_id, component=Component.FOUTMELDINGEN, categories=CATEGORIES)


def report_out(report: ErrorReport) -> dict[str, Any]:
    """The report as the agency receives it: the webhook's and the feed's ``data``, and the API's body."""
    subject: dict[str, Any] = {"kind": report.subject_kind, "label": report.subject_label}
    if report.subject_kind == SubjectKind.GEGEVEN:
        subject.update(source_id=report.source_id, item_id=report.item_id, shown_value=report.shown_value)
    else:
        subject.update(dossier_number=report.dossier_number)
    attachment = getattr(report, "attachment", None) if _has_attachment(report) else None
    return {
        "id": str(report.pk),
        "status": report.status,
        "reason": report.reason or "",
        "insz": report.citizen.insz,
        "subject": subject,
        "what_is_wrong": report.what_is_wrong,
        "should_be": report.should_be,
        "attachment": (
            {"filename": attachment.filename, "content_type": attachment.content_type, "size": attachment.size}
            if attachment is not None
            else None
        ),
        "created_at": rfc3339(report.created_at),
        "updated_at": rfc3339(report.updated_at),
    }


def _has_attachment(report: ErrorReport) -> bool:
    try:
        report.attachment  # noqa: B018 - the reverse one-to-one raises when there is none
    except Attachment.DoesNotExist:
        return False
    return True


def error_report_submit(
    *,
    citizen: Citizen,
    subject: Subject,
    what_is_wrong: str,
    should_be: str,
    attachment: AttachmentIn | None = None,
) -> ErrorReport:
    """The citizen reports an error; the agency that owns the subject gets it (webhook and feed)."""
    errors: dict[str, str] = {}
    wrong = _clean_text(what_is_wrong, field_name="wat_is_fout", required=True, errors=errors, label="Wat is er fout")
    right = _clean_text(
        should_be, field_name="wat_moet_het_zijn", required=True, errors=errors, label="Wat zou het moeten zijn"
    )
    content_type = _attachment_checked(attachment, errors)
    if errors:
        raise FieldErrors(errors)
    actor = citizen_actor(citizen)
    version = _order(actor, subject.agency_id)
    agency = agency_get(agency_id=subject.agency_id)
    now = timezone.now()
    days = version.retention_for(Component.FOUTMELDINGEN) or DEFAULT_RETENTION_DAYS[Component.FOUTMELDINGEN]
    with transaction.atomic():
        report = ErrorReport(
            agency=agency,
            citizen=citizen,
            subject_kind=subject.kind,
            source_id=subject.source_id,
            item_id=subject.item_id[:100],
            dossier_id=subject.dossier_id,
            dossier_number=subject.dossier_number[:200],
            subject_label=subject.label[:200],
            shown_value=subject.shown_value[:TEXT_MAX],
            what_is_wrong=wrong,
            should_be=right,
            status=ReportStatus.INGEDIEND,
            reason="",
            created_at=now,
            updated_at=now,
            purge_after=now + dt.timedelta(days=days),
        )
        report.save(force_insert=True)
        if attachment is not None and content_type is not None:
            Attachment(
                report=report,
                agency=agency,
                filename=safe_filename(attachment.filename, content_type),
                content_type=content_type,
                size=len(attachment.content),
                content=encrypt_bytes(
                    attachment.content, key_id=agency.data_key_id, context=Attachment.seal_context(report.pk)
                ),
                created_at=now,
            ).save(force_insert=True)
        ReportEntry(
            report=report,
            agency=agency,
            kind=ReportEntry.Kind.STATUS,
            author=ReportEntry.Author.CITIZEN,
            status=ReportStatus.INGEDIEND,
            text="",
            created_at=now,
        ).save(force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.ERROR_REPORT_SUBMITTED,
            agency_id=agency.pk,
            order_version_id=version.pk,
            target=ErrorReport,
            object_id=str(report.pk),
            purpose="Fout melden",
            detail={"subject": subject.kind, "attachment": content_type is not None},
        )
        webhook_event_publish(
            agency_id=agency.pk,
            event_type=EventType.FOUTMELDING_INGEDIEND,
            object_type=EVENT_OBJECT,
            object_id=str(report.pk),
            data=report_out(report),
            actor=actor,
        )
    return report


def _for_agency_locked(*, agency_id: int, report_id: Any) -> ErrorReport:
    report = (
        ErrorReport.objects.select_for_update()
        .select_related("citizen", "agency")
        .filter(pk=report_id, agency_id=agency_id)
        .first()
    )
    if report is None:  # another agency's report is not found either (DESIGN rule 6)
        raise NotFound("Deze foutmelding bestaat niet.")
    return report


def _citizen_notify(report: ErrorReport, message: str, actor: Actor) -> None:
    """A melding for the citizen, through the notifications capability (its consent rules decide
    whether it also goes out by e-mail or SMS)."""
    notification_create(
        agency=report.agency,
        insz=report.citizen.insz,
        message=message,
        ipdc_product=IPDC_PRODUCT,
        actor=actor,
    )


def error_report_status_set(
    *, agency_id: int, report_id: Any, status: str, actor: Actor, reason: str = ""
) -> ErrorReport:
    """The agency moves its report on; a refusal needs a reason. The citizen gets a melding."""
    errors: dict[str, str] = {}
    if status not in ReportStatus.values:
        errors["status"] = f"Onbekende status: kies uit {', '.join(ReportStatus.values)}."
    text = _clean_text(
        reason, field_name="reason", required=status == ReportStatus.AFGEWEZEN, errors=errors, label="De reden"
    )
    if errors:
        raise FieldErrors(errors)
    version = _order(actor, agency_id)
    now = timezone.now()
    with transaction.atomic():
        report = _for_agency_locked(agency_id=agency_id, report_id=report_id)
        if status not in NEXT_STATUSES[report.status]:
            raise Conflict(
                f"Een foutmelding met status '{ReportStatus(report.status).label}' kan niet naar "
                f"'{ReportStatus(status).label}'.",
                extra={"current_status": report.status},
            )
        report.status = status
        report.reason = text
        report.updated_at = now
        report.save(update_fields=["status", "reason", "updated_at"])
        ReportEntry(
            report=report,
            agency_id=agency_id,
            kind=ReportEntry.Kind.STATUS,
            author=ReportEntry.Author.AGENCY,
            status=status,
            text=text,
            created_at=now,
        ).save(force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.ERROR_REPORT_STATUS_CHANGED,
            agency_id=agency_id,
            order_version_id=version.pk,
            target=ErrorReport,
            object_id=str(report.pk),
            detail={"status": status},
        )
        _citizen_notify(
            report,
            f"Uw foutmelding over '{report.subject_label}' heeft een nieuwe status: {ReportStatus(status).label}.",
            actor,
        )
    return report


def error_report_message_from_agency(*, agency_id: int, report_id: Any, text: str, actor: Actor) -> ReportEntry:
    errors: dict[str, str] = {}
    body = _clean_text(text, field_name="text", required=True, errors=errors, label="Het bericht")
    if errors:
        raise FieldErrors(errors)
    version = _order(actor, agency_id)
    with transaction.atomic():
        report = _for_agency_locked(agency_id=agency_id, report_id=report_id)
        entry = ReportEntry(
            report=report,
            agency_id=agency_id,
            kind=ReportEntry.Kind.MESSAGE,
            author=ReportEntry.Author.AGENCY,
            text=body,
            created_at=timezone.now(),
        )
        entry.save(force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.ERROR_REPORT_MESSAGE_WRITTEN,
            agency_id=agency_id,
            order_version_id=version.pk,
            target=ErrorReport,
            object_id=str(report.pk),
            detail={"author": "instantie"},
        )
        _citizen_notify(report, f"U hebt een nieuw bericht over uw foutmelding '{report.subject_label}'.", actor)
    return entry


def error_report_message_from_citizen(*, citizen: Citizen, report_id: Any, text: str) -> ReportEntry:
    errors: dict[str, str] = {}
    body = _clean_text(text, field_name="bericht", required=True, errors=errors, label="Uw bericht")
    if errors:
        raise FieldErrors(errors)
    report = ErrorReport.objects.filter(pk=report_id, citizen=citizen).first()
    if report is None:
        raise NotFound("Deze foutmelding bestaat niet.")
    actor = citizen_actor(citizen)
    version = _order(actor, report.agency_id)
    with transaction.atomic():
        entry = ReportEntry(
            report=report,
            agency_id=report.agency_id,
            kind=ReportEntry.Kind.MESSAGE,
            author=ReportEntry.Author.CITIZEN,
            text=body,
            created_at=timezone.now(),
        )
        entry.save(force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.ERROR_REPORT_MESSAGE_WRITTEN,
            agency_id=report.agency_id,
            order_version_id=version.pk,
            target=ErrorReport,
            object_id=str(report.pk),
            detail={"author": "burger"},
        )
        webhook_event_publish(
            agency_id=report.agency_id,
            event_type=EventType.FOUTMELDING_BERICHT,
            object_type=EVENT_OBJECT,
            object_id=str(report.pk),
            data={"report_id": str(report.pk), "message_id": str(entry.pk), "text": body},
            actor=actor,
        )
    return entry


def error_reports_purge_expired(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Delete reports (with their attachment and history) past their order's retention, every agency
    (the retention job runs ``error_reports_purge_batch`` per agency instead)."""
    now = now or timezone.now()
    purged = 0
    for agency_id in sorted(set(ErrorReport.objects.values_list("agency_id", flat=True).distinct().order_by())):
        cutoff = now - dt.timedelta(days=error_reports_retention_days(agency_id=agency_id))
        while True:
            done = error_reports_purge_batch(agency_id=agency_id, created_before=cutoff, batch_size=batch_size)
            purged += done
            if done < batch_size:
                break
    return purged


def error_reports_retention_days(*, agency_id: int) -> int:
    """Days the agency's order keeps them today (0 or unset: the default of charter Bijlage 1)."""
    version = current_order_version(agency_id=agency_id)
    days = version.retention_for(Component.FOUTMELDINGEN) if version is not None else 0
    return days or DEFAULT_RETENTION_DAYS[Component.FOUTMELDINGEN]


def error_reports_purge_batch(*, agency_id: int, created_before: dt.datetime, batch_size: int = 500) -> int:
    """One batch (one transaction) of the agency's reports (attachment and history too) created before the cutoff."""
    return agency_rows_purge(
        ErrorReport,
        agency_id=agency_id,
        created_before=created_before,
        action=AuditAction.ERROR_REPORT_PURGED,
        batch_size=batch_size,
    )
