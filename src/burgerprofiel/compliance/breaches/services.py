"""Breaches: register, open a draft (detectors), compute who is affected, notify, update, close,
and the deadline check. Every act is audited in its own transaction (audit/actions.py ``breach.*``).

A breach is never deleted (GDPR 33(5)): a draft that turns out not to be a breach is *dismissed*
with its reason and stays on record, as does a breach that affected nobody (*closed*).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from burgerprofiel.agencies.catalogue import CATEGORIES
from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import SYSTEM, Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import Conflict, ValidationError
from burgerprofiel.compliance.breaches.affected import affected_compute
from burgerprofiel.compliance.breaches.models import Breach, BreachNotification
from burgerprofiel.compliance.breaches.notice import breach_notice_content
from burgerprofiel.compliance.notices.services import actor_name, agency_notice_send

log = logging.getLogger(__name__)

NOTICE_OBJECT = "inbreuk"
TEXT_FIELDS = ("title", "nature", "subject_categories", "likely_consequences", "measures")
EDITABLE = (
    "title",
    "detected_at",
    "nature",
    "window_start",
    "window_end",
    "exposure",
    "systems",
    "components",
    "data_categories",
    "subject_categories",
    "likely_consequences",
    "measures",
)


def _invalid(field: str, detail: str) -> ValidationError:
    return ValidationError(detail, extra={"field": field})


def breach_fields_check(fields: dict[str, Any]) -> dict[str, Any]:
    """The breach's fields, cleaned; ``ValidationError`` naming the first bad one (nothing stored)."""
    clean = dict(fields)
    title = " ".join(str(clean.get("title", "")).split())
    if not title or len(title) > 200:
        raise _invalid("title", "Geef de inbreuk een titel (hoogstens 200 tekens).")
    clean["title"] = title
    if not str(clean.get("nature", "")).strip():
        raise _invalid("nature", "Beschrijf de aard van de inbreuk.")
    for name in ("detected_at", "window_start", "window_end"):
        value = clean.get(name)
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            raise _invalid(name, "Geef een tijdstip met tijdzone.")
    if clean["window_end"] < clean["window_start"]:
        raise _invalid("window_end", "Het venster eindigt voor het begint.")
    if clean["detected_at"] > timezone.now() + dt.timedelta(minutes=5):
        raise _invalid("detected_at", "Een inbreuk kan niet in de toekomst vastgesteld zijn.")
    if clean.get("exposure", Breach.Exposure.PROCESSED) not in Breach.Exposure.values:
        raise _invalid("exposure", "Kies verwerkt of opgeslagen.")
    components = [str(c) for c in clean.get("components") or []]
    unknown = [c for c in components if c not in CATEGORIES]
    if unknown:
        raise _invalid("components", f"Onbekende component(en): {', '.join(unknown)}.")
    clean["components"] = sorted(set(components))
    known = {code for c in (components or list(CATEGORIES)) for code in CATEGORIES[c]}
    categories = [str(c) for c in clean.get("data_categories") or []]
    stray = [c for c in categories if c not in known]
    if stray:
        raise _invalid("data_categories", f"Categorie(ën) niet van deze componenten: {', '.join(stray)}.")
    clean["data_categories"] = sorted(set(categories))
    clean["systems"] = [" ".join(str(s).split())[:100] for s in clean.get("systems") or [] if str(s).strip()]
    for name in ("subject_categories", "likely_consequences", "measures"):
        if name in clean:
            clean[name] = str(clean[name] or "").strip()
    if not clean.get("subject_categories"):
        clean.pop("subject_categories", None)
    return clean


def breach_register(*, actor: Actor, **fields: Any) -> Breach:
    """An operator registers a breach (state ``open``): it counts from ``detected_at``."""
    clean = breach_fields_check({k: v for k, v in fields.items() if k in EDITABLE})
    with transaction.atomic():
        breach = Breach.objects.create(state=Breach.State.OPEN, created_by=actor_name(actor), **clean)
        audit_record(
            actor=actor,
            action=AuditAction.BREACH_REGISTERED,
            target=breach,
            detail={"detected_at": breach.detected_at.isoformat(), "components": breach.components},
        )
    return breach


