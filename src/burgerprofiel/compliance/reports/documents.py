"""What the compliance documents say, built from the data and the live configuration (no prose kept
by hand that could drift from the system): the per-agency compliance report (charter 9, GDPR
28(3)(h)), the records of processing (GDPR 30(2)) and the technical and organisational measures
(charter 5, GDPR 32). Each builder returns plain JSON-ready data; ``pdf.py`` renders it.

The compliance report reads the audit trail: every act on an agency's data is an audit event with the
agency's id (DESIGN rule 2), so volumes, staff accesses, refusals, webhook failures, retention purges,
breach notices and sub-processor changes are counted from one source that ``audit verify`` proves.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.agencies.models import Agency, ProcessingOrderVersion
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.models import AuditEvent, TreeHead
from burgerprofiel.compliance.breaches.models import BreachNotification
from burgerprofiel.compliance.charter.selectors import active_order_versions, charter_in_force, charter_pending
from burgerprofiel.compliance.reports.models import ConfidentialityAcceptance, IndependentAudit
from burgerprofiel.compliance.reports.selectors import confidentiality_current
from burgerprofiel.crypto import keyring
from burgerprofiel.crypto.models import DataKey, SigningKey

# The processor, as the charter names it (its header). The charter is the contract: these are its words.
PROCESSOR = {
    "name": "Agentschap Digitaal Vlaanderen",
    "address": "Havenlaan 88, 1000 Brussel",
    "kbo": "0316.380.841",
    "phone": "09 276 15 00",
    "email": "digitaal.vlaanderen@vlaanderen.be",
}

# Which component an audited act belongs to, by the action's prefix (its app).
ACTION_COMPONENTS: dict[str, str] = {
    "dossier": Component.DOSIS,
    "dosis_source": Component.DOSIS,
    "notification": Component.NOTIFICATIES,
    "preferences": Component.CONTACTVOORKEUREN,
    "personal_data": Component.UW_GEGEVENS,
    "pull": Component.UW_GEGEVENS,
    "pull_source": Component.UW_GEGEVENS,
    "documents": Component.ATTESTEN,
    "error_report": Component.FOUTMELDINGEN,
    "service_request": Component.AANVRAGEN,
    "requestable_service": Component.AANVRAGEN,
    "payment": Component.BETALINGEN,
}
INDEPENDENT_AUDIT_INTERVAL_DAYS = 3 * 365  # charter 9: "minstens één keer per drie jaar"


def processor_dpo() -> dict[str, str]:
    return {
        "name": str(getattr(settings, "PROCESSOR_DPO_NAME", "") or "Functionaris voor gegevensbescherming"),
        "email": str(getattr(settings, "PROCESSOR_DPO_EMAIL", "") or "dpo.digitaal@vlaanderen.be"),
    }


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _version_json(version: ProcessingOrderVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "state": version.state,
        "state_reason": version.state_reason,
        "components": list(version.components),
        "data_categories": dict(version.data_categories),
        "retention_days": dict(version.retention_days),
        "valid_from": _iso(version.valid_from),
        "valid_until": _iso(version.valid_until),
        "legal_basis": version.legal_basis,
        "dpia_reference": version.dpia_reference,
        "change_note": version.change_note,
        "created_at": _iso(version.created_at),
        "created_by": version.created_by,
    }


def _orders(agency: Agency) -> list[dict[str, Any]]:
    orders = []
    for order in agency.processing_orders.order_by("created_at", "pk"):
        versions = order.versions.order_by("number")
        orders.append({"processing_order_id": order.pk, "versions": [_version_json(v) for v in versions]})
    return orders


def _component_of(action: str) -> str:
    return ACTION_COMPONENTS.get(action.split(".", 1)[0], "platform")


def compliance_report_build(*, agency: Agency, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """The per-agency compliance report over ``[since, until)``."""
    events = AuditEvent.objects.filter(agency_id=agency.pk, occurred_at__gte=since, occurred_at__lt=until)
    by_action = {row["action"]: row["n"] for row in events.values("action").annotate(n=Count("id"))}
    volumes: dict[str, dict[str, int]] = defaultdict(dict)
    for action, n in sorted(by_action.items()):
        volumes[_component_of(action)][action] = n
    staff = events.filter(actor_type="staff")
    staff_by_action = Counter({r["action"]: r["n"] for r in staff.values("action").annotate(n=Count("id"))})
    refused = events.filter(outcome=AuditEvent.Outcome.REFUSED)
    refusals = {r["action"]: r["n"] for r in refused.values("action").annotate(n=Count("id"))}
    webhook_failures = {
        a: n
        for a, n in by_action.items()
        if a in (AuditAction.WEBHOOK_DELIVERY_DEAD_LETTERED, AuditAction.WEBHOOK_ENDPOINT_DISABLED)
    }
    purges = events.filter(Q(action__endswith=".purged") | Q(action__endswith="_purged"))
    retention_purges = [
        {"at": _iso(e.occurred_at), "action": e.action, "detail": e.detail} for e in purges.order_by("occurred_at")
    ]
    # Charter 8: every notice of a breach this agency received (phase, approximate subjects and records).
    breaches = [
        {
            "breach_id": n.breach_id,
            "title": n.breach.title,
            "detected_at": _iso(n.breach.detected_at),
            "state": n.breach.state,
            "phase": n.phase,
            "subjects": n.subjects,
            "records": n.records,
            "notified_at": _iso(n.sent_at),
        }
        for n in BreachNotification.objects.filter(agency_id=agency.pk, sent_at__gte=since, sent_at__lt=until)
        .select_related("breach")
        .order_by("sent_at", "pk")
    ]
    subprocessor_changes = [
        {"at": _iso(e.occurred_at), "action": e.action, "object_id": e.object_id, "detail": e.detail}
        for e in AuditEvent.objects.filter(
            Q(agency_id=agency.pk) | Q(agency_id__isnull=True),
            action__startswith="subprocessor",
            occurred_at__gte=since,
            occurred_at__lt=until,
        ).order_by("occurred_at")
    ]
    charter = charter_in_force()
    return {
        "document": "nalevingsrapport",
        "generated_at": _iso(timezone.now()),
        "period": {"from": _iso(since), "until": _iso(until)},
        "processor": PROCESSOR,
        "processor_dpo": processor_dpo(),
        "agency": {"id": agency.pk, "name": agency.name, "kbo": agency.kbo_display},
        "charter": {
            "in_force": charter.version if charter else None,
            "pending": [{"version": v.version, "effective_from": _iso(v.effective_from)} for v in charter_pending()],
        },
        "processing_orders": _orders(agency),
        "volumes_per_component": {k: dict(v) for k, v in sorted(volumes.items())},
        "events_total": sum(by_action.values()),
        "staff_accesses": {
            "total": sum(staff_by_action.values()),
            "by_action": dict(sorted(staff_by_action.items())),
            "latest": [
                {"at": _iso(e.occurred_at), "staff": e.actor_id, "action": e.action, "object": e.object_type}
                for e in staff.order_by("-occurred_at")[:100]
            ],
        },
        "refusals": dict(sorted(refusals.items())),
        "webhook_failures": dict(sorted(webhook_failures.items())),
        "retention_purges": retention_purges,
        "breaches": breaches,
        "subprocessor_changes": subprocessor_changes,
        "independent_audits": [
            {"auditor": a.auditor, "performed_on": _iso(a.performed_on), "conclusion": a.conclusion}
            for a in IndependentAudit.objects.order_by("-performed_on")[:5]
        ],
    }


def records_of_processing_build() -> dict[str, Any]:
    """GDPR art. 30(2): per controller, the categories of processing, transfers and the measures."""
    controllers = []
    for version in active_order_versions() + _suspended_versions():
        agency = version.order.agency
        controllers.append(
            {
                "controller": {
                    "id": agency.pk,
                    "name": agency.name,
                    "kbo": agency.kbo_display,
                    "address": ", ".join(
                        x for x in (agency.street, f"{agency.postcode} {agency.municipality}".strip()) if x
                    ),
                    "dpo": {"name": str(agency.dpo_name or ""), "email": str(agency.dpo_email or "")},
                },
                "processing_order_id": version.order_id,
                "order_version": version.number,
                "state": version.state,
                "categories_of_processing": [
                    {
                        "component": c,
                        "label": Component(c).label,
                        "data_categories": version.categories_for(c),
                        "retention_days": version.retention_for(c),
                    }
                    for c in version.components
                ],
                "legal_basis": version.legal_basis,
                "dpia_reference": version.dpia_reference,
                "valid_from": _iso(version.valid_from),
                "valid_until": _iso(version.valid_until),
                # Charter 10: nothing leaves the EEA unless the order asks for it explicitly.
                "transfers_outside_eea": "Geen, tenzij uitdrukkelijk gevraagd in de verwerkingsopdracht (charter 10).",
            }
        )
    return {
        "document": "register van verwerkingsactiviteiten (AVG art. 30, lid 2)",
        "generated_at": _iso(timezone.now()),
        "processor": PROCESSOR,
        "processor_dpo": processor_dpo(),
        "controllers": controllers,
        "measures": "Zie het overzicht van technische en organisatorische maatregelen (`burgerprofiel compliance "
        "measures`), opgemaakt uit de configuratie van het platform.",
    }


def _suspended_versions() -> list[ProcessingOrderVersion]:
    from django.db.models import OuterRef, Subquery

    newest = ProcessingOrderVersion.objects.filter(order=OuterRef("order")).order_by("-number").values("number")
    return list(
        ProcessingOrderVersion.objects.filter(
            number=Subquery(newest[:1]), state=ProcessingOrderVersion.State.SUSPENDED
        ).select_related("order__agency")
    )


def measures_build(*, agency_id: int | None = None) -> dict[str, Any]:
    """Charter 5 / GDPR 32: the measures as the running platform is configured, read now.

    ``agency_id``: the version an agency asks for (charter 5: partners may ask for the measures): the
    retention per order names only that agency's orders."""
    keks = keyring.keks()
    keys_by_owner = {
        r["owner_type"]: {"active": r["active"], "destroyed": r["destroyed"], "last_rewrap": _iso(r["last_rewrap"])}
        for r in DataKey.objects.values("owner_type").annotate(
            active=Count("id", filter=Q(destroyed_at__isnull=True)),
            destroyed=Count("id", filter=Q(destroyed_at__isnull=False)),
            last_rewrap=Max("rewrapped_at"),
        )
    }
    user_model = get_user_model()
    staff = user_model.objects.filter(is_active=True, is_staff=True)
    with_totp = TOTPDevice.objects.filter(user__in=staff, confirmed=True).values("user").distinct().count()
    statement = confidentiality_current()
    accepted = ConfidentialityAcceptance.objects.filter(statement=statement, user__in=staff).count() if statement else 0
    last_verify = AuditEvent.objects.filter(action=AuditAction.AUDIT_VERIFIED).order_by("-occurred_at").first()
    last_head = TreeHead.objects.order_by("-tree_size").first()
    last_audit = IndependentAudit.objects.order_by("-performed_on").first()
    today = timezone.localdate()
    return {
        "document": "technische en organisatorische maatregelen (charter 5, AVG art. 32)",
        "generated_at": _iso(timezone.now()),
        "encryption_at_rest": {
            "scheme": "AES-256-GCM-envelopversleuteling: een datasleutel per instantie (contactgegevens: per burger), "
            "omhuld met een sleutelversleutelingssleutel buiten de database; opzoeken via HMAC-blinde indexen",
            "key_encryption_keys": {"configured": [k.id for k in keks], "wrapping": keks[0].id},
            "data_keys": keys_by_owner,
        },
        "signing_keys": [
            {"kid": k.kid, "algorithm": k.algorithm, "created_at": _iso(k.created_at), "retired_at": _iso(k.retired_at)}
            for k in SigningKey.objects.order_by("-created_at")
        ],
        "access_control": {
            "backoffice_second_factor": "verplicht (TOTP) voor elke medewerker, ook superusers",
            "active_staff": staff.count(),
            "active_staff_with_confirmed_totp": with_totp,
            "backoffice_idle_timeout_seconds": getattr(settings, "BACKOFFICE_SESSION_IDLE_SECONDS", None),
            "agency_authentication": "OAuth2 client credentials (clientgeheim, argon2-gehasht, of private_key_jwt)",
        },
        "confidentiality": {
            "statement_version": statement.version if statement else None,
            "active_staff_accepted": accepted,
            "enforced": statement is not None,
        },
        "retention": {
            "purge_interval_seconds": settings.RETENTION_PURGE_INTERVAL_SECONDS,
            "notifications_default_days": settings.NOTIFICATIONS_DEFAULT_RETENTION_DAYS,
            "webhook_events_days": settings.WEBHOOKS_RETENTION_DAYS,
            "per_order": [
                {"agency": v.order.agency.name, "processing_order_id": v.order_id, "retention_days": v.retention_days}
                for v in active_order_versions()
                if agency_id is None or v.order.agency_id == agency_id
            ],
        },
        "audit_trail": {
            "last_verify": (
                {
                    "at": _iso(last_verify.occurred_at),
                    "ok": last_verify.outcome == AuditEvent.Outcome.SUCCESS,
                    "events_checked": last_verify.detail.get("events_checked"),
                }
                if last_verify
                else None
            ),
            "last_signed_tree_head": (
                {"tree_size": last_head.tree_size, "signed_at": _iso(last_head.signed_at), "key_id": last_head.key_id}
                if last_head
                else None
            ),
        },
        "transport": {
            "https_redirect": settings.SECURE_SSL_REDIRECT,
            "hsts_seconds": settings.SECURE_HSTS_SECONDS,
            "outbound_tls_verification": "altijd (kan niet uitgeschakeld worden)",
        },
        "independent_audit": {
            "last": (
                {"auditor": last_audit.auditor, "performed_on": _iso(last_audit.performed_on)} if last_audit else None
            ),
            "due_by": _iso(
                (last_audit.performed_on if last_audit else today) + dt.timedelta(days=INDEPENDENT_AUDIT_INTERVAL_DAYS)
            )
            if last_audit
            else None,
            "overdue": last_audit is None or (today - last_audit.performed_on).days > INDEPENDENT_AUDIT_INTERVAL_DAYS,
        },
    }
