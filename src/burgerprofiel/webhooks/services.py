"""Events to agencies: publishing (an outbox), endpoints and their secrets, replaying dead letters.

Design note (issue 12; the Standard Webhooks specification). One mechanism carries every event
the platform sends an agency: error reports, requests and payments now, the processor's notices
later. A capability that acts calls ``webhook_event_publish`` inside the transaction of its act:
the event and one delivery row per subscribed endpoint commit with the act or not at all, and a
worker sends them afterwards (``dispatch``). Nothing is sent inside a request.

- Order: an agency's events are numbered under a row lock on its ``EventStream`` (held until the
  act commits), so the feed (``/api/v1/events``) never shows position n+1 before n, and each
  object's events get consecutive sequence numbers. Publishing is therefore serialised per agency:
  call it last in the act's transaction.
- Delivery is at least once: a receiver drops copies by ``webhook-id`` (the event id).
- An endpoint is registered only for event types of components the agency's order allows, and
  only at an address the SSRF guard accepts (https; plain http only inside the private allowlist);
  the guard runs again at every delivery and the connection goes to the address it checked.
- A secret is shown once, kept encrypted with the agency's data key, and rotated with an overlap
  during which both secrets sign.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from burgerprofiel.agencies.models import Agency
from burgerprofiel.agencies.order_check import order_check
from burgerprofiel.agencies.selectors import agency_get
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import Conflict, NotFound, ValidationError
from burgerprofiel.common.outbound import UnsafeUrl, url_check
from burgerprofiel.webhooks.events import EventType, component_of
from burgerprofiel.webhooks.models import (
    OPEN_STATUSES,
    Delivery,
    DeliveryStatus,
    Endpoint,
    Event,
    EventStream,
)
from burgerprofiel.webhooks.signing import secret_new

log = logging.getLogger(__name__)

URL_MAX_LENGTH = 2000
DESCRIPTION_MAX_LENGTH = 200
OVERLAP_MAX_SECONDS = 7 * 86400


def rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def event_body(
    *,
    event_id: uuid.UUID,
    event_type: str,
    occurred_at: dt.datetime,
    object_type: str,
    object_id: str,
    sequence: int,
    data: dict[str, Any],
) -> str:
    """The JSON every delivery of the event sends and the feed returns, byte for byte."""
    return json.dumps(
        {
            "id": str(event_id),
            "type": event_type,
            "time": rfc3339(occurred_at),
            "object": {"type": object_type, "id": object_id},
            "sequence": sequence,
            "data": data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    )


def _actor_name(actor: Actor) -> str:
    return f"{actor.kind}:{actor.id}"[:120]


def webhook_event_publish(
    *,
    agency_id: int,
    event_type: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any],
    actor: Actor,
) -> Event:
    """Record an event for ``agency_id`` and queue it for every endpoint subscribed to its type.

    Call it inside the transaction of the act it reports, as its last write (see the design note).
    ``object_type``/``object_id`` name the object the event is about (``"foutmelding"``, its id):
    events of one object are numbered 1, 2, 3 ... and delivered to each endpoint in that order.
    ``data`` is the event's JSON payload; it is stored encrypted with the agency's data key.
    """
    if event_type not in EventType.values:
        raise ValueError(f"unknown event type {event_type!r}: declare it in webhooks/events.py")
    if not 0 < len(object_type) <= 50 or not 0 < len(str(object_id)) <= 100:
        raise ValueError("object_type (1-50 characters) and object_id (1-100) are required")
    if not isinstance(data, dict):
        raise TypeError("an event's data is a JSON object")
    object_id = str(object_id)
    with transaction.atomic():
        # Only the key id: loading the whole agency would decrypt its DPO fields on every event.
        agency = Agency.objects.only("id", "data_key_id").filter(pk=agency_id).first()
        if agency is None:
            raise NotFound(f"Instantie {agency_id} bestaat niet.")
        position = _position_take(agency_id)
        last = Event.objects.filter(agency=agency, object_type=object_type, object_id=object_id).aggregate(
            last=Max("sequence")
        )["last"]
        sequence = (last or 0) + 1
        now = timezone.now()
        event_id = uuid.uuid4()
        event = Event(
            event_id=event_id,
            agency=agency,
            position=position,
            type=event_type,
            object_type=object_type,
            object_id=object_id,
            sequence=sequence,
            occurred_at=now,
            body=event_body(
                event_id=event_id,
                event_type=event_type,
                occurred_at=now,
                object_type=object_type,
                object_id=object_id,
                sequence=sequence,
                data=data,
            ),
            published_by=_actor_name(actor),
        )
        event.save(force_insert=True)
        endpoints = [
            endpoint
            for endpoint in Endpoint.objects.filter(agency=agency, state=Endpoint.State.ACTIVE).only(
                "id", "event_types"
            )
            if event_type in endpoint.event_types
        ]
        window = dt.timedelta(seconds=settings.WEBHOOKS_RETRY_WINDOW_SECONDS)
        Delivery.objects.bulk_create(
            [
                Delivery(
                    event=event,
                    endpoint=endpoint,
                    agency=agency,
                    object_key=f"{object_type}:{object_id}",
                    sequence=sequence,
                    next_attempt_at=now,
                    retry_until=now + window,
                    created_at=now,
                )
                for endpoint in endpoints
            ]
        )
        if endpoints:
            dispatcher_wake_on_commit()
    return event


def _position_take(agency_id: int) -> int:
    """The agency's next feed position, in one statement that also locks its stream row until the
    act commits (so a later act's position cannot become visible before this one's)."""
    table = connection.ops.quote_name(EventStream._meta.db_table)
    sql = f"UPDATE {table} SET last_position = last_position + 1 WHERE agency_id = %s RETURNING last_position"  # noqa: S608 - the table name is ours
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, [agency_id])
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        EventStream.objects.bulk_create([EventStream(agency_id=agency_id)], ignore_conflicts=True)  # the first event
    raise RuntimeError(f"no event stream for agency {agency_id}")


# -- endpoints ----------------------------------------------------------------------------------


def _field_error(error_class: type[ValidationError], field: str, detail: str, code: str) -> ValidationError:
    """A 422 that names the field, shaped like the API's own validation errors."""
    return error_class(detail, extra={"errors": [{"in": "body", "field": field, "message": detail, "code": code}]})