def breach_draft_open(
    *,
    detector: str,
    ref: str,
    title: str,
    nature: str,
    window_start: dt.datetime,
    window_end: dt.datetime,
    components: list[str] | None = None,
    detail: dict[str, Any] | None = None,
    actor: Actor = SYSTEM,
) -> Breach | None:
    """A detector opens a draft for an operator to assess; once per ``ref`` (None if it already exists)."""
    with transaction.atomic():
        if Breach.objects.filter(detector_ref=ref).exists():
            return None
        now = timezone.now()
        breach = Breach.objects.create(
            state=Breach.State.DRAFT,
            detector=detector,
            detector_ref=ref,
            detector_detail=detail or {},
            title=title[:200],
            nature=nature,
            detected_at=now,
            window_start=window_start,
            window_end=window_end,
            components=sorted(set(components or [])),
            created_by=actor_name(actor),
        )
        audit_record(
            actor=actor,
            action=AuditAction.BREACH_DRAFT_OPENED,
            target=breach,
            detail={"detector": detector, "ref": ref},
        )
    log.warning("draft breach opened by a detector", extra={"breach_id": breach.pk, "detector": detector})
    return breach


def breach_change(*, breach: Breach, actor: Actor, confirm: bool = False, **fields: Any) -> Breach:
    """Change a breach's description (also after notice: send an update to tell the agencies);
    ``confirm``: a draft becomes a registered breach."""
    if breach.state in (Breach.State.CLOSED, Breach.State.DISMISSED):
        raise Conflict("Een afgesloten inbreuk wijzigt niet meer.")
    current = {name: getattr(breach, name) for name in EDITABLE}
    clean = breach_fields_check({**current, **{k: v for k, v in fields.items() if k in EDITABLE}})
    changed = sorted(name for name in EDITABLE if name in clean and clean[name] != current[name])
    with transaction.atomic():
        for name in changed:
            setattr(breach, name, clean[name])
        if confirm and breach.state == Breach.State.DRAFT:
            breach.state = Breach.State.OPEN
            changed.append("state")
        if not changed:
            return breach
        breach.save()
        audit_record(actor=actor, action=AuditAction.BREACH_CHANGED, target=breach, detail={"fields": changed})
    return breach


def breach_affected_refresh(*, breach: Breach, actor: Actor) -> list[dict[str, Any]]:
    """Compute (again) the affected agencies and numbers, store them with the breach, audit the totals."""
    affected = affected_compute(
        window_start=breach.window_start,
        window_end=breach.window_end,
        components=list(breach.components or []),
        exposure=breach.exposure,
    )
    with transaction.atomic():
        breach.affected = affected
        breach.affected_computed_at = timezone.now()
        breach.save(update_fields=["affected", "affected_computed_at"])
        audit_record(
            actor=actor,
            action=AuditAction.BREACH_AFFECTED_COMPUTED,
            target=breach,
            detail={
                "agencies": {
                    str(e["agency_id"]): {"subjects": e["subjects"], "records": e["records"]} for e in affected
                }
            },
        )
    return affected


def _send(breach: Breach, entry: dict[str, Any], *, phase: int, update: str, actor: Actor) -> BreachNotification:
    agency = Agency.objects.get(pk=entry["agency_id"])
    subject, body, data = breach_notice_content(breach, entry, phase=phase, update=update)
    notice = agency_notice_send(
        agency=agency,
        kind="inbreuk" if phase == 1 else "inbreuk_update",
        subject=subject,
        body=body,
        data=data,
        object_type=NOTICE_OBJECT,
        object_id=str(breach.pk),
        actor=actor,
    )
    notification = BreachNotification.objects.create(
        breach=breach,
        agency=agency,
        notice=notice,
        phase=phase,
        subjects=entry["subjects"],
        records=entry["records"],
        sent_at=notice.created_at,
    )
    audit_record(
        actor=actor,
        action=AuditAction.BREACH_NOTIFIED if phase == 1 else AuditAction.BREACH_UPDATE_NOTIFIED,
        target=breach,
        agency_id=agency.pk,
        detail={
            "phase": phase,
            "notice_id": str(notice.pk),
            "subjects": entry["subjects"],
            "records": entry["records"],
        },
    )
    return notification


def breach_notify(*, breach: Breach, actor: Actor) -> list[BreachNotification]:
    """Send every affected agency that has none yet its notice (phase 1), computed afresh now.

    A draft must be confirmed first; a breach affecting no agency is closed instead, with a reason.
    """
    if breach.state == Breach.State.DRAFT:
        raise Conflict("Bevestig het ontwerp eerst als inbreuk (of wijs het af).")
    if breach.state in (Breach.State.CLOSED, Breach.State.DISMISSED):
        raise Conflict("Deze inbreuk is afgesloten.")
    affected = breach_affected_refresh(breach=breach, actor=actor)
    if not affected:
        raise Conflict("Geen enkele instantie is getroffen: sluit de inbreuk af met een reden.")
    sent: list[BreachNotification] = []
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(pk=breach.pk)
        done = set(BreachNotification.objects.filter(breach=breach, phase=1).values_list("agency_id", flat=True))
        for entry in affected:
            if entry["agency_id"] not in done:
                sent.append(_send(breach, entry, phase=1, update="", actor=actor))
        if breach.notified_at is None:
            breach.notified_at = timezone.now()
        breach.state = Breach.State.NOTIFIED
        breach.save(update_fields=["notified_at", "state"])
    return sent


