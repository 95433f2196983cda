"""Events to agencies over the API: webhook endpoints, their deliveries, and the events feed.

Each handler parses, calls one service or selector of ``burgerprofiel.webhooks`` and renders. Which
event types an agency may subscribe to follows from its processing order (the service checks it);
another agency's endpoint or delivery answers 404.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from burgerprofiel.api.auth import agency_request_actor, order_version_of, principal_of
from burgerprofiel.api.schemas import Strict
from burgerprofiel.webhooks import selectors, services
from burgerprofiel.webhooks.events import EventType
from burgerprofiel.webhooks.models import Delivery, DeliveryStatus, Endpoint
from burgerprofiel.webhooks.selectors import CURSOR_MAX_LENGTH, DELIVERY_CURSOR, EVENT_CURSOR, cursor_pattern

router = Router(tags=["webhooks"])
events_router = Router(tags=["webhooks"])

SIGNING = (
    "Elke levering is ondertekend volgens Standard Webhooks (headers webhook-id, webhook-timestamp, "
    "webhook-signature; controleer met een Standard Webhooks-bibliotheek en uw geheim whsec_...). "
    "Levering gebeurt minstens één keer: ontdubbel op webhook-id (het id van de gebeurtenis)."
)


class EndpointIn(Strict):
    url: str = Field(
        min_length=8,
        max_length=services.URL_MAX_LENGTH,
        pattern=r"^https?://[^\s/?#@]+(/[^\s]*)?$",
        description=(
            "Het https-adres dat de gebeurtenissen ontvangt. Het moet publiek bereikbaar zijn (geen privé- of "
            "intern netwerk) en mag geen gebruikersnaam of wachtwoord bevatten; anders 422 met veld 'url'."
        ),
    )
    event_types: list[EventType] = Field(
        min_length=1, max_length=len(EventType), description="De gebeurtenissen die dit eindpunt ontvangt."
    )
    description: str = Field(default="", max_length=services.DESCRIPTION_MAX_LENGTH)


class EndpointOut(Schema):
    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str
    state: str = Field(description="active, disabled (de ontvanger antwoordde 410 Gone)")
    state_reason: str
    previous_secret_until: dt.datetime | None = Field(
        description="Tot wanneer het vorige geheim nog mee ondertekent (na een rotatie)."
    )
    created_at: dt.datetime


class EndpointCreated(EndpointOut):
    secret: str = Field(description="Het geheim (whsec_...), enkel nu getoond; bewaar het veilig.")


class SecretRotateIn(Strict):
    overlap_seconds: int | None = Field(
        default=None,
        ge=0,
        le=services.OVERLAP_MAX_SECONDS,
        description="Hoe lang het vorige geheim nog mee ondertekent; standaard de instelling van het platform.",
    )


class SecretRotated(Schema):
    id: uuid.UUID
    secret: str = Field(description="Het nieuwe geheim (whsec_...), enkel nu getoond.")
    previous_secret_until: dt.datetime | None


class ObjectRef(Schema):
    type: str
    id: str


class DeliveryOut(Schema):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    endpoint_id: uuid.UUID
    object: ObjectRef
    sequence: int
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    failed_at: dt.datetime | None


class DeliveryPage(Schema):
    deliveries: list[DeliveryOut]
    next: str = Field(description="Geef dit mee als 'after' voor de volgende pagina.")
    has_more: bool


class EventOut(Schema):
    """Precies de body die een webhook-levering van deze gebeurtenis verstuurt."""

    id: str = Field(description="Het id van de gebeurtenis (ook de header webhook-id).")
    type: str
    time: str = Field(description="Tijdstip (RFC 3339).")
    object: ObjectRef
    sequence: int = Field(description="Volgnummer per object (1, 2, 3 ...).")
    data: dict[str, Any]


class EventPage(Schema):
    events: list[EventOut]
    next: str = Field(description="Geef dit mee als 'after' bij de volgende oproep.")
    has_more: bool


CURSOR_HELP = "De cursor 'next' van een vorig antwoord; zonder: vanaf het begin."
DeliveryCursor = Annotated[
    str | None,
    Query(
        default=None,
        min_length=2,
        max_length=CURSOR_MAX_LENGTH,
        pattern=cursor_pattern(DELIVERY_CURSOR),
        description=CURSOR_HELP,
    ),
]
EventCursor = Annotated[
    str | None,
    Query(
        default=None,
        min_length=2,
        max_length=CURSOR_MAX_LENGTH,
        pattern=cursor_pattern(EVENT_CURSOR),
        description=CURSOR_HELP,
    ),
]
Limit = Annotated[int, Query(ge=1, le=1000)]


def _endpoint(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "event_types": endpoint.event_types,
        "description": endpoint.description,
        "state": endpoint.state,
        "state_reason": endpoint.state_reason,
        "previous_secret_until": endpoint.previous_secret_until,
        "created_at": endpoint.created_at,
    }


def _delivery(delivery: Delivery) -> dict[str, Any]:
    event = delivery.event
    return {
        "id": delivery.uuid,
        "event_id": event.event_id,
        "event_type": event.type,
        "endpoint_id": delivery.endpoint_id,
        "object": {"type": event.object_type, "id": event.object_id},
        "sequence": delivery.sequence,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at if delivery.status in ("pending", "retrying") else None,
        "last_attempt_at": delivery.last_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
        "failed_at": delivery.failed_at,
    }


@router.post(
    "/endpoints",
    response={201: EndpointCreated},
    summary="Een webhook-eindpunt registreren",
    description=("Alleen gebeurtenissen van componenten die uw verwerkingsopdracht bevat (anders 403). " + SIGNING),
)
def endpoint_register(request: HttpRequest, payload: EndpointIn) -> Status[Any]:
    endpoint, secret = services.webhook_endpoint_register(
        agency_id=principal_of(request).agency_id,
        url=payload.url,
        event_types=[t.value for t in payload.event_types],
        description=payload.description,
        actor=agency_request_actor(request),
    )
    return Status(201, {**_endpoint(endpoint), "secret": secret})


@router.get("/endpoints", response=list[EndpointOut], summary="Uw webhook-eindpunten")
def endpoints_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_endpoint(e) for e in selectors.webhook_endpoints_list(agency_id=principal_of(request).agency_id)]


@router.get("/endpoints/{endpoint_id}", response=EndpointOut, summary="Eén webhook-eindpunt")
def endpoint_get(request: HttpRequest, endpoint_id: Annotated[uuid.UUID, Path()]) -> dict[str, Any]:
    return _endpoint(selectors.webhook_endpoint_get(agency_id=principal_of(request).agency_id, endpoint_id=endpoint_id))


@router.delete(
    "/endpoints/{endpoint_id}",
    response={204: None},
    summary="Een webhook-eindpunt verwijderen (openstaande leveringen vervallen; de feed houdt alles)",
)
def endpoint_delete(request: HttpRequest, endpoint_id: Annotated[uuid.UUID, Path()]) -> Status[None]:
    services.webhook_endpoint_delete(
        agency_id=principal_of(request).agency_id, endpoint_id=endpoint_id, actor=agency_request_actor(request)
    )
    return Status(204, None)


@router.post(
    "/endpoints/{endpoint_id}/secret-rotation",
    response={200: SecretRotated},
    summary="Het geheim van een eindpunt vernieuwen, met een overlap waarin beide geheimen ondertekenen",
)
def endpoint_secret_rotate(
    request: HttpRequest, endpoint_id: Annotated[uuid.UUID, Path()], payload: SecretRotateIn
) -> Status[Any]:
    endpoint, secret = services.webhook_endpoint_secret_rotate(
        agency_id=principal_of(request).agency_id,
        endpoint_id=endpoint_id,
        overlap_seconds=payload.overlap_seconds,
        actor=agency_request_actor(request),
    )
    return Status(200, {"id": endpoint.pk, "secret": secret, "previous_secret_until": endpoint.previous_secret_until})


@router.get(
    "/deliveries",
    response=DeliveryPage,
    summary="Uw webhook-leveringen; status=failed: de dode brieven (opnieuw te versturen)",
)
def deliveries_list(
    request: HttpRequest, status: DeliveryStatus | None = None, after: DeliveryCursor = None, limit: Limit = 100
) -> dict[str, Any]:
    page = selectors.webhook_deliveries_list(
        agency_id=principal_of(request).agency_id, status=status, after=after, limit=limit
    )
    return {"deliveries": [_delivery(d) for d in page.items], "next": page.next, "has_more": page.has_more}


@router.post(
    "/deliveries/{delivery_id}/replay",
    response={202: DeliveryOut},
    summary="Een mislukte levering opnieuw versturen",
    description="Alleen een levering met status failed van een actief eindpunt (anders 409).",
)
def delivery_replay(request: HttpRequest, delivery_id: Annotated[uuid.UUID, Path()]) -> Status[Any]:
    delivery = services.webhook_delivery_replay(
        delivery_uuid=delivery_id, agency_id=principal_of(request).agency_id, actor=agency_request_actor(request)
    )
    return Status(202, _delivery(delivery))


@events_router.get(
    "",
    response=EventPage,
    summary="De gebeurtenissen voor uw instantie (de pull-tegenhanger van de webhooks)",
    description=(
        "Dezelfde bodies als de webhook-leveringen, in volgorde. Volg 'next' om verder te lezen; bewaar het "
        "om later verder te gaan. Alleen gebeurtenissen van componenten die uw verwerkingsopdracht nu bevat."
    ),
)
def events_read(request: HttpRequest, after: EventCursor = None, limit: Limit = 100) -> dict[str, Any]:
    version = order_version_of(request)
    page = selectors.webhook_events_read(
        agency_id=principal_of(request).agency_id,
        components=list(version.components),
        after=after,
        limit=limit,
        actor=agency_request_actor(request),
    )
    return {"events": page.items, "next": page.next, "has_more": page.has_more}
