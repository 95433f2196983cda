"""Push API of the notificaties component: accept meldingen, report delivery status, hand out receipts."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.agencies.selectors import agency_get, client_data_key_id
from burgerprofiel.api.auth import (
    AgencyAuth,
    SnapshotStale,
    agency_request_actor,
    notes_of,
    order_check_categories,
    order_guard_of,
    order_version_of,
    principal_of,
)
from burgerprofiel.api.idempotency import RecordProgress
from burgerprofiel.api.schemas import HTTP_URL_PATTERN, REQUIRED_TEXT_PATTERN, TEXT_PATTERN, Strict
from burgerprofiel.citizens.insz import INSZ_PATTERN, INSZ_SCHEMA, Insz
from burgerprofiel.common.errors import ValidationError
from burgerprofiel.common.queries import StatementGuard
from burgerprofiel.common.text import UnstorableText, check_storable
from burgerprofiel.compliance.subject_rights.services import restriction_check, restriction_guard
from burgerprofiel.notifications.services import (
    NotificationInput,
    delivery_states,
    notification_accept,
    notification_for_agency,
    notifications_bulk_create,
    receipts_read,
)

router = Router(tags=["notificaties"])

BASE_CATEGORIES = ("insz", "ipdc_product", "boodschap")
AUTH = AgencyAuth(component=Component.NOTIFICATIES, categories=BASE_CATEGORIES)
# The push confirms the kept client and order in the statement its work starts with (order_guard_of).
PUSH_AUTH = AgencyAuth(component=Component.NOTIFICATIES, categories=BASE_CATEGORIES, confirmed_in_write=True)
READ_AUTH = AgencyAuth(component=Component.NOTIFICATIES, categories=("notificatie_id",))


class NotificationIn(Strict):
    insz: Insz
    message: str = Field(
        min_length=1,
        max_length=settings.NOTIFICATIONS_MESSAGE_MAX_LENGTH,
        pattern=REQUIRED_TEXT_PATTERN,
        description="Platte tekst; de limiet is instelbaar.",
    )
    ipdc_product: str = Field(min_length=1, max_length=200, pattern=REQUIRED_TEXT_PATTERN)
    dossier_id: str | None = Field(default=None, max_length=200, pattern=TEXT_PATTERN)
    action_required: bool = Field(default=False, strict=True)
    action_url: str | None = Field(
        default=None, max_length=2000, pattern=f"({HTTP_URL_PATTERN})|^$", description="Een http(s)-adres."
    )
    responsible_org: str | None = Field(default=None, max_length=200, pattern=TEXT_PATTERN)


def _bulk_schema() -> dict[str, Any]:
    """The campaign body: one notification's fields (as ``NotificationIn`` declares them), with
    ``recipients`` in the place of ``insz``."""
    single = NotificationIn.model_json_schema()
    properties = {k: v for k, v in single["properties"].items() if k != "insz"}
    recipients = {
        "type": "array",
        "minItems": 1,
        "maxItems": settings.NOTIFICATIONS_BULK_MAX_ITEMS,
        "items": {"type": "string", "pattern": INSZ_PATTERN, **INSZ_SCHEMA},
    }
    return {
        "type": "object",
        "required": ["recipients", *(r for r in single["required"] if r != "insz")],
        "properties": {"recipients": recipients, **properties},
        "additionalProperties": False,
    }


class DeliveryOut(Schema):
    channel: str
    status: str
    attempts: int
    final_at: Any = None


class NotificationAccepted(Schema):
    id: uuid.UUID
    deliveries: list[DeliveryOut]


class NotificationStatusOut(Schema):
    id: uuid.UUID
    ipdc_product: str
    dossier_id: str
    action_required: bool
    created_at: Any
    read: bool
    content_purged: bool
    deliveries: list[DeliveryOut]


class BulkAccepted(Schema):
    count: int
    ids: list[uuid.UUID]


class ReceiptOut(Schema):
    id: int
    notification_id: uuid.UUID
    channel: str
    status: str
    receipt: str = Field(description="JWS (ES256) van het platform; controleer met /oauth/jwks.")
    created_at: Any


def _optional_categories(request: HttpRequest, items: list[NotificationInput]) -> None:
    """The optional fields carry categories of their own: the order must allow those too."""
    extra = set()
    if any(i.dossier_id for i in items):
        extra.add("dossier_id")
    if any(i.responsible_org for i in items):
        extra.add("verantwoordelijke_organisatie")
    if extra:
        order_check_categories(request, component=Component.NOTIFICATIES, categories=extra)


def _input(data: Any, index: int | None = None) -> NotificationInput:
    where = f"Melding {index}: " if index is not None else ""
    if not isinstance(data, dict):
        raise ValidationError(f"{where}een melding is een JSON-object.", extra={"index": index})
    try:
        parsed = NotificationIn(**data)
    except Exception as exc:  # pydantic's error would echo the input (personal data): name the fields only
        fields = sorted({str(e["loc"][0]) for e in getattr(exc, "errors", list)() if e.get("loc")})
        raise ValidationError(
            f"{where}ongeldige velden: {', '.join(fields) or 'onbekend'}.", extra={"index": index, "fields": fields}
        ) from None
    return _input_of(parsed)


def _input_of(parsed: NotificationIn) -> NotificationInput:
    """The service's input from a body the schema has already validated (no second validation)."""
    return NotificationInput(
        insz=parsed.insz,
        message=parsed.message,
        ipdc_product=parsed.ipdc_product,
        dossier_id=parsed.dossier_id or "",
        action_required=parsed.action_required,
        action_url=parsed.action_url or "",
        responsible_org=parsed.responsible_org or "",
    )