def _event_types_checked(*, actor: Actor, agency_id: int, event_types: list[str]) -> list[str]:
    wanted = list(dict.fromkeys(event_types))
    unknown = [t for t in wanted if t not in EventType.values]
    if not wanted or unknown:
        raise _field_error(
            ValidationError,
            "event_types",
            f"Onbekende gebeurtenissen: {', '.join(unknown)}." if unknown else "Kies minstens één gebeurtenis.",
            "unknown-event-type" if unknown else "empty",
        )
    ordered = sorted({c for c in (component_of(t) for t in wanted) if c is not None})
    components: list[str | None] = [*ordered] or [None]  # the processor's notices need only an active order
    for component in components:
        order_check(actor=actor, agency_id=agency_id, component=component)
    return wanted


def _url_checked(url: str) -> str:
    if len(url) > URL_MAX_LENGTH:
        raise _field_error(ValidationError, "url", f"Een adres is hoogstens {URL_MAX_LENGTH} tekens lang.", "too-long")
    try:
        url_check(url, https_required=True)
    except UnsafeUrl as exc:
        raise _field_error(UnsafeUrl, "url", exc.detail, UnsafeUrl.code) from None
    return url


def webhook_endpoint_register(
    *, agency_id: int, url: str, event_types: list[str], actor: Actor, description: str = ""
) -> tuple[Endpoint, str]:
    """Register an endpoint; returns it with its secret, which is shown this once and never again."""
    types = _event_types_checked(actor=actor, agency_id=agency_id, event_types=event_types)
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise _field_error(ValidationError, "description", "De omschrijving is te lang.", "too-long")
    _url_checked(url)
    agency = agency_get(agency_id=agency_id)
    secret = secret_new()
    now = timezone.now()
    with transaction.atomic():
        active = Endpoint.objects.select_for_update().filter(agency=agency).exclude(state=Endpoint.State.DELETED)
        if len(active) >= settings.WEBHOOKS_MAX_ENDPOINTS:
            raise Conflict(
                f"Uw instantie heeft al {settings.WEBHOOKS_MAX_ENDPOINTS} eindpunten; verwijder er eerst één."
            )
        endpoint = Endpoint(
            agency=agency,
            url=url,
            event_types=types,
            description=description,
            secret=secret,
            created_at=now,
            updated_at=now,
        )
        endpoint.save(force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.WEBHOOK_ENDPOINT_REGISTERED,
            agency_id=agency_id,
            order_version_id=actor.order_version_id,
            target=endpoint,
            detail={"event_types": types, "host": urlsplit(url).hostname or ""},
        )
    return endpoint, secret


