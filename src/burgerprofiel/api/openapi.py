"""The agency API's OpenAPI document: what the guards around every operation add to it.

Every operation may answer problem+json errors (RFC 9457), carries the request id, and (POST)
takes an Idempotency-Key; ninja cannot see those guards, so ``BurgerprofielApi`` declares them.
Operation ids are part of the published contract (generated clients name their methods after
them), so they do not follow the module a handler happens to live in.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.operation import Operation

from burgerprofiel.api.auth import AgencyAuth
from burgerprofiel.api.idempotency import IDEMPOTENCY_KEY_MAX_LENGTH
from burgerprofiel.api.middleware import READ_ONLY_POSTS
from burgerprofiel.citizens.insz import INSZ_PATTERN, INSZ_SCHEMA
from burgerprofiel.common.problem import PROBLEM_CONTENT_TYPE

# Problems any operation can answer, and those only a write can (body guards, idempotency).
ERROR_STATUSES = {
    "400": "Onleesbare aanvraag",
    "401": "Niet geauthenticeerd",
    "403": "Niet toegelaten door de verwerkingsopdracht",
    "404": "Niet gevonden",
    "414": "Adres te lang (pad en querystring; de webserver weigert het voor de toepassing het ziet)",
    "422": "Ongeldige gegevens",
    "429": "Te veel aanvragen",
    "431": "Te veel of te grote headers (de webserver weigert ze voor de toepassing ze ziet)",
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


# No text the platform takes in may hold a NUL character: the guards refuse it (400 unstorable-text)
# before any operation runs, as PostgreSQL cannot store it. Declared on every input string that has
# no pattern of its own (those that have one exclude it already).
NO_NUL_PATTERN = "^[^\\u0000]*$"


def _input_strings_declared(schema: dict[str, Any]) -> None:
    """Declare on every input string (parameters, request bodies and the schemas they use) what the
    guards enforce around it: no NUL, and an INSZ's format."""
    components = schema.get("components", {}).get("schemas", {})
    seen: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
            return
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in seen and name in components:
                seen.add(name)
                visit(components[name])
        if node.get("type") == "string" and "enum" not in node and "const" not in node:
            if node.get("pattern") == INSZ_PATTERN:
                node.setdefault("format", INSZ_SCHEMA["format"])
            elif "pattern" not in node and "format" not in node and "contentMediaType" not in node:
                node["pattern"] = NO_NUL_PATTERN
        for key, value in node.items():
            if key not in ("enum", "const", "default", "examples", "example"):
                visit(value)

    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                visit(parameter.get("schema"))
            visit(operation.get("requestBody", {}).get("content"))


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


# The operation ids the routers' modules had when the capability apps held them (see the module's note).
OPERATION_ID_PREFIXES = {
    "burgerprofiel.api.routers.agency": "burgerprofiel_api_api",
    "burgerprofiel.api.routers.audit": "burgerprofiel_api_api",
    "burgerprofiel.api.routers.dosis": "burgerprofiel_dossiers_api",
    "burgerprofiel.api.routers.dosis_v2": "burgerprofiel_dossiers_api_v2",
    "burgerprofiel.api.routers.notifications": "burgerprofiel_notifications_api",
    "burgerprofiel.api.routers.preferences": "burgerprofiel_preferences_api",
}


def component_of(operation: Operation) -> str | None:
    """The component an operation's order check asks for (None: any active order will do)."""
    for auth in operation.auth_callbacks or []:
        if isinstance(auth, AgencyAuth):
            return str(auth.component) if auth.component else None
    return None


class BurgerprofielApi(NinjaAPI):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._components_by_operation_id: dict[str, str | None] = {}

    def get_openapi_operation_id(self, operation: Operation) -> str:
        prefix = OPERATION_ID_PREFIXES.get(operation.view_func.__module__)
        operation_id = (
            super().get_openapi_operation_id(operation)
            if prefix is None
            else f"{prefix}_{operation.view_func.__name__}"
        )
        # Seen here, as ninja builds each operation's part of the document; ``get_openapi_schema`` writes it in.
        self._components_by_operation_id[operation_id] = component_of(operation)
        return operation_id

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Declare what the guards around every operation add: problem+json errors (RFC 9457), the
        request id, Retry-After, and Idempotency-Key on POST."""
        self._components_by_operation_id = {}
        schema = super().get_openapi_schema(*args, **kwargs)
        _input_strings_declared(schema)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        components.setdefault("headers", {}).update(HEADERS)
        for path, path_item in schema.get("paths", {}).items():
            for method, operation in path_item.items():
                # A POST that only reads ignores an Idempotency-Key (nothing to repeat safely, no answer kept).
                idempotent_post = method == "post" and path.rstrip("/") not in READ_ONLY_POSTS
                # ninja keys its own responses by int; JSON keys are strings, and a status must appear once.
                responses = operation["responses"] = {str(k): v for k, v in operation.get("responses", {}).items()}
                statuses = dict(ERROR_STATUSES)
                if method in WRITE_METHODS:
                    statuses.update(WRITE_ERROR_STATUSES)
                for status, description in statuses.items():
                    responses[status] = _problem_response(description)
                for status, response in responses.items():
                    names = ["X-Request-ID", *HEADERS_BY_STATUS.get(status, [])]
                    if idempotent_post and status.startswith("2"):
                        names.append("Idempotent-Replayed")
                    response.setdefault("headers", {}).update(
                        {name: {"$ref": f"#/components/headers/{name}"} for name in names}
                    )
                component = self._components_by_operation_id.get(operation.get("operationId", ""))
                if component:
                    # Which component of the processing order the operation needs (without it: 403).
                    operation["x-component"] = component
                if idempotent_post:
                    parameters = operation.setdefault("parameters", [])
                    if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                        parameters.append(IDEMPOTENCY_KEY_PARAMETER)
        return schema
