"""Writes (and audited reads) for audits, records and measures.

Design note (charter 4, 9): producing a compliance document reads personal data (DPO and contact
names, staff identities) and is itself audited. The platform's report on its obligations goes to each
agency on the platform's own initiative (charter 9: "uit eigen beweging"): right after an independent
audit is recorded, and periodically (``COMPLIANCE_OBLIGATIONS_REPORT_DAYS`` after the last one, or after
onboarding), through the processor's notice channel (webhook, feed and e-mail to contacts and DPO).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from burgerprofiel.agencies.models import Agency
from burgerprofiel.agencies.selectors import agency_get
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import NotFound, ValidationError
from burgerprofiel.compliance.charter.selectors import agencies_with_active_order
from burgerprofiel.compliance.notices.services import agency_notice_send
from burgerprofiel.compliance.reports.documents import (
    compliance_report_build,
    measures_build,
    records_of_processing_build,
)
from burgerprofiel.compliance.reports.models import (
    ConfidentialityAcceptance,
    ConfidentialityStatement,
    IndependentAudit,
    ObligationsReport,
)
from burgerprofiel.compliance.reports.selectors import independent_audit_latest, obligations_report_latest

REPORT_DEFAULT_DAYS = 365
REPORT_MAX_BYTES = 20 * 1024 * 1024
NOTICE_KIND = "nalevingsrapport"


def _period(since: dt.datetime | None, until: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    until = until or timezone.now()
    since = since or until - dt.timedelta(days=REPORT_DEFAULT_DAYS)
    if since >= until:
        raise ValidationError("Het begin van de periode ligt na het einde.", extra={"field": "since"})
    return since, until


def compliance_report_make(
    *,
    agency_id: int,
    actor: Actor,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    fmt: str = "json",
) -> dict[str, Any]:
    """The per-agency compliance report, audited as made (for whom, which period, which format)."""
    since, until = _period(since, until)
    agency = agency_get(agency_id=agency_id)
    with transaction.atomic():
        report = compliance_report_build(agency=agency, since=since, until=until)
        audit_record(
            actor=actor,
            action=AuditAction.COMPLIANCE_REPORT_MADE,
            target=agency,
            agency_id=agency.pk,
            detail={"since": since.isoformat(), "until": until.isoformat(), "format": fmt},
        )
    return report


def records_of_processing_make(*, actor: Actor, fmt: str = "json") -> dict[str, Any]:
    with transaction.atomic():
        records = records_of_processing_build()
        audit_record(
            actor=actor,
            action=AuditAction.COMPLIANCE_RECORDS_MADE,
            detail={"controllers": len(records["controllers"]), "format": fmt},
        )
    return records


def measures_make(*, actor: Actor, fmt: str = "json", agency_id: int | None = None) -> dict[str, Any]:
    with transaction.atomic():
        measures = measures_build(agency_id=agency_id)
        audit_record(
            actor=actor, action=AuditAction.COMPLIANCE_MEASURES_MADE, agency_id=agency_id, detail={"format": fmt}
        )
    return measures


# -- the confidentiality statement (charter 4) ------------------------------------------------


def confidentiality_statement_publish(*, version: str, text: str, actor: Actor) -> ConfidentialityStatement:
    """A new version: from now on every staff member accepts it before reaching personal data."""
    version, text = version.strip(), text.strip()
    if not version or not text:
        raise ValidationError("Een vertrouwelijkheidsverklaring heeft een versie en een tekst.")
    with transaction.atomic():
        if ConfidentialityStatement.objects.filter(version=version).exists():
            raise ValidationError(f"Versie {version} bestaat al.", extra={"field": "version"})
        statement = ConfidentialityStatement.objects.create(
            version=version, text=text, published_at=timezone.now(), published_by=f"{actor.kind}:{actor.id}"
        )
        audit_record(
            actor=actor,
            action=AuditAction.CONFIDENTIALITY_STATEMENT_PUBLISHED,
            target=statement,
            detail={"version": version, "sha256": hashlib.sha256(text.encode()).hexdigest()},
        )
    return statement


def confidentiality_statement_accept(*, user: Any, statement_id: int, actor: Actor) -> ConfidentialityAcceptance:
    """Record that ``user`` accepted this version; accepting twice keeps the first acceptance."""
    statement = ConfidentialityStatement.objects.filter(pk=statement_id).first()
    if statement is None:
        raise NotFound("Deze vertrouwelijkheidsverklaring bestaat niet.")
    existing = ConfidentialityAcceptance.objects.filter(statement=statement, user_id=user.pk).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            acceptance = ConfidentialityAcceptance.objects.create(
                statement=statement, user=user, accepted_at=timezone.now()
            )
            audit_record(
                actor=actor,
                action=AuditAction.CONFIDENTIALITY_STATEMENT_ACCEPTED,
                target=statement,
                detail={"version": statement.version},
            )
    except IntegrityError:  # accepted at the same moment in another tab
        return ConfidentialityAcceptance.objects.get(statement=statement, user_id=user.pk)
    return acceptance


# -- independent audits and the platform's report to each agency (charter 9) -------------------


def independent_audit_record(
    *,
    auditor: str,
    performed_on: dt.date,
    scope: str,
    conclusion: str,
    report_name: str,
    report_content_type: str,
    report: bytes,
    actor: Actor,
) -> IndependentAudit:
    """Record an audit with its report; each agency with an active order then gets the platform's
    report on its obligations (charter 9: after every audit, on the platform's own initiative)."""
    auditor, scope, conclusion = auditor.strip(), scope.strip(), conclusion.strip()
    if not auditor or not scope or not conclusion:
        raise ValidationError("Een audit vermeldt de auditor, de reikwijdte en de conclusie.")
    if not report:
        raise ValidationError("Voeg het auditrapport toe.", extra={"field": "report"})
    if len(report) > REPORT_MAX_BYTES:
        raise ValidationError("Het auditrapport is groter dan 20 MB.", extra={"field": "report"})
    if performed_on > timezone.localdate():
        raise ValidationError("Een audit ligt niet in de toekomst.", extra={"field": "performed_on"})
    with transaction.atomic():
        audit = IndependentAudit.objects.create(
            auditor=auditor,
            performed_on=performed_on,
            scope=scope,
            conclusion=conclusion,
            report_name=report_name[:200] or "auditrapport",
            report_content_type=report_content_type[:100] or "application/octet-stream",
            report=report,
            report_sha256=hashlib.sha256(report).hexdigest(),
            recorded_at=timezone.now(),
            recorded_by=f"{actor.kind}:{actor.id}",
        )
        audit_record(
            actor=actor,
            action=AuditAction.INDEPENDENT_AUDIT_RECORDED,
            target=audit,
            detail={"auditor": auditor, "performed_on": performed_on.isoformat(), "sha256": audit.report_sha256},
        )
        for agency in agencies_with_active_order():
            obligations_report_send(agency=agency, trigger=ObligationsReport.Trigger.AUDIT, audit=audit, actor=actor)
    return audit


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "period": report["period"],
        "charter_in_force": report["charter"]["in_force"],
        "events_total": report["events_total"],
        "volumes_per_component": {k: sum(v.values()) for k, v in report["volumes_per_component"].items()},
        "staff_accesses": report["staff_accesses"]["total"],
        "refusals": sum(report["refusals"].values()),
        "webhook_failures": sum(report["webhook_failures"].values()),
        "retention_purges": len(report["retention_purges"]),
        "breaches": len(report["breaches"]),
        "subprocessor_changes": len(report["subprocessor_changes"]),
    }


