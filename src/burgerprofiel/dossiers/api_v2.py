"""The DOSIS v2 upload at /api/v2/dosis: wire-compatible with the connectors agencies already run.

Validation errors answer in DOSIS's own format (400 ``{code, message, description, errors[]}``);
every other error is problem+json through the agency API's own handlers, reused here.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from burgerprofiel.api import api as v1
from burgerprofiel.api.auth import AgencyAuth
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.dossiers import selectors, services
from burgerprofiel.dossiers.api import caller_of
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


class DosisV2Api(v1.BurgerprofielApi):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """As the agency API's, except that validation errors are DOSIS's 400 format (never 422)."""
        schema = super().get_openapi_schema(*args, **kwargs)
        schema["components"]["schemas"]["DosisError"] = DOSIS_ERROR_SCHEMA
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation["responses"]
                responses.pop("422", None)
                if "400" in responses:
                    responses["400"]["description"] = "Ongeldige upload (DOSIS-formaat); er werd niets opgeslagen"
                    responses["400"]["content"] = {
                        "application/json": {"schema": {"$ref": "#/components/schemas/DosisError"}}
                    }
        return schema


dosis_v2_api = DosisV2Api(
    title="DOSIS v2 upload",
    version="2.0.0",
    description=(
        "DOSIS-upload zoals bestaande DOSIS-connectoren hem sturen. Authenticatie: OAuth2 client credentials "
        "met private_key_jwt op /oauth/token. Verwerking gebeurt asynchroon; resultaten op /api/v1/dosis/resultaten."
    ),
    urls_namespace="api-v2",
    auth=AgencyAuth(component="dosis"),
)


def _dosis_400(error: services.DosisValidationError) -> HttpResponseBase:
    # A streaming response on purpose: the API guard turns every other non-problem error under /api/
    # into problem+json, and this one must keep DOSIS's format (wire compatibility).
    body = json.dumps(error.as_dosis(), ensure_ascii=False).encode()
    return StreamingHttpResponse(iter([body]), status=400, content_type="application/json")


@dosis_v2_api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponseBase:
    # ninja's locations start with ("body", "payload"); DOSIS names fields from the payload's root.
    body = [e for e in exc.errors if list(e.get("loc", ()))[:1] == ["body"]]
    others = [e for e in exc.errors if e not in body]
    errors = services.dosis_errors(body, strip=2) + services.dosis_errors(others, strip=1)
    return _dosis_400(services.DosisValidationError(errors))


@dosis_v2_api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponseBase:
    if isinstance(exc, services.DosisValidationError):
        return _dosis_400(exc)
    return v1._application_error(request, exc)


dosis_v2_api.exception_handler(AuthenticationError)(v1._authentication_error)


@dosis_v2_api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponseBase:
    if exc.status_code == 400:  # a body that is no JSON at all: still DOSIS's format
        error = {"code": "json_invalid", "message": "Geen geldige JSON.", "description": "", "field": None}
        return _dosis_400(services.DosisValidationError([error], detail="De body is geen geldige JSON."))
    return v1._http_error(request, exc)


dosis_v2_api.exception_handler(Http404)(v1._not_found)
dosis_v2_api.exception_handler(Exception)(v1._unexpected)


@dosis_v2_api.post(
    "/dosis/dossiers", response=UploadAcceptedOut, summary="Een dossierstatus opladen (asynchroon)", tags=["dosis"]
)
def upload(request: HttpRequest, payload: DossierUploadIn) -> dict[str, Any]:
    return {"Status": "OK", "UploadId": services.dossier_upload_accept(caller=caller_of(request), upload=payload)}


@dosis_v2_api.post(
    "/dosis/dossiers/bulk",
    response=BulkAcceptedOut,
    summary="Veel dossierstatussen in één aanvraag (NDJSON, één upload per lijn)",
    description="Inhoudstype application/x-ndjson; tot 10.000 lijnen; per lijn een resultaat.",
    tags=["dosis"],
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
    lines = services.ndjson_lines(request, max_bytes=max_bytes, max_lines=settings.DOSIS_BULK_MAX_LINES)
    result = services.dossier_uploads_accept_bulk(caller=caller_of(request), lines=lines)
    return {
        "Status": "OK" if not result.refused else ("GEDEELTELIJK" if result.accepted else "FOUT"),
        "Aanvaard": result.accepted,
        "Geweigerd": result.refused,
        "Resultaten": result.lines,
    }


@dosis_v2_api.get(
    "/dosis/bronnen/uris", response=list[str], summary="De DOSIS-bronnen van uw instantie", tags=["dosis"]
)
def sources(request: HttpRequest) -> list[str]:
    caller = caller_of(request)
    found = selectors.dosis_sources_for_agency(agency_id=caller.agency_id)
    audit_record(actor=caller.actor, action="dosis_source.listed", detail={"count": len(found)})
    return [s.uri for s in found]
