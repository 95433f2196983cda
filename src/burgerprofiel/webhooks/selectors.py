"""Reads of the webhooks capability, always scoped to one agency (another agency's rows are absent)."""

from __future__ import annotations

import base64
import binascii
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

# An opaque cursor: base64url of a tagged number, so a client cannot mistake it for an id.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,40}$"
CURSOR_MAX_LENGTH = 40


def cursor_encode(tag: str, number: int) -> str:
    return base64.urlsafe_b64encode(f"{tag}{number}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str, *, tag: str, field: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith(tag) or not text[len(tag) :].isdigit():
            raise ValueError(text)
        return int(text[len(tag) :])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        detail = "Onbekende cursor: gebruik de waarde 'next' van een vorig antwoord."
        raise ValidationError(
            detail, extra={"errors": [{"in": "query", "field": field, "message": detail, "code": "invalid-cursor"}]}
        ) from None


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
        .only("position", "body", "agency_id")[: limit + 1]
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
