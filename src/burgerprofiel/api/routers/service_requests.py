"""Service requests over the API (component aanvragen): the agency publishes forms as JSON Schema,
reads the requests citizens submitted and answers each with its DOSIS dossier number.

Each handler parses, calls one service or selector of ``burgerprofiel.service_requests`` and
renders. Another agency's form or request answers 404. New requests also arrive as the webhook
``aanvraag.ingediend`` and in ``/api/v1/events``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ConfigDict

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.api.auth import AgencyAuth, agency_request_actor, principal_of
from burgerprofiel.api.schemas import Strict
from burgerprofiel.service_requests import selectors, services
from burgerprofiel.service_requests.models import RequestableService, ServiceRequest

services_router = Router(
    tags=["aanvragen"],
    auth=AgencyAuth(component=Component.AANVRAGEN, categories=tuple(services.PUBLISH_CATEGORIES)),
)
requests_router = Router(
    tags=["aanvragen"], auth=AgencyAuth(component=Component.AANVRAGEN, categories=tuple(services.CATEGORIES))
)

ServiceId = Annotated[uuid.UUID, Path(description="Het id van de dienst.")]
RequestId = Annotated[uuid.UUID, Path(description="Het id van de aanvraag.")]
FORM_HELP = (
    "JSON Schema (draft 2020-12) van het formulier: een object met properties van type string (met "
    "eventueel format date of email, enum, minLength, maxLength, pattern), integer of number (minimum, "
    "maximum) of boolean (const true: moet aangevinkt zijn); title is het label, description de hint; "
    "required som de verplichte velden op. Veldnamen: kleine letters, cijfers en _. Naam en INSZ van de "
    "burger horen er niet in: het platform voegt ze toe uit de aanmelding. Wat het portaal niet kan tonen "
    "wordt geweigerd (422, veld form_schema)."
)


# Text that starts and ends with something visible and holds no NUL (the guards refuse NUL anywhere).
TRIMMED = r"^[^\s\x00]([^\x00]*[^\s\x00])?$"
NO_NUL = r"^[^\x00]*$"
FIELD_NAME = r"^[a-z][a-z0-9_]{0,49}$"


class StrictTypes(Strict):
    """No coercion: ``0`` is no boolean and ``"3"`` no number here, as the document says."""

    model_config = ConfigDict(extra="forbid", strict=True)


class FieldSchemaIn(StrictTypes):
    """One field of the form: the JSON Schema keywords the portal renders (anything else: 422)."""

    type: Literal["string", "integer", "number", "boolean"]
    title: str = Field(min_length=1, max_length=200, pattern=TRIMMED, description="Het label van het veld.")
    description: str | None = Field(default=None, max_length=1000, pattern=NO_NUL, description="De hint.")
    enum: list[Annotated[str, Field(min_length=1, max_length=200, pattern=TRIMMED)]] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="De keuzes (alleen bij string), elk één keer.",
        json_schema_extra={"uniqueItems": True},
    )
    format: Literal["date", "email"] | None = None
    minLength: int | None = Field(default=None, ge=0, le=10000)
    maxLength: int | None = Field(default=None, ge=1, le=10000)
    pattern: str | None = Field(default=None, max_length=500, pattern=NO_NUL, description="Een reguliere expressie.")
    minimum: float | None = Field(default=None, ge=-1e15, le=1e15)
    maximum: float | None = Field(default=None, ge=-1e15, le=1e15)
    const: bool | None = Field(default=None, description="true: het vakje moet aangevinkt zijn (alleen bij boolean).")
    default: Annotated[str, Field(max_length=200, pattern=NO_NUL)] | bool | float | None = None


class FormSchemaIn(StrictTypes):
    """A form as JSON Schema (draft 2020-12): an object of flat fields."""

    schema_: str | None = Field(
        default=None,
        alias="$schema",
        max_length=200,
        pattern=NO_NUL,
        description="https://json-schema.org/draft/2020-12/schema",
    )
    type: Literal["object"]
    title: str | None = Field(default=None, max_length=200, pattern=NO_NUL)
    description: str | None = Field(default=None, max_length=1000, pattern=NO_NUL)
    properties: dict[Annotated[str, Field(pattern=FIELD_NAME)], FieldSchemaIn] = Field(
        min_length=1,
        max_length=50,
        # Field names follow the pattern; any other name is refused (422), and the document says so.
        json_schema_extra={"additionalProperties": False},
    )
    required: list[Annotated[str, Field(pattern=FIELD_NAME)]] = Field(
        default_factory=list,
        max_length=50,
        description="De verplichte velden: elk een veld uit properties, elk één keer.",
        json_schema_extra={"uniqueItems": True},
    )
    additionalProperties: bool | None = None


class ServiceIn(StrictTypes):
    ipdc_product: str = Field(min_length=1, max_length=100, pattern=TRIMMED, description="Het IPDC-product.")
    title: str = Field(min_length=1, max_length=200, pattern=TRIMMED)
    description: str = Field(default="", max_length=5000, pattern=NO_NUL)
    form_schema: FormSchemaIn = Field(description=FORM_HELP)
    min_acr: Literal["sms", "app", "itsme", "eid"] = Field(
        default="app", description="Het minimale aanmeldniveau (acr) om de dienst aan te vragen."
    )
    dossier_follows: bool = Field(default=True, description="Of er een DOSIS-dossier volgt op de aanvraag.")


class ServiceOut(Schema):
    id: uuid.UUID
    ipdc_product: str
    title: str
    description: str
    form_schema: dict[str, Any]
    min_acr: str
    dossier_follows: bool
    created_at: dt.datetime


class RequestOut(Schema):
    """Ook de data van de webhook aanvraag.ingediend."""

    id: uuid.UUID
    service_id: uuid.UUID
    ipdc_product: str
    status: Literal["ingediend", "dossier"]
    insz: str
    applicant_name: str = Field(description="De naam van de burger, uit de aanmelding.")
    answers: dict[str, Any] = Field(description="De antwoorden, geldig volgens het schema van het formulier.")
    dossier_number: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class RequestPageOut(Schema):
    service_requests: list[RequestOut]
    next: str = Field(description="Geef dit mee als 'after' voor de volgende pagina.")
    has_more: bool


class DossierIn(StrictTypes):
    dossier_number: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[^\x00-\x1f]+$",
        description="Het DOSIS-dossiernummer (Identificatie.DossierNummer) van uw dossier over deze aanvraag.",
    )


def _service(service: RequestableService) -> dict[str, Any]:
    return {
        "id": service.pk,
        "ipdc_product": service.ipdc_product,
        "title": service.title,
        "description": service.description,
        "form_schema": service.form_schema,
        "min_acr": service.min_acr,
        "dossier_follows": service.dossier_follows,
        "created_at": service.created_at,
    }


def _request(request: ServiceRequest) -> dict[str, Any]:
    return services.request_out(request)


@services_router.post(
    "",
    response={201: ServiceOut},
    summary="Een aan te vragen dienst publiceren (formulier als JSON Schema)",
    description=(
        "Het formulier moet een geldig JSON Schema (draft 2020-12) zijn dat het portaal kan tonen: in required "
        "alleen velden die bestaan, elk één keer; in enum elke keuze één keer; een pattern dat een geldige "
        "reguliere expressie is. Wat het schema van de body niet kan uitdrukken, weigert het platform met 422 "
        "(veld form_schema), ook als de body dat schema volgt."
    ),
)
def requestable_service_publish(request: HttpRequest, payload: ServiceIn) -> Status[Any]:
    service = services.requestable_service_publish(
        agency_id=principal_of(request).agency_id,
        ipdc_product=payload.ipdc_product,
        title=payload.title,
        description=payload.description,
        form_schema=payload.form_schema.model_dump(by_alias=True, exclude_none=True, exclude_unset=True),
        min_acr=payload.min_acr,
        dossier_follows=payload.dossier_follows,
        actor=agency_request_actor(request),
    )
    return Status(201, _service(service))


@services_router.get("", response=list[ServiceOut], summary="Uw aan te vragen diensten")
def requestable_services_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_service(s) for s in selectors.requestable_services_for_agency(agency_id=principal_of(request).agency_id)]


@services_router.get("/{service_id}", response=ServiceOut, summary="Eén aan te vragen dienst")
def requestable_service_get(request: HttpRequest, service_id: ServiceId) -> dict[str, Any]:
    return _service(
        selectors.requestable_service_for_agency(agency_id=principal_of(request).agency_id, service_id=service_id)
    )


@services_router.delete(
    "/{service_id}", response={204: None}, summary="Een dienst niet langer aanbieden (ingediende aanvragen blijven)"
)
def requestable_service_withdraw(request: HttpRequest, service_id: ServiceId) -> Status[None]:
    services.requestable_service_withdraw(
        agency_id=principal_of(request).agency_id, service_id=service_id, actor=agency_request_actor(request)
    )
    return Status(204, None)


@requests_router.get("", response=RequestPageOut, summary="De aanvragen bij uw instantie, oudste eerst")
def service_requests_list(
    request: HttpRequest,
    after: Annotated[
        uuid.UUID | None, Query(description="Het 'next' van de vorige pagina (het id van de laatste aanvraag).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    page = selectors.service_requests_for_agency(
        agency_id=principal_of(request).agency_id,
        actor=agency_request_actor(request),
        after=str(after) if after else None,
        limit=limit,
    )
    return {"service_requests": [_request(r) for r in page.items], "next": page.next, "has_more": page.has_more}


@requests_router.get("/{request_id}", response=RequestOut, summary="Eén aanvraag")
def service_request_get(request: HttpRequest, request_id: RequestId) -> dict[str, Any]:
    return _request(
        selectors.service_request_for_agency(
            agency_id=principal_of(request).agency_id, request_id=request_id, actor=agency_request_actor(request)
        )
    )


@requests_router.post(
    "/{request_id}/dossier",
    response={200: RequestOut},
    summary="De aanvraag beantwoorden met uw DOSIS-dossiernummer (ze verschijnt dan in Mijn dossiers)",
    description="Hetzelfde nummer opnieuw geven verandert niets; een ander nummer: 409.",
)
def service_request_dossier(request: HttpRequest, request_id: RequestId, payload: DossierIn) -> Status[Any]:
    answered = services.service_request_dossier_set(
        agency_id=principal_of(request).agency_id,
        request_id=request_id,
        dossier_number=payload.dossier_number,
        actor=agency_request_actor(request),
    )
    return Status(200, _request(answered))