def _endpoint_locked(*, agency_id: int, endpoint_id: uuid.UUID) -> Endpoint:
    endpoint = (
        Endpoint.objects.select_for_update()
        .filter(pk=endpoint_id, agency_id=agency_id)
        .exclude(state=Endpoint.State.DELETED)
        .first()
    )
    if endpoint is None:  # another agency's endpoint is as absent as one that never was
        raise NotFound("Dit eindpunt bestaat niet.")
    return endpoint


def webhook_endpoint_delete(*, agency_id: int, endpoint_id: uuid.UUID, actor: Actor) -> None:
    """Stop sending to an endpoint; its open deliveries are cancelled (the feed still has every event)."""
    with transaction.atomic():
        endpoint = _endpoint_locked(agency_id=agency_id, endpoint_id=endpoint_id)
        now = timezone.now()
        Endpoint.objects.filter(pk=endpoint.pk).update(state=Endpoint.State.DELETED, updated_at=now)
        cancelled = Delivery.objects.filter(endpoint=endpoint, status__in=OPEN_STATUSES).update(
            status=DeliveryStatus.CANCELLED, lease_until=None, last_error="endpoint deleted"
        )
        audit_record(
            actor=actor,
            action=AuditAction.WEBHOOK_ENDPOINT_DELETED,
            agency_id=agency_id,
            order_version_id=actor.order_version_id,
            target=endpoint,
            detail={"deliveries_cancelled": cancelled},
        )