def breach_update_notify(*, breach: Breach, update: str, actor: Actor) -> list[BreachNotification]:
    """GDPR 33(4): information given in phases. Every agency notified before gets the next phase
    (with the breach as it stands now, recomputed); an agency affected only now gets its first notice."""
    if breach.state != Breach.State.NOTIFIED:
        raise Conflict("Alleen een gemelde inbreuk krijgt een aanvulling; meld ze eerst.")
    if not update.strip():
        raise _invalid("update", "Beschrijf wat er nieuw is.")
    affected = {e["agency_id"]: e for e in breach_affected_refresh(breach=breach, actor=actor)}
    sent: list[BreachNotification] = []
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(pk=breach.pk)
        phase = (BreachNotification.objects.filter(breach=breach).aggregate(m=Max("phase"))["m"] or 1) + 1
        notified = list(
            BreachNotification.objects.filter(breach=breach, phase=1).select_related("agency").order_by("agency_id")
        )
        for first in notified:
            entry = affected.get(first.agency_id) or {
                "agency_id": first.agency_id,
                "agency_name": first.agency.name,
                "subjects": 0,
                "records": 0,
                "records_by_component": {},
                "accesses": 0,
            }
            sent.append(_send(breach, entry, phase=phase, update=update, actor=actor))
        for agency_id, entry in affected.items():
            if agency_id not in {n.agency_id for n in notified}:
                sent.append(_send(breach, entry, phase=1, update="", actor=actor))
    return sent


def breach_close(*, breach: Breach, reason: str, actor: Actor) -> Breach:
    """Close a breach (handled) or dismiss a draft or unnotified one (not a breach): kept on record."""
    if breach.state in (Breach.State.CLOSED, Breach.State.DISMISSED):
        raise Conflict("Deze inbreuk is al afgesloten.")
    if not reason.strip():
        raise _invalid("reason", "Geef de reden.")
    with transaction.atomic():
        breach.state = Breach.State.CLOSED if breach.state == Breach.State.NOTIFIED else Breach.State.DISMISSED
        breach.closed_at = timezone.now()
        breach.close_reason = reason.strip()
        breach.save(update_fields=["state", "closed_at", "close_reason"])
        audit_record(actor=actor, action=AuditAction.BREACH_CLOSED, target=breach, detail={"state": breach.state})
    return breach


def breach_deadlines_check(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Log and audit (once each) a warning when an unnotified breach reaches the warning hour, and
    again when its deadline passes. Drafts count too: the clock runs from detection."""
    now = now or timezone.now()
    counts = {"warning": 0, "overdue": 0}
    pending = Breach.objects.filter(
        state__in=(Breach.State.DRAFT, Breach.State.OPEN), notified_at__isnull=True
    ).order_by("detected_at")
    for breach in pending:
        state = breach.deadline_state(now)
        if state == "overdue" and breach.overdue_logged_at is None:
            field = "overdue_logged_at"
        elif state in ("warning", "overdue") and breach.warning_logged_at is None:
            field = "warning_logged_at"
        else:
            continue
        level = "overdue" if field == "overdue_logged_at" else "warning"
        with transaction.atomic():
            updated = Breach.objects.filter(pk=breach.pk, **{f"{field}__isnull": True}).update(**{field: now})
            if not updated:
                continue  # another worker got there first
            if level == "overdue":  # past the deadline at once: no separate warning afterwards
                Breach.objects.filter(pk=breach.pk, warning_logged_at__isnull=True).update(warning_logged_at=now)
            audit_record(
                actor=SYSTEM,
                action=AuditAction.BREACH_DEADLINE_WARNING,
                target=breach,
                outcome="failure" if level == "overdue" else "success",
                detail={"level": level, "deadline_at": breach.deadline_at.isoformat()},
            )
        log.warning(
            "breach notice deadline " + ("passed" if level == "overdue" else "near"),
            extra={"breach_id": breach.pk, "deadline_at": breach.deadline_at.isoformat(), "level": level},
        )
        counts[level] += 1
    return counts
