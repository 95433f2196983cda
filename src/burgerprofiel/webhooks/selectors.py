"""Reads of the webhooks capability, always scoped to one agency (another agency's rows are absent)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import NotFound, ValidationError
from burgerprofiel.webhooks.events import event_types_for
from burgerprofiel.webhooks.models import Delivery, DeliveryStatus, Endpoint, Event

# A cursor is the list's tag and the position to read after ("e1234"): any such position is a place to
# resume, so the documents can state the whole grammar (a pattern per list) and every string that
# matches it is accepted. Up to 18 digits: every position fits a 64-bit column.
CURSOR_MAX_LENGTH = 19


def cursor_pattern(tag: str) -> str:
    return rf"^{tag}(0|[1-9][0-9]{{0,17}})$"


def cursor_encode(tag: str, number: int) -> str:
    return f"{tag}{number}"


def cursor_decode(cursor: str, *, tag: str, field: str) -> int:
    number = cursor[len(tag) :] if cursor.startswith(tag) else ""
    if not (number.isascii() and number.isdigit() and len(number) <= CURSOR_MAX_LENGTH - 1):
        detail = "Onbekende cursor: gebruik de waarde 'next' van een vorig antwoord."
        raise ValidationError(
            detail, extra={"errors": [{"in": "query", "field": field, "message": detail, "code": "invalid-cursor"}]}
        )
    return int(number)


def webhook_endpoints_list(*, agency_id: int) -> list[Endpoint]:
    return list(
        Endpoint.objects.filter(agency_id=agency_id).exclude(state=Endpoint.State.DELETED).order_by("created_at")
    )


def webhook_endpoint_get(*, agency_id: int, endpoint_id: uuid.UUID) -> Endpoint:
    endpoint = (
        Endpoint.objects.filter(pk=endpoint_id, agency_id=agency_id).exclude(state=Endpoint.State.DELETED).first()
    )
    if endpoint is None:
        raise NotFound("Dit eindpunt bestaat niet.")
    return endpoint


@dataclass
class Page:
    items: list[Any]
    next: str
    has_more: bool


DELIVERY_CURSOR = "d"
EVENT_CURSOR = "e"


def webhook_deliveries_list(*, agency_id: int, status: str | None, after: str | None, limit: int) -> Page:
    """An agency's deliveries, oldest first; ``status="failed"``: its dead letters."""
    start = cursor_decode(after, tag=DELIVERY_CURSOR, field="after") if after else 0
    found = Delivery.objects.filter(agency_id=agency_id, pk__gt=start).select_related("event").order_by("pk")
    if status is not None:
        if status not in DeliveryStatus.values:
            raise ValidationError(f"Onbekende status '{status}'.")
        found = found.filter(status=status)
    rows = list(found[: limit + 1])
    items = rows[:limit]
    last = items[-1].pk if items else start
    return Page(items=items, next=cursor_encode(DELIVERY_CURSOR, last), has_more=len(rows) > limit)


def webhook_events_read(*, agency_id: int, components: list[str], after: str | None, limit: int, actor: Actor) -> Page:
    """The pull twin of the webhooks: the agency's events after ``after``, with exactly the bodies
    the deliveries send, limited to event types of components its order allows now. An audited
    read (the bodies may carry personal data)."""
    start = cursor_decode(after, tag=EVENT_CURSOR, field="after") if after else 0
    rows = list(
        Event.objects.filter(agency_id=agency_id, position__gt=start, type__in=event_types_for(components))
        .order_by("position")
        .only("position", "body", "agency_id", "seal_id")[: limit + 1]
    )
    events = rows[:limit]
    if events:
        audit_record(
            actor=actor,
            action=AuditAction.WEBHOOK_EVENTS_READ,
            agency_id=agency_id,
            order_version_id=actor.order_version_id,
            target=Event,
            detail={"count": len(events), "from_position": events[0].position, "to_position": events[-1].position},
        )
    last = events[-1].position if events else start
    bodies = [json.loads(event.body) for event in events if event.body]
    return Page(items=bodies, next=cursor_encode(EVENT_CURSOR, last), has_more=len(rows) > limit)
