"""Domain errors. Services raise these; the API layer maps them to RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://burgerprofiel.example/problems/"


class ApplicationError(Exception):
    """An error the caller can act on. ``code`` is stable and becomes the problem ``type``."""

    code = "application-error"
    status = 400
    title = "De aanvraag kon niet verwerkt worden"

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}

    @property
    def type_uri(self) -> str:
        return PROBLEM_BASE + self.code


class ValidationError(ApplicationError):
    code = "validation-error"
    status = 422
    title = "Ongeldige gegevens"


class NotFound(ApplicationError):
    code = "not-found"
    status = 404
    title = "Niet gevonden"


class Conflict(ApplicationError):
    code = "conflict"
    status = 409
    title = "Conflict"


class AuthenticationFailed(ApplicationError):
    code = "authentication-failed"
    status = 401
    title = "Authenticatie mislukt"


class PermissionDenied(ApplicationError):
    code = "forbidden"
    status = 403
    title = "Geen toegang"
