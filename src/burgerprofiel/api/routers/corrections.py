"""Error reports over the API (component foutmeldingen): the agency reads the reports on its data,
moves them through their states and writes messages to the citizen.

Each handler parses, calls one service or selector of ``burgerprofiel.corrections`` and renders.
Another agency's report answers 404. New reports and citizens' messages also arrive as webhooks
(``foutmelding.ingediend``, ``foutmelding.bericht``) and in ``/api/v1/events``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ConfigDict

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.api.auth import AgencyAuth, agency_request_actor, principal_of
from burgerprofiel.api.schemas import REQUIRED_TEXT_PATTERN, TEXT_PATTERN, Strict
from burgerprofiel.corrections import selectors, services
from burgerprofiel.corrections.models import ErrorReport, ReportEntry, ReportStatus

router = Router(
    tags=["foutmeldingen"], auth=AgencyAuth(component=Component.FOUTMELDINGEN, categories=tuple(services.CATEGORIES))
)

ReportId = Annotated[uuid.UUID, Path(description="Het id van de foutmelding.")]


class SubjectOut(Schema):
    kind: Literal["gegeven", "dossier"] = Field(description="gegeven (uit Uw gegevens) of dossier")
    label: str = Field(description="Het gegeven of de naam van het dossier, zoals de burger het zag.")
    source_id: int | None = Field(default=None, description="De bron van Uw gegevens (bij kind=gegeven).")
    item_id: str | None = Field(default=None, description="items[].id uit het antwoord van de bron.")
    shown_value: str | None = Field(default=None, description="De waarde die de burger zag.")
    dossier_number: str | None = Field(default=None, description="Het dossiernummer (bij kind=dossier).")


class AttachmentOut(Schema):
    filename: str
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int = Field(description="Grootte in bytes.")


class ReportOut(Schema):
    """Ook de data van de webhook foutmelding.ingediend."""

    id: uuid.UUID
    status: ReportStatus
    reason: str = Field(description="De reden bij Afgewezen (of een toelichting bij een andere status).")
    insz: str
    subject: SubjectOut
    what_is_wrong: str
    should_be: str
    attachment: AttachmentOut | None = Field(description="Op te halen met GET .../attachment.")
    created_at: dt.datetime
    updated_at: dt.datetime


class EntryOut(Schema):
    id: uuid.UUID
    kind: Literal["status", "bericht"]
    author: Literal["burger", "instantie"]
    status: str = Field(description="De nieuwe status (bij kind=status).")
    text: str
    created_at: dt.datetime


class ReportDetailOut(ReportOut):
    history: list[EntryOut] = Field(description="Statuswijzigingen en berichten, oudste eerst.")


class ReportPageOut(Schema):
    error_reports: list[ReportOut]
    next: str = Field(description="Geef dit mee als 'after' voor de volgende pagina.")
    has_more: bool


class StrictTypes(Strict):
    """No coercion: the body's types are the document's."""

    model_config = ConfigDict(extra="forbid", strict=True)


class StatusIn(StrictTypes):
    # A refusal needs a reason the citizen can read (the service refuses an empty one: 422); the document
    # says so in JSON Schema, so that a body that follows it is accepted.
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "if": {"properties": {"status": {"const": "afgewezen"}}, "required": ["status"]},
            "then": {"properties": {"reason": {"pattern": REQUIRED_TEXT_PATTERN}}, "required": ["reason"]},
        },
    )

    status: Literal["in_behandeling", "gecorrigeerd", "afgewezen", "doorgestuurd"] = Field(
        description=(
            "Ingediend → in_behandeling → gecorrigeerd | afgewezen | doorgestuurd (ook rechtstreeks vanuit "
            "ingediend). Gecorrigeerd, afgewezen en doorgestuurd zijn eindstatussen (daarna 409)."
        )
    )
    reason: str = Field(
        default="",
        max_length=services.TEXT_MAX,
        pattern=TEXT_PATTERN,
        description=(
            "Verplicht bij afgewezen (dan niet leeg of blanco); de burger leest het. Geen stuurtekens behalve "
            "tab en regeleinde."
        ),
    )


class MessageIn(StrictTypes):
    text: str = Field(
        min_length=1,
        max_length=services.TEXT_MAX,
        pattern=REQUIRED_TEXT_PATTERN,
        description="Platte tekst voor de burger: niet blanco, geen stuurtekens behalve tab en regeleinde.",
    )


def _report(report: ErrorReport) -> dict[str, Any]:
    return services.report_out(report)


def _entry(entry: ReportEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "author": entry.author,
        "status": entry.status,
        "text": entry.text,
        "created_at": entry.created_at,
    }


def _detail(report: ErrorReport) -> dict[str, Any]:
    return {**_report(report), "history": [_entry(e) for e in selectors.error_report_entries(report=report)]}


@router.get("", response=ReportPageOut, summary="De foutmeldingen over uw gegevens, oudste eerst")
def error_reports_list(
    request: HttpRequest,
    status: ReportStatus | None = None,
    after: Annotated[
        uuid.UUID | None, Query(description="Het 'next' van de vorige pagina (het id van de laatste melding).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    page = selectors.error_reports_for_agency(
        agency_id=principal_of(request).agency_id,
        actor=agency_request_actor(request),
        status=status,
        after=str(after) if after else None,
        limit=limit,
    )
    return {"error_reports": [_report(r) for r in page.items], "next": page.next, "has_more": page.has_more}


@router.get("/{report_id}", response=ReportDetailOut, summary="Eén foutmelding, met statusverloop en berichten")
def error_report_get(request: HttpRequest, report_id: ReportId) -> dict[str, Any]:
    report = selectors.error_report_for_agency(
        agency_id=principal_of(request).agency_id, report_id=report_id, actor=agency_request_actor(request)
    )
    return _detail(report)


@router.get(
    "/{report_id}/attachment",
    response={200: None},
    summary="De bijlage van een foutmelding (PDF, JPEG of PNG)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "De bijlage, zoals de burger ze opstuurde.",
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}}
                    for t in ("application/pdf", "image/jpeg", "image/png")
                },
            }
        }
    },
)
def error_report_attachment(request: HttpRequest, report_id: ReportId) -> HttpResponse:
    attachment, content = selectors.error_report_attachment_for_agency(
        agency_id=principal_of(request).agency_id, report_id=report_id, actor=agency_request_actor(request)
    )
    response = HttpResponse(content, content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{attachment.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/{report_id}/status",
    response={200: ReportDetailOut},
    summary="De status van een foutmelding wijzigen (de burger krijgt een melding)",
)
def error_report_status(request: HttpRequest, report_id: ReportId, payload: StatusIn) -> Status[Any]:
    report = services.error_report_status_set(
        agency_id=principal_of(request).agency_id,
        report_id=report_id,
        status=payload.status,
        reason=payload.reason,
        actor=agency_request_actor(request),
    )
    return Status(200, _detail(report))


@router.post(
    "/{report_id}/messages",
    response={201: EntryOut},
    summary="Een bericht aan de burger bij een foutmelding (de burger krijgt een melding)",
)
def error_report_message(request: HttpRequest, report_id: ReportId, payload: MessageIn) -> Status[Any]:
    entry = services.error_report_message_from_agency(
        agency_id=principal_of(request).agency_id,
        report_id=report_id,
        text=payload.text,
        actor=agency_request_actor(request),
    )
    return Status(201, _entry(entry))
