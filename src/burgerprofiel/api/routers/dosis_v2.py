"""The DOSIS v2 upload at /api/v2/dosis: wire-compatible with the connectors agencies already run.

Validation errors answer in DOSIS's own format (400 ``{code, message, description, errors[]}``);
every other error is problem+json through the agency API's own handlers, reused here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from ninja import NinjaAPI, Router
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from burgerprofiel.api import errors as v1
from burgerprofiel.api.auth import AgencyAuth, SnapshotStale, agency_request_actor, order_guard_of, principal_of
from burgerprofiel.api.openapi import BurgerprofielApi
from burgerprofiel.api.routers.dosis import caller_of
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.common.queries import StatementGuard
from burgerprofiel.common.text import may_hold_unstorable
from burgerprofiel.compliance.subject_rights.services import (
    agency_has_restrictions,
    restriction_check,
    restriction_guard,
)
from burgerprofiel.dossiers import services
from burgerprofiel.dossiers.schemas import BulkAcceptedOut, DossierUploadIn, UploadAcceptedOut

DOSIS_ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "description", "errors"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "description": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "description": {"type": "string"},
                    "field": {"type": ["string", "null"]},
                },
            },
        },
    },
}


class DosisV2Api(BurgerprofielApi):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """As the agency API's, except that validation errors are DOSIS's 400 format (never 422)."""
        schema = super().get_openapi_schema(*args, **kwargs)
        schema["components"]["schemas"]["DosisError"] = DOSIS_ERROR_SCHEMA
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation["responses"]
                responses.pop("422", None)
                if "400" in responses:
                    # Validation errors keep DOSIS's format; what the guards refuse before the upload is read
                    # (a malformed Idempotency-Key, a NUL in the query) is problem+json, as everywhere.
                    responses["400"]["description"] = (
                        "Ongeldige upload (DOSIS-formaat, application/json); er werd niets opgeslagen. Een aanvraag "
                        "die de API al weigert voor de upload gelezen wordt: application/problem+json."
                    )
                    responses["400"]["content"] = {
                        "application/json": {"schema": {"$ref": "#/components/schemas/DosisError"}},
                        **responses["400"]["content"],
                    }
        return schema


router = Router(tags=["dosis"])


def _dosis_400(error: services.DosisValidationError) -> HttpResponseBase:
    # A streaming response on purpose: the API guard turns every other non-problem error under /api/
    # into problem+json, and this one must keep DOSIS's format (wire compatibility).
    body = json.dumps(error.as_dosis(), ensure_ascii=False).encode()
    return StreamingHttpResponse(iter([body]), status=400, content_type="application/json")


def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponseBase:
    # ninja's locations start with ("body", "payload"); DOSIS names fields from the payload's root.
    body = [e for e in exc.errors if list(e.get("loc", ()))[:1] == ["body"]]
    others = [e for e in exc.errors if e not in body]
    errors = services.dosis_errors(body, strip=2) + services.dosis_errors(others, strip=1)
    return _dosis_400(services.DosisValidationError(errors))


def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponseBase:
    if isinstance(exc, services.DosisValidationError):
        return _dosis_400(exc)
    return v1.application_error(request, exc)


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponseBase:
    if exc.status_code == 400:  # a body that is no JSON at all: still DOSIS's format
        error = {"code": "json_invalid", "message": "Geen geldige JSON.", "description": "", "field": None}
        return _dosis_400(services.DosisValidationError([error], detail="De body is geen geldige JSON."))
    return v1.http_error(request, exc)


def errors_install(api: NinjaAPI) -> None:
    """The agency API's handlers, with validation errors in DOSIS's own 400 format (never 422)."""
    v1.errors_install(api)
    api.exception_handler(NinjaValidationError)(_validation_error)
    api.exception_handler(ApplicationError)(_application_error)
    api.exception_handler(HttpError)(_http_error)


def _agents_of(line: bytes) -> list[str]:
    """The agents' identifications a bulk line names (an unreadable line is the bulk's to refuse)."""
    try:
        upload = json.loads(line)
        agents = upload.get("Agenten") if isinstance(upload, dict) else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return []
    if not isinstance(agents, list):
        return []
    return [str(a["Identificatie"]) for a in agents if isinstance(a, dict) and isinstance(a.get("Identificatie"), str)]


@router.post(
    "/dossiers",
    response=UploadAcceptedOut,
    summary="Een dossierstatus opladen (asynchroon)",
    auth=AgencyAuth(component="dosis", confirmed_in_write=True),
)
def upload(request: HttpRequest, payload: DossierUploadIn) -> HttpResponse:
    # A NUL in a field the upload keeps reaches no database (PostgreSQL refuses it with an error, a 500).
    # Only JSON text with a NUL byte or an escape that could be one needs the walk over every field.
    if may_hold_unstorable(request.body):
        services.dosis_upload_storable(payload)
    # One statement checks and writes: the client and its order as this process last read them are
    # still current (else they are read, the order checked, and the upload starts again), no citizen
    # named restricted the agency (403 subject-restricted, audited), the Bron is the agency's; then
    # the queue row and its audit event. Nothing is stored when any check fails.
    while True:
        guard = StatementGuard.all(
            order_guard_of(request),
            restriction_guard(
                agency_id=principal_of(request).agency_id,
                insz_values=[[agent.Identificatie for agent in payload.Agenten]],
                actor=agency_request_actor(request),
                what="een nieuwe DOSIS-upload",
            ),
        )
        try:
            upload_id = services.dossier_upload_accept(caller=caller_of(request), upload=payload, guard=guard)
        except SnapshotStale:
            continue  # read afresh (order_guard_of is now None): at most once more
        return accepted_answer(upload_id)


def accepted_answer(upload_id: str) -> HttpResponse:
    """The 200 of a single upload (``UploadAcceptedOut``), written as django-ninja's renderer writes it
    (same bytes, same Content-Type) without validating a dict the view built itself against the
    schema on every call: the hottest answer of the API."""
    return HttpResponse(
        json.dumps({"Status": "OK", "UploadId": upload_id}), content_type="application/json; charset=utf-8"
    )


@router.post(
    "/dossiers/bulk",
    response=BulkAcceptedOut,
    summary="Veel dossierstatussen in één aanvraag (NDJSON, één upload per lijn)",
    description=(
        "Inhoudstype application/x-ndjson: per lijn één upload zoals de body van POST /api/v2/dosis/dossiers; "
        "tot 10.000 lijnen. Elke lijn krijgt haar eigen resultaat (Resultaten): een ongeldige lijn weigert "
        "alleen zichzelf."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-ndjson": {
                    "schema": {
                        "type": "string",
                        "contentMediaType": "application/x-ndjson",
                        "description": "Eén DOSIS-upload (JSON) per lijn.",
                    }
                }
            },
        }
    },
)
def upload_bulk(request: HttpRequest) -> dict[str, Any]:
    content_type = (request.content_type or "").lower()
    if content_type != "application/x-ndjson":
        raise services.DosisValidationError(
            [{"code": "content_type", "message": "Stuur application/x-ndjson.", "description": "", "field": None}],
            detail="De bulkupload verwacht NDJSON.",
        )
    max_bytes = settings.DOSIS_BULK_MAX_BODY_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_bytes:
        raise services.BulkTooLarge(f"De body is {length} bytes; het maximum is {max_bytes}.")
    lines: Iterable[bytes] = services.ndjson_lines(
        request, max_bytes=max_bytes, max_lines=settings.DOSIS_BULK_MAX_LINES
    )
    if agency_has_restrictions(agency_id=principal_of(request).agency_id):
        # Only then is the body held whole: every line's agents are checked before any is accepted.
        lines = list(lines)
        restriction_check(
            agency_id=principal_of(request).agency_id,
            insz_values=[_agents_of(line) for line in lines],
            actor=agency_request_actor(request),
            what="een nieuwe DOSIS-upload",
        )
    result = services.dossier_uploads_accept_bulk(caller=caller_of(request), lines=lines)
    return {
        "Status": "OK" if not result.refused else ("GEDEELTELIJK" if result.accepted else "FOUT"),
        "Aanvaard": result.accepted,
        "Geweigerd": result.refused,
        "Resultaten": result.lines,
    }


@router.get("/bronnen/uris", response=list[str], summary="De DOSIS-bronnen van uw instantie")
def sources(request: HttpRequest) -> list[str]:
    found = services.dosis_sources_read(caller=caller_of(request))
    return [s.uri for s in found]
