"""Failed authentications, recorded without letting anonymous callers grow the audit log at will.

Design note (issue 11 item 12c; ASVS 16.3.1): every failed token request and every bad bearer token
used to append an audit event, and the log is append-only: anyone could grow it without bound,
only slowed by the rate limit. Now the rate limit still comes first (``ApiGuardMiddleware``: a
refused request records nothing), and what gets through is *aggregated* per caller and window:

- the first failure of a caller in a window (``AUDIT_FAILURE_WINDOW_SECONDS``) is an audit event at
  once, exactly as before, so an attack is visible as it starts;
- the following ones only count, in a ``FailureTally`` row (one per caller and window, updated);
- when the window has closed, ``audit_failures_flush`` (periodic) appends one event with the count
  and the reasons of the rest, and drops the tally.

So a caller costs at most two audit events per window, however many attempts it makes. The caller
is the client it named when that client exists, else only its address: an attacker-chosen
client_id does not make a new caller. The address is kept as a keyed hash (``blind_index``), never
in clear. The tally is a working table, not evidence: losing it loses a count, never the first event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent, FailureTally
from burgerprofiel.audit.services import audit_record
from burgerprofiel.crypto.fields import blind_index


def _window_start(now: dt.datetime) -> dt.datetime:
    seconds = settings.AUDIT_FAILURE_WINDOW_SECONDS
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, dt.UTC)


def audit_failure_record(
    *,
    actor: Actor,
    action: AuditAction,
    reason: str,
    address: str,
    caller: str,
    target: Any = None,
    object_id: str | None = None,
) -> AuditEvent | None:
    """Record a failed authentication: an event for the caller's first failure in this window, a count
    for the others. ``caller`` names who failed (a known client's id, or "" for an unknown one): with
    the address, it is what failures are grouped by. Returns the event written, if any."""
    now = timezone.now()
    window = _window_start(now)
    hashed_address = blind_index(address or "unknown", purpose="audit-failure-address")[:64]
    key = hashlib.sha256(f"{action}\x00{caller}\x00{hashed_address}\x00{window.isoformat()}".encode()).hexdigest()
    with transaction.atomic():
        if _counted(key, reason):
            return None
        try:
            with transaction.atomic():
                FailureTally.objects.create(
                    key=key,
                    window_start=window,
                    action=str(action),
                    actor_type=actor.kind,
                    actor_id=actor.id[:128] if caller else "",
                    agency_id=actor.agency_id,
                    address=hashed_address,
                    reasons={},
                )
        except IntegrityError:  # a concurrent first failure of the same caller: count this one
            _counted(key, reason)
            return None
        return audit_record(
            actor=actor,
            action=action,
            outcome=AuditEvent.Outcome.REFUSED,
            target=target,
            object_id=object_id,
            detail={"reason": reason, "address": hashed_address},
        )


def _counted(key: str, reason: str) -> bool:
    """Count one more failure on the tally ``key`` (locked), if there is one."""
    tally = FailureTally.objects.select_for_update().filter(key=key).first()
    if tally is None:
        return False
    tally.count += 1
    tally.reasons[reason] = tally.reasons.get(reason, 0) + 1  # the first failure's is in its own event
    tally.save(update_fields=["count", "reasons"])
    return True


def audit_failures_flush(*, now: dt.datetime | None = None) -> int:
    """Append one event per closed window that counted more than its first failure; returns how many."""
    closed_before = _window_start(now or timezone.now())
    written = 0
    with transaction.atomic():
        for tally in FailureTally.objects.select_for_update().filter(window_start__lt=closed_before).order_by("pk"):
            if tally.count > 1:
                window_end = tally.window_start + dt.timedelta(seconds=settings.AUDIT_FAILURE_WINDOW_SECONDS)
                audit_record(
                    actor=Actor(kind=tally.actor_type, id=tally.actor_id, agency_id=tally.agency_id),
                    action=AuditAction(tally.action),
                    outcome=AuditEvent.Outcome.REFUSED,
                    detail={
                        "aggregated": True,
                        "count": tally.count - 1,  # the first one has an event of its own
                        "reasons": tally.reasons,
                        "address": tally.address,
                        "window_start": tally.window_start.isoformat(),
                        "window_end": window_end.isoformat(),
                    },
                )
                written += 1
            tally.delete()
    return written