def obligations_report_send(
    *, agency: Agency, trigger: str, actor: Actor, audit: IndependentAudit | None = None
) -> ObligationsReport:
    """Send one agency the platform's report on its obligations over the period since the last one."""
    now = timezone.now()
    last = obligations_report_latest(agency_id=agency.pk)
    since = (
        dt.datetime.combine(last.period_end, dt.time.min, tzinfo=dt.UTC)
        if last
        else now - dt.timedelta(days=REPORT_DEFAULT_DAYS)
    )
    if since >= now:
        since = now - dt.timedelta(days=1)
    with transaction.atomic():
        report = compliance_report_build(agency=agency, since=since, until=now)
        summary = _summary(report)
        latest_audit = audit or independent_audit_latest()
        audit_text = (
            f"De laatste onafhankelijke audit gebeurde op {latest_audit.performed_on:%d/%m/%Y} door "
            f"{latest_audit.auditor}. Conclusie: {latest_audit.conclusion}"
            if latest_audit
            else "Er is nog geen onafhankelijke audit geregistreerd."
        )
        body = (
            f"Rapport van het platform over de naleving van zijn verplichtingen als verwerker voor {agency.name} "
            f"(charter 9), over de periode {since:%d/%m/%Y} tot {now:%d/%m/%Y}.\n\n{audit_text}\n\n"
            f"Verwerkingen: {summary['events_total']}; toegangen door medewerkers: {summary['staff_accesses']}; "
            f"geweigerde oproepen: {summary['refusals']}; mislukte webhooks: {summary['webhook_failures']}; "
            f"bewaartermijnverwijderingen: {summary['retention_purges']}; inbreuken: {summary['breaches']}.\n\n"
            "Het volledige rapport: GET /api/v1/compliance/report (JSON, of ?format=pdf)."
        )
        sent = ObligationsReport.objects.create(
            agency=agency,
            audit=audit,
            trigger=trigger,
            period_start=since.date(),
            period_end=now.date(),
            sent_at=now,
        )
        notice = agency_notice_send(
            agency=agency,
            kind=NOTICE_KIND,
            subject=f"Rapport over de naleving van de verplichtingen van de verwerker ({now:%d/%m/%Y})",
            body=body,
            data={
                "obligations_report_id": sent.pk,
                "trigger": trigger,
                "summary": summary,
                "independent_audit": (
                    {
                        "auditor": latest_audit.auditor,
                        "performed_on": latest_audit.performed_on.isoformat(),
                        "conclusion": latest_audit.conclusion,
                        "report_sha256": latest_audit.report_sha256,
                    }
                    if latest_audit
                    else None
                ),
            },
            object_type="obligations_report",
            object_id=str(sent.pk),
            actor=actor,
        )
        sent.notice_id = str(getattr(notice, "pk", "") or "")
        sent.save(update_fields=["notice_id"])
        audit_record(
            actor=actor,
            action=AuditAction.COMPLIANCE_OBLIGATIONS_REPORT_SENT,
            target=sent,
            agency_id=agency.pk,
            detail={"trigger": trigger, "period_start": sent.period_start.isoformat()},
        )
    return sent


def obligations_reports_send_all(*, trigger: str, actor: Actor) -> list[ObligationsReport]:
    return [obligations_report_send(agency=a, trigger=trigger, actor=actor) for a in agencies_with_active_order()]


def obligations_reports_send_due(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Periodic: each agency whose last report (or onboarding) is older than the configured interval."""
    now = now or timezone.now()
    interval = dt.timedelta(days=settings.COMPLIANCE_OBLIGATIONS_REPORT_DAYS)
    sent = 0
    for agency in agencies_with_active_order():
        last = obligations_report_latest(agency_id=agency.pk)
        since = last.sent_at if last else agency.created_at
        if now - since >= interval:
            obligations_report_send(agency=agency, trigger=ObligationsReport.Trigger.SCHEDULE, actor=actor)
            sent += 1
    return sent
