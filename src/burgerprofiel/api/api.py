"""The agency API: one NinjaAPI, problem+json for every error, the order check on every operation."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from burgerprofiel.agencies.catalogue import CATEGORIES, Component
from burgerprofiel.agencies.order_check import order_check
from burgerprofiel.agencies.selectors import agency_get
from burgerprofiel.agencies.services import contact_person_add
from burgerprofiel.api import selectors
from burgerprofiel.api.auth import AgencyAuth, agency_request_actor, principal_of
from burgerprofiel.api.middleware import IDEMPOTENCY_KEY_MAX_LENGTH
from burgerprofiel.api.parser import StorableJsonParser, UnstorableText
from burgerprofiel.api.schemas import (
    AuditEventOut,
    ConsistencyProofOut,
    ContactPersonIn,
    ContactPersonOut,
    InclusionProofOut,
    MeOut,
    OrderCheckOut,
    TreeHeadOut,
)
from burgerprofiel.audit import services as audit
from burgerprofiel.common.errors import ApplicationError, ValidationError
from burgerprofiel.common.problem import PROBLEM_CONTENT_TYPE, problem_from_error, problem_response

log = logging.getLogger(__name__)

# Identifiers are 64-bit in the database: the schema says so, and a larger number is refused as input (422).
ID_MAX = 2**63 - 1

# Problems any operation can answer, and those only a write can (body guards, idempotency).
ERROR_STATUSES = {
    "400": "Onleesbare aanvraag",
    "401": "Niet geauthenticeerd",
    "403": "Niet toegelaten door de verwerkingsopdracht",
    "404": "Niet gevonden",
    "422": "Ongeldige gegevens",
    "429": "Te veel aanvragen",
}
WRITE_ERROR_STATUSES = {
    "409": "Een aanvraag met dezelfde Idempotency-Key is nog bezig",
    "413": "Aanvraag te groot",
    "415": "Niet ondersteund inhoudstype",
}
WRITE_METHODS = ("post", "put", "patch")
PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "additionalProperties": True,
}
REQUEST_ID_HEADER = {
    "description": "Het id van deze aanvraag: dat van de oproeper als het welgevormd is, anders een nieuw.",
    "required": True,
    "schema": {"type": "string"},
}
RETRY_AFTER_HEADER = {
    "description": "Aantal seconden waarna een nieuwe poging zin heeft.",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}
WWW_AUTHENTICATE_HEADER = {
    "description": "Het authenticatieschema: Bearer.",
    "required": True,
    "schema": {"type": "string"},
}
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": (
        "Maakt een POST veilig herhaalbaar: binnen 24 uur geeft dezelfde sleutel met dezelfde body het eerste "
        "antwoord terug (met Idempotent-Replayed: true) zonder iets opnieuw te doen; met een andere body: 422."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH, "pattern": "^[ -~]+$"},
}
IDEMPOTENT_REPLAYED_HEADER = {
    "description": "true als dit antwoord een herhaling is van een eerder antwoord op dezelfde Idempotency-Key.",
    "required": False,
    "schema": {"type": "string", "enum": ["true"]},
}
HEADERS = {
    "X-Request-ID": REQUEST_ID_HEADER,
    "Retry-After": RETRY_AFTER_HEADER,
    "WWW-Authenticate": WWW_AUTHENTICATE_HEADER,
    "Idempotent-Replayed": IDEMPOTENT_REPLAYED_HEADER,
}
HEADERS_BY_STATUS = {"401": ["WWW-Authenticate"], "409": ["Retry-After"], "429": ["Retry-After"]}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


class BurgerprofielApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Declare what the guards around every operation add: problem+json errors (RFC 9457), the
        request id, Retry-After, and Idempotency-Key on POST."""
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        components.setdefault("headers", {}).update(HEADERS)
        for path_item in schema.get("paths", {}).values():
            for method, operation in path_item.items():
                # ninja keys its own responses by int; JSON keys are strings, and a status must appear once.
                responses = operation["responses"] = {str(k): v for k, v in operation.get("responses", {}).items()}
                statuses = dict(ERROR_STATUSES)
                if method in WRITE_METHODS:
                    statuses.update(WRITE_ERROR_STATUSES)
                for status, description in statuses.items():
                    responses[status] = _problem_response(description)
                for status, response in responses.items():
                    names = ["X-Request-ID", *HEADERS_BY_STATUS.get(status, [])]
                    if method == "post" and status.startswith("2"):
                        names.append("Idempotent-Replayed")
                    response.setdefault("headers", {}).update(
                        {name: {"$ref": f"#/components/headers/{name}"} for name in names}
                    )
                if method == "post":
                    parameters = operation.setdefault("parameters", [])
                    if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                        parameters.append(IDEMPOTENCY_KEY_PARAMETER)
        return schema


