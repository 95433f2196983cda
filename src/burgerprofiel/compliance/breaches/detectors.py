"""The platform's own detectors: each opens a *draft* breach for an operator to assess (GDPR 33:
the clock runs from when the processor became aware, so a signal is recorded at once).

- ``pull.incident``: a pull source answered about another person than the one asked for (the
  portal refused to show it, see personal_data/services.py): one draft per incident event.
- a failed ``audit verify`` (the command calls ``breach_from_audit_verify``): the audit trail was
  altered, or a signed root does not match: one draft per first bad event and day.
- refused-call spikes: BREACH_REFUSED_SPIKE_THRESHOLD refused calls (order check, scope,
  authentication) of one agency (or of unknown callers) within BREACH_REFUSED_SPIKE_WINDOW_SECONDS:
  at most one draft per agency per window, and none while an earlier spike draft of that agency
  from the last day is still a draft.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.compliance.breaches.models import Breach
from burgerprofiel.compliance.breaches.services import breach_draft_open

LOOKBACK = dt.timedelta(days=7)


def detect_pull_incidents(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    events = list(
        AuditEvent.objects.filter(action=AuditAction.PULL_INCIDENT.value, occurred_at__gte=now - LOOKBACK)
        .order_by("id")
        .values("id", "occurred_at", "agency_id", "detail")
    )
    refs = {f"pull.incident:{e['id']}": e for e in events}
    known = set(Breach.objects.filter(detector_ref__in=list(refs)).values_list("detector_ref", flat=True))
    opened = 0
    for ref, event in refs.items():
        if ref in known:
            continue
        detail = event["detail"] or {}
        breach = breach_draft_open(
            detector=Breach.Detector.PULL_INCIDENT,
            ref=ref,
            title="Gegevensbron antwoordde over een andere persoon",
            nature=(
                "Een gegevensbron van een instantie gaf bij een opvraging in 'Uw gegevens' gegevens terug over een "
                "andere persoon dan de aangemelde burger. Het portaal weigerde het antwoord te tonen "
                f"(auditgebeurtenis {event['id']}, gegevensbron {detail.get('source_id', '?')}). Te beoordelen: "
                "kregen andere opvragingen van die bron ook gegevens van derden?"
            ),
            window_start=event["occurred_at"] - dt.timedelta(minutes=5),
            window_end=event["occurred_at"],
            components=[Component.UW_GEGEVENS],
            detail={"audit_event_id": event["id"], "agency_id": event["agency_id"], **_plain(detail)},
        )
        opened += breach is not None
    return opened


def _plain(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in detail.items() if k in ("source_id", "kind")}


def detect_refused_spikes(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    window = max(60, settings.BREACH_REFUSED_SPIKE_WINDOW_SECONDS)
    since = now - dt.timedelta(seconds=window)
    bucket = int(now.timestamp()) // window
    counts = (
        AuditEvent.objects.filter(occurred_at__gte=since, occurred_at__lte=now, outcome=AuditEvent.Outcome.REFUSED)
        .values("agency_id")
        .annotate(n=Count("id"))
    )
    opened = 0
    for row in counts:
        if row["n"] < settings.BREACH_REFUSED_SPIKE_THRESHOLD:
            continue
        agency_id = row["agency_id"]
        who = f"instantie {agency_id}" if agency_id is not None else "onbekende oproepers"
        recent_drafts = Breach.objects.filter(
            detector=Breach.Detector.REFUSED_SPIKE,
            state=Breach.State.DRAFT,
            detected_at__gte=now - dt.timedelta(days=1),
            detector_detail__agency_key=str(agency_id),
        )
        if recent_drafts.exists():
            continue
        breach = breach_draft_open(
            detector=Breach.Detector.REFUSED_SPIKE,
            ref=f"refused_spike:{agency_id}:{bucket}",
            title=f"Piek in geweigerde oproepen ({who})",
            nature=(
                f"{row['n']} geweigerde oproepen van {who} in {window // 60} minuten (drempel "
                f"{settings.BREACH_REFUSED_SPIKE_THRESHOLD}). Te beoordelen: een poging tot ongeoorloofde toegang, "
                "een gelekt toegangstoken of een misconfiguratie?"
            ),
            window_start=since,
            window_end=now,
            detail={"agency_key": str(agency_id), "refused": row["n"], "window_seconds": window},
        )
        opened += breach is not None
    return opened


def breach_from_audit_verify(*, first_bad_event_id: int | None, problems: list[str]) -> Breach | None:
    """``audit verify`` failed: a draft naming the first problem (once per bad event and day)."""
    now = timezone.now()
    ref = f"audit_verify:{first_bad_event_id or 'root'}:{now:%Y-%m-%d}"
    first = (
        AuditEvent.objects.filter(pk=first_bad_event_id).values("occurred_at").first() if first_bad_event_id else None
    )
    return breach_draft_open(
        detector=Breach.Detector.AUDIT_VERIFY,
        ref=ref,
        title="Het auditspoor is niet intact (audit verify)",
        nature=(
            "De controle van het auditspoor faalde: een gebeurtenis werd gewijzigd, verwijderd of verplaatst, of "
            f"een ondertekende boomwortel klopt niet. Eerste probleem: {problems[0] if problems else 'onbekend'}. "
            "Te beoordelen: wie had schrijftoegang tot de databank, en welke gegevens zijn mee gewijzigd?"
        ),
        window_start=first["occurred_at"] if first else now - dt.timedelta(days=1),
        window_end=now,
        detail={"first_bad_event_id": first_bad_event_id, "problems": problems[:5]},
    )


def detect_failed_verifies(*, now: dt.datetime | None = None) -> int:
    """Failed verifications recorded in the last day (``audit.verified``, outcome failure: the
    back-office's button runs it as a task in the audit layer, which cannot open a breach itself)."""
    now = now or timezone.now()
    opened = 0
    failed = AuditEvent.objects.filter(
        action=AuditAction.AUDIT_VERIFIED,
        outcome=AuditEvent.Outcome.FAILURE,
        occurred_at__gte=now - dt.timedelta(days=1),
    ).values_list("detail", flat=True)
    for detail in failed:
        detail = detail if isinstance(detail, dict) else {}
        breach = breach_from_audit_verify(
            first_bad_event_id=detail.get("first_bad_event_id"), problems=list(detail.get("problems") or [])
        )
        opened += breach is not None
    return opened


def detectors_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    return {
        "pull_incident": detect_pull_incidents(now=now),
        "refused_spike": detect_refused_spikes(now=now),
        "audit_verify": detect_failed_verifies(now=now),
    }