@router.post("", response={202: NotificationAccepted}, auth=PUSH_AUTH, summary="Een melding aan een burger bezorgen")
def notification_push(request: HttpRequest, payload: NotificationIn) -> Status[Any]:
    item = _input_of(payload)  # ninja validated the body against NotificationIn already: not twice per melding
    _optional_categories(request, [item])
    while True:
        principal = principal_of(request)
        actor = agency_request_actor(request)
        # Read with the citizen, in one statement: whether the client and its order as this process
        # last read them are still current (else they are read, checked, and the push starts again),
        # and whether the citizen restricted the agency (403 subject-restricted, audited). Nothing is
        # stored when a check fails.
        guard = StatementGuard.all(
            order_guard_of(request),
            restriction_guard(
                agency_id=principal.agency_id, insz_values=[[item.insz]], actor=actor, what="een nieuwe melding"
            ),
        )
        assert guard is not None  # noqa: S101 - the restriction guard is always there (for mypy); not an access check
        try:
            accepted = notification_accept(
                agency_id=principal.agency_id,
                agency_key_id=client_data_key_id(principal.client),
                item=item,
                actor=actor,
                order_version=order_version_of(request),
                guard=guard,
            )
        except SnapshotStale:
            continue  # read afresh (order_guard_of is now None): at most once more
        return Status(202, {"id": accepted.id, "deliveries": accepted.deliveries})


@router.post(
    "/bulk",
    response={202: BulkAccepted},
    auth=AUTH,
    summary="Campagne: één bericht aan veel burgers, of NDJSON met afzonderlijke meldingen",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _bulk_schema()},
                "application/x-ndjson": {
                    "schema": {
                        "type": "string",
                        "contentMediaType": "application/x-ndjson",
                        "description": (
                            "Eén melding per regel: elk een JSON-object zoals de body van POST /api/v1/notifications. "
                            "Eén ongeldige regel weigert de hele aanvraag (422, met het regelnummer als index)."
                        ),
                    }
                },
            },
        }
    },
)
def notification_push_bulk(request: HttpRequest) -> Status[Any]:
    items: list[NotificationInput] = []
    try:
        text = request.body.decode("utf-8")
        if (request.content_type or "").lower() == "application/x-ndjson":
            lines = [line for line in text.splitlines() if line.strip()]
            items = [_input(check_storable(json.loads(line)), index) for index, line in enumerate(lines)]
        else:
            body = check_storable(json.loads(text))
            if not isinstance(body, dict) or not isinstance(body.get("recipients"), list):
                raise ValidationError("Stuur {recipients: [INSZ, ...], message, ipdc_product, ...}.")
            common = {k: v for k, v in body.items() if k != "recipients"}
            items = [_input({**common, "insz": insz}, index) for index, insz in enumerate(body["recipients"])]
    except (UnicodeDecodeError, json.JSONDecodeError, UnstorableText, RecursionError):
        raise ValidationError("De body is geen geldige JSON of NDJSON (of bevat een NUL-teken).") from None
    _optional_categories(request, items)
    restriction_check(
        agency_id=principal_of(request).agency_id,
        insz_values=[[item.insz] for item in items],
        actor=agency_request_actor(request),
        what="een nieuwe melding",
    )
    record = notes_of(request).idempotency_record  # under an Idempotency-Key: resumable chunk by chunk
    notifications = notifications_bulk_create(
        agency=agency_get(agency_id=principal_of(request).agency_id),
        items=items,
        actor=agency_request_actor(request),
        progress=RecordProgress(record) if record is not None else None,
    )
    return Status(202, {"count": len(notifications), "ids": [n.pk for n in notifications]})


@router.get(
    "/receipts",
    response=list[ReceiptOut],
    auth=READ_AUTH,
    summary="Ondertekende ontvangstbewijzen: per kanaal de eindstatus van uw meldingen",
)
def receipts_list(
    request: HttpRequest,
    after_id: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    receipts = receipts_read(
        agency_id=principal_of(request).agency_id, after_id=after_id, limit=limit, actor=agency_request_actor(request)
    )
    return [
        {
            "id": r.pk,
            "notification_id": r.notification_id,
            "channel": r.channel,
            "status": r.status,
            "receipt": r.signed,
            "created_at": r.created_at,
        }
        for r in receipts
    ]


@router.get(
    "/{notification_id}", response=NotificationStatusOut, auth=READ_AUTH, summary="Een melding en haar verzendstatus"
)
def notification_status(request: HttpRequest, notification_id: uuid.UUID) -> dict[str, Any]:
    notification = notification_for_agency(
        agency_id=principal_of(request).agency_id, notification_id=notification_id, actor=agency_request_actor(request)
    )
    return {
        "id": notification.pk,
        "ipdc_product": notification.ipdc_product,
        "dossier_id": notification.dossier_id,
        "action_required": notification.action_required,
        "created_at": notification.created_at,
        "read": notification.read_at is not None,
        "content_purged": notification.content_purged_at is not None,
        "deliveries": delivery_states(notification.deliveries.all()),
    }