api = BurgerprofielApi(
    title="Burgerprofiel agency API",
    version="1.0.0",
    description=(
        "API voor opdrachtgevende instanties. Authenticatie: OAuth2 client credentials op /oauth/token "
        "(client_secret_basic of private_key_jwt). Elke oproep wordt getoetst aan de actieve verwerkingsopdracht. "
        "Fouten zijn application/problem+json (RFC 9457). Elke POST aanvaardt een Idempotency-Key."
    ),
    urls_namespace="api-v1",
    parser=StorableJsonParser(),
    auth=AgencyAuth(),
)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="burgerprofiel"'} if exc.status == 401 else None
    return problem_from_error(exc, headers=headers)


def _error_field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """The field as the caller wrote it: ``("body", "payload", "role")`` is ``role``, ``("query", "limit")`` is
    ``limit``. Body parameters are named ``payload`` by convention, a name the caller never sees."""
    parts = [str(p) for p in loc]
    parts = parts[2:] if parts[:2] == ["body", "payload"] else parts[1:]
    return ".".join(parts) or None


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    # The message and the type only: pydantic's ``input`` would echo personal data back into logs and proxies.
    errors = [
        {
            "in": str(e.get("loc", ("body",))[0]),
            "field": _error_field(e.get("loc", ())),
            "message": e.get("msg"),
            "code": e.get("type"),
        }
        for e in exc.errors
    ]
    return problem_response(
        status=422,
        code="validation-error",
        title="Ongeldige gegevens",
        detail="De aanvraag bevat ongeldige velden.",
        errors=errors,
    )


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        status=401,
        code="authentication-failed",
        title="Authenticatie mislukt",
        detail="Geen geldig toegangstoken.",
        headers={"WWW-Authenticate": 'Bearer realm="burgerprofiel"'},
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and isinstance(exc.__cause__, UnstorableText):
        return problem_response(
            status=400,
            code="unstorable-text",
            title="Onleesbare aanvraag",
            detail="De body bevat een NUL-teken of een losse surrogaat; zulke tekst kan niet bewaard worden.",
        )
    if exc.status_code == 400:
        return problem_response(
            status=400,
            code="malformed-request",
            title="Onleesbare aanvraag",
            detail="De body is geen geldige JSON.",
        )
    return problem_response(status=exc.status_code, code=f"http-{exc.status_code}", title="Fout", detail=str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(status=404, code="not-found", title="Niet gevonden", detail="Deze bron bestaat niet.")


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unexpected error in the agency API")
    return problem_response(
        status=500,
        code="internal-error",
        title="Interne fout",
        detail="Er liep iets mis; probeer later opnieuw.",
    )


@api.get("/me", response=MeOut, summary="De oproepende instantie en haar verwerkingsopdracht", tags=["instantie"])
def me(request: HttpRequest) -> dict[str, Any]:
    principal = principal_of(request)
    version = request.order_version  # type: ignore[attr-defined]
    agency = agency_get(agency_id=principal.agency_id)
    audit.audit_record(
        actor=agency_request_actor(request),
        action="agency.me_read",
        object_type="agencies.Agency",
        object_id=str(agency.pk),
    )
    return {
        "agency_id": agency.pk,
        "agency_name": agency.name,
        "kbo": agency.kbo,
        "client_id": principal.client.client_id,
        "scopes": list(version.components),
        "processing_order": {
            "processing_order_id": version.order_id,
            "version": version.number,
            "state": version.state,
            "valid_from": version.valid_from,
            "valid_until": version.valid_until,
            "components": [
                {
                    "component": c,
                    "label": Component(c).label,
                    "data_categories": version.categories_for(c),
                    "retention_days": version.retention_for(c),
                }
                for c in version.components
            ],
        },
    }


@api.get(
    "/me/order-check",
    response=OrderCheckOut,
    summary="Toets vooraf of de verwerkingsopdracht een component en gegevenscategorieën toelaat",
    tags=["instantie"],
)
def me_order_check(
    request: HttpRequest,
    component: Component,
    category: list[str] = Query([]),  # noqa: B008
) -> dict[str, Any]:
    categories = category or []
    unknown = [c for c in categories if c not in CATEGORIES[component]]
    if unknown:
        raise ValidationError(
            f"Onbekende gegevenscategorieën voor {component}: {', '.join(unknown)}.",
            extra={"unknown": unknown},
        )
    principal = principal_of(request)
    version = order_check(
        actor=agency_request_actor(request), agency_id=principal.agency_id, component=component, categories=categories
    )
    return {
        "allowed": True,
        "component": component,
        "data_categories": categories,
        "order_version": version.number,
    }


@api.get(
    "/contact-persons",
    response=list[ContactPersonOut],
    summary="Gemachtigde contactpersonen",
    tags=["instantie"],
)
def contact_persons_list(request: HttpRequest) -> list[Any]:
    principal = principal_of(request)
    people = selectors.contact_persons_for_agency(agency_id=principal.agency_id)
    audit.audit_record(
        actor=agency_request_actor(request),
        action="contact_person.listed",
        object_type="agencies.ContactPerson",
        detail={"count": len(people)},
    )
    return people


@api.post(
    "/contact-persons",
    response={201: ContactPersonOut},
    summary="Een gemachtigde contactpersoon registreren (charter 3.3)",
    tags=["instantie"],
)
def contact_persons_create(request: HttpRequest, payload: ContactPersonIn) -> Status[Any]:
    principal = principal_of(request)
    person = contact_person_add(
        agency=agency_get(agency_id=principal.agency_id),
        name=payload.name,
        email=str(payload.email),
        role=payload.role,
        phone=payload.phone,
        actor=agency_request_actor(request),
    )
    return Status(201, person)


@api.get(
    "/audit/events",
    response=list[AuditEventOut],
    summary="Auditgebeurtenissen van uw instantie",
    tags=["audit"],
)
def audit_events(
    request: HttpRequest,
    after_id: Annotated[int, Query(ge=0, le=ID_MAX, description="Alleen gebeurtenissen na dit id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    return selectors.audit_events_for_agency(agency_id=principal_of(request).agency_id, after_id=after_id, limit=limit)


@api.get(
    "/audit/tree-heads/latest",
    response=TreeHeadOut,
    summary="De laatste ondertekende boomkop",
    tags=["audit"],
)
def audit_tree_head_latest(request: HttpRequest) -> dict[str, Any]:
    head = audit.tree_head_get()
    return {
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "signed_at": head.signed_at,
        "signed_tree_head": head.signature,
        "key_id": head.key_id,
    }


@api.get(
    "/audit/events/{event_id}/inclusion-proof",
    response=InclusionProofOut,
    summary="Bewijs dat een gebeurtenis in het auditlog staat (RFC 9162)",
    tags=["audit"],
)
def audit_inclusion_proof(
    request: HttpRequest,
    event_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    tree_size: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
) -> dict[str, Any]:
    return audit.inclusion_proof_for_agency(
        agency_id=principal_of(request).agency_id, event_id=event_id, tree_size=tree_size
    )


@api.get(
    "/audit/consistency-proof",
    response=ConsistencyProofOut,
    summary="Bewijs dat een latere boomkop de eerdere uitbreidt (RFC 9162)",
    tags=["audit"],
)
def audit_consistency_proof(
    request: HttpRequest,
    first: Annotated[int, Query(ge=1, le=ID_MAX)],
    second: Annotated[int, Query(ge=1, le=ID_MAX)],
) -> dict[str, Any]:
    return audit.consistency_proof_between(first=first, second=second)


from burgerprofiel.dossiers.api import router as dosis_router  # noqa: E402

api.add_router("/dosis", dosis_router)

from burgerprofiel.notifications.api import router as notifications_router  # noqa: E402
from burgerprofiel.preferences.api import router as preferences_router  # noqa: E402

api.add_router("/notifications", notifications_router)
api.add_router("/preferences", preferences_router)

from burgerprofiel.api.routers.webhooks import events_router  # noqa: E402
from burgerprofiel.api.routers.webhooks import router as webhooks_router  # noqa: E402

api.add_router("/webhooks", webhooks_router)
api.add_router("/events", events_router)