def webhook_endpoint_secret_rotate(
    *, agency_id: int, endpoint_id: uuid.UUID, actor: Actor, overlap_seconds: int | None = None
) -> tuple[Endpoint, str]:
    """A new secret (returned once); the previous one keeps signing beside it for ``overlap_seconds``."""
    overlap = settings.WEBHOOKS_SECRET_OVERLAP_SECONDS if overlap_seconds is None else overlap_seconds
    if not 0 <= overlap <= OVERLAP_MAX_SECONDS:
        raise _field_error(
            ValidationError, "overlap_seconds", f"De overlap ligt tussen 0 en {OVERLAP_MAX_SECONDS} seconden.", "range"
        )
    secret = secret_new()
    with transaction.atomic():
        endpoint = _endpoint_locked(agency_id=agency_id, endpoint_id=endpoint_id)
        now = timezone.now()
        endpoint.previous_secret = endpoint.secret if overlap else None
        endpoint.previous_secret_until = now + dt.timedelta(seconds=overlap) if overlap else None
        endpoint.secret = secret
        endpoint.updated_at = now
        endpoint.save(update_fields=["previous_secret", "previous_secret_until", "secret", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.WEBHOOK_ENDPOINT_SECRET_ROTATED,
            agency_id=agency_id,
            order_version_id=actor.order_version_id,
            target=endpoint,
            detail={"overlap_seconds": overlap},
        )
    return endpoint, secret


def webhook_endpoint_disable(*, endpoint_id: uuid.UUID, reason: str, actor: Actor) -> int:
    """The receiver said the endpoint is gone (410): stop, and dead-letter what was still open.
    Returns how many open deliveries became dead letters."""
    now = timezone.now()
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().filter(pk=endpoint_id, state=Endpoint.State.ACTIVE).first()
        if endpoint is None:
            return 0
        Endpoint.objects.filter(pk=endpoint.pk).update(
            state=Endpoint.State.DISABLED, state_reason=reason[:200], updated_at=now
        )
        failed = Delivery.objects.filter(endpoint=endpoint, status__in=OPEN_STATUSES).update(
            status=DeliveryStatus.FAILED, failed_at=now, lease_until=None, last_error="endpoint disabled"
        )
        audit_record(
            actor=actor,
            action=AuditAction.WEBHOOK_ENDPOINT_DISABLED,
            agency_id=endpoint.agency_id,
            target=endpoint,
            detail={"reason": reason[:200], "deliveries_dead_lettered": failed},
        )
    return failed


# -- deliveries ---------------------------------------------------------------------------------


def webhook_delivery_dead_letter(
    *, delivery: Delivery, reason: str, status_code: int | None, actor: Actor, now: dt.datetime
) -> bool:
    """Give up on a delivery (a 4xx, or retries past the window): visible to the agency and the
    back-office, replayable. False if it was no longer open."""
    with transaction.atomic():
        changed = Delivery.objects.filter(pk=delivery.pk, status__in=OPEN_STATUSES).update(
            status=DeliveryStatus.FAILED,
            failed_at=now,
            lease_until=None,
            last_status_code=status_code,
            last_error=reason[:200],
        )
        if changed:
            audit_record(
                actor=actor,
                action=AuditAction.WEBHOOK_DELIVERY_DEAD_LETTERED,
                outcome=AuditEvent.Outcome.FAILURE,
                agency_id=delivery.agency_id,
                target=delivery,
                object_id=str(delivery.uuid),
                detail={
                    "endpoint_id": str(delivery.endpoint_id),
                    "event_id": str(delivery.event.event_id),
                    "attempts": delivery.attempts,
                    "status_code": status_code,
                    "reason": reason[:200],
                },
            )
    return bool(changed)


def webhook_delivery_replay(*, delivery_uuid: uuid.UUID, actor: Actor, agency_id: int | None = None) -> Delivery:
    """Send a dead letter again, with a fresh retry window. ``agency_id``: only that agency's
    (an agency replaying its own); ``None`` for platform staff."""
    with transaction.atomic():
        found = Delivery.objects.select_for_update().filter(uuid=delivery_uuid)
        if agency_id is not None:
            found = found.filter(agency_id=agency_id)
        delivery = found.first()
        if delivery is None:
            raise NotFound("Deze verzending bestaat niet.")
        if delivery.status != DeliveryStatus.FAILED:
            raise Conflict("Alleen een mislukte verzending kan opnieuw verstuurd worden.")
        if not Endpoint.objects.filter(pk=delivery.endpoint_id, state=Endpoint.State.ACTIVE).exists():
            raise Conflict("Het eindpunt van deze verzending is niet meer actief; registreer een nieuw eindpunt.")
        now = timezone.now()
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now
        delivery.retry_until = now + dt.timedelta(seconds=settings.WEBHOOKS_RETRY_WINDOW_SECONDS)
        delivery.failed_at = None
        delivery.lease_until = None
        delivery.save(update_fields=["status", "next_attempt_at", "retry_until", "failed_at", "lease_until"])
        audit_record(
            actor=actor,
            action=AuditAction.WEBHOOK_DELIVERY_REPLAYED,
            agency_id=delivery.agency_id,
            order_version_id=actor.order_version_id,
            target=delivery,
            object_id=str(delivery.uuid),
            detail={"endpoint_id": str(delivery.endpoint_id), "attempts_before": delivery.attempts},
        )
        dispatcher_wake_on_commit()
    return delivery


def webhooks_purge_expired(*, now: dt.datetime | None = None, batch: int = 1000) -> dict[str, int]:
    """Forget finished deliveries and events older than ``WEBHOOKS_RETENTION_DAYS`` (events only
    when none of their deliveries is still open)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.WEBHOOKS_RETENTION_DAYS)
    purged = {"deliveries": 0, "events": 0}
    while True:
        ids = list(
            Delivery.objects.filter(created_at__lt=cutoff)
            .exclude(status__in=OPEN_STATUSES)
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        purged["deliveries"] += Delivery.objects.filter(pk__in=ids).delete()[0]
    while True:
        ids = list(
            Event.objects.filter(occurred_at__lt=cutoff, deliveries__isnull=True).values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        purged["events"] += Event.objects.filter(pk__in=ids).delete()[0]
    return purged


# -- waking the worker --------------------------------------------------------------------------

# Wake-ups waiting in the task queue beyond which another adds nothing: a dispatch run keeps
# claiming until nothing is due, so a waiting one sees every row committed before it starts.
PENDING_WAKEUPS_ENOUGH = 2


def dispatcher_wake_on_commit() -> None:
    """Once per transaction, however many deliveries it queues: enqueue the dispatch task on commit."""
    conn = transaction.get_connection()
    current = set(conn.savepoint_ids)
    if not any(sids == current and func is _wake_dispatcher for sids, func, *_ in conn.run_on_commit):
        transaction.on_commit(_wake_dispatcher)


def _wake_dispatcher() -> None:
    from burgerprofiel.webhooks.tasks import webhook_deliveries_dispatch_task  # lazy: tasks imports this module

    try:
        if _pending_wakeups(webhook_deliveries_dispatch_task) >= PENDING_WAKEUPS_ENOUGH:
            return
        webhook_deliveries_dispatch_task.enqueue()
    except Exception:  # the rows are committed; the periodic run sends them if this wake-up is lost
        log.exception("could not enqueue the webhook dispatch")


def _pending_wakeups(task: Any) -> int:
    """Dispatch tasks queued and not yet started (database backend only; 0 for any other backend)."""
    if not isinstance(task.get_backend(), DatabaseBackend):
        return 0
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=task.module_path).count()
