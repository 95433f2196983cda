"""How the agency APIs answer errors: problem+json (RFC 9457) for every one of them.

``errors_install`` registers these handlers on a NinjaAPI; the DOSIS v2 API replaces the
validation handlers with DOSIS's own format and keeps the rest.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.common.problem import problem_from_error, problem_response
from burgerprofiel.common.text import UnstorableText

log = logging.getLogger(__name__)


def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="burgerprofiel"'} if exc.status == 401 else None
    if challenge := getattr(exc, "www_authenticate", None):  # RFC 6750 §3: insufficient_scope
        headers = {"WWW-Authenticate": challenge}
    return problem_from_error(exc, headers=headers)


def _error_field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """The field as the caller wrote it: ``("body", "payload", "role")`` is ``role``, ``("query", "limit")`` is
    ``limit``. Body parameters are named ``payload`` by convention, a name the caller never sees."""
    parts = [str(p) for p in loc]
    parts = parts[2:] if parts[:2] == ["body", "payload"] else parts[1:]
    return ".".join(parts) or None


def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
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


def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        status=401,
        code="authentication-failed",
        title="Authenticatie mislukt",
        detail="Geen geldig toegangstoken.",
        headers={"WWW-Authenticate": 'Bearer realm="burgerprofiel"'},
    )


def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
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


def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(status=404, code="not-found", title="Niet gevonden", detail="Deze bron bestaat niet.")


def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unexpected error in the agency API")
    return problem_response(
        status=500,
        code="internal-error",
        title="Interne fout",
        detail="Er liep iets mis; probeer later opnieuw.",
    )


def errors_install(api: NinjaAPI) -> None:
    api.exception_handler(ApplicationError)(application_error)
    api.exception_handler(NinjaValidationError)(validation_error)
    api.exception_handler(AuthenticationError)(authentication_error)
    api.exception_handler(HttpError)(http_error)
    api.exception_handler(Http404)(not_found)
    api.exception_handler(Exception)(unexpected)
