"""Typed errors: every refusal by the platform arrives as an exception carrying its problem details.

The platform answers errors as ``application/problem+json`` (RFC 9457) with a stable ``type`` URI,
a Dutch ``title`` and ``detail``, and sometimes field errors and extra members (``reason``,
``missing``, ...). The DOSIS v2 upload keeps DOSIS's own error format for validation
(``{code, message, description, errors[]}``); that one becomes a :class:`DosisValidationError`
with the same :class:`Problem` shape, so a caller handles both alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

PROBLEM_CONTENT_TYPE = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-ID"
_STANDARD_MEMBERS = {"type", "title", "status", "detail", "instance", "errors", "field"}


@dataclass(frozen=True)
class FieldError:
    """One invalid field: where (``body``, ``query``, ...), which field, what is wrong."""

    field: str | None
    message: str
    code: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class Problem:
    """RFC 9457 problem details, as the platform sent them."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: tuple[FieldError, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        """The last segment of ``type``: ``validation-error``, ``component-not-ordered``, ..."""
        return self.type.rstrip("/").rsplit("/", 1)[-1]

    @classmethod
    def from_body(cls, body: Mapping[str, Any], *, status: int, request_id: str | None = None) -> Problem:
        """Read a problem+json body; missing members get neutral values rather than failing."""
        instance = body.get("instance")
        if request_id is None and isinstance(instance, str) and instance.startswith("urn:request:"):
            request_id = instance.removeprefix("urn:request:")
        errors: list[FieldError] = []
        for item in body.get("errors") or []:
            if isinstance(item, Mapping):
                errors.append(
                    FieldError(
                        field=_str_or_none(item.get("field")),
                        message=str(item.get("message") or item.get("detail") or ""),
                        code=_str_or_none(item.get("code")),
                        location=_str_or_none(item.get("in")),
                    )
                )
        if not errors and isinstance(body.get("field"), str):  # one field, named beside the detail
            errors.append(FieldError(field=body["field"], message=str(body.get("detail") or "")))
        raw_status = body.get("status")
        return cls(
            type=str(body.get("type") or "about:blank"),
            title=str(body.get("title") or ""),
            status=raw_status if isinstance(raw_status, int) else status,
            detail=str(body.get("detail") or ""),
            instance=instance if isinstance(instance, str) else None,
            request_id=request_id,
            errors=tuple(errors),
            extra={k: v for k, v in body.items() if k not in _STANDARD_MEMBERS},
        )


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


class BurgerprofielError(Exception):
    """Base class of every error this library raises."""


class ApiError(BurgerprofielError):
    """The platform refused or failed a request; ``problem`` holds what it said."""

    def __init__(self, problem: Problem, *, response: httpx.Response | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.response = response

    @property
    def status(self) -> int:
        return self.problem.status

    @property
    def request_id(self) -> str | None:
        return self.problem.request_id

    def __str__(self) -> str:
        where = f" (request {self.problem.request_id})" if self.problem.request_id else ""
        return f"{self.problem.status} {self.problem.title}: {self.problem.detail}{where}"


class BadRequest(ApiError):
    """400: the request could not be read."""


class DosisValidationError(BadRequest):
    """400 from the DOSIS v2 upload, in DOSIS's own format; nothing was stored."""


class AuthenticationFailed(ApiError):
    """401: no valid access token (the client already renewed once)."""


class TokenError(ApiError):
    """The token endpoint refused the client: ``error`` is the OAuth2 error code (``invalid_client``, ...)."""

    @property
    def error(self) -> str:
        return str(self.problem.extra.get("error") or self.problem.code)


class Forbidden(ApiError):
    """403: the processing order does not allow this (``problem.extra["missing"]`` says what is missing)."""


class NotFound(ApiError):
    """404: does not exist, or belongs to another agency (tenants never see each other)."""


class Conflict(ApiError):
    """409: conflicts with the current state (an ``Idempotency-Key`` still in progress is retried first)."""


class Gone(ApiError):
    """410: the first answer to this ``Idempotency-Key`` can no longer be read."""


class PayloadTooLarge(ApiError):
    """413: the body is larger than the platform accepts."""


class UnsupportedMediaType(ApiError):
    """415: the body's content type is not accepted."""


class ValidationFailed(ApiError):
    """422: invalid fields (``problem.errors``), or an ``Idempotency-Key`` reused for another request."""


class RateLimited(ApiError):
    """429: too many requests; ``retry_after`` seconds (if the platform said) before trying again."""

    @property
    def retry_after(self) -> float | None:
        return retry_after_seconds(self.response) if self.response is not None else None


class ServerError(ApiError):
    """5xx: the platform failed; retried before this is raised."""


class TransportError(BurgerprofielError):
    """The platform could not be reached (connection refused, reset, timed out), after every retry."""

    def __init__(self, message: str, *, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class UnexpectedResponse(BurgerprofielError):
    """The platform answered something this library cannot read (not JSON, or not the documented shape)."""


class ProofError(BurgerprofielError):
    """An audit proof or a signed tree head did not verify."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: AuthenticationFailed,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: ValidationFailed,
    429: RateLimited,
}


def problem_of(response: httpx.Response) -> Problem:
    """The problem details of an error response, whatever its body (problem+json, DOSIS's format, other)."""
    request_id = response.headers.get(REQUEST_ID_HEADER)
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if isinstance(body, Mapping) and "code" in body and "message" in body and "type" not in body:
        return _dosis_problem(body, status=response.status_code, request_id=request_id)
    if isinstance(body, Mapping):
        return Problem.from_body(body, status=response.status_code, request_id=request_id)
    return Problem(
        type="about:blank",
        title=response.reason_phrase,
        status=response.status_code,
        detail=response.text[:500],
        request_id=request_id,
    )


def _dosis_problem(body: Mapping[str, Any], *, status: int, request_id: str | None) -> Problem:
    errors = tuple(
        FieldError(
            field=_str_or_none(e.get("field")),
            message=str(e.get("message") or ""),
            code=_str_or_none(e.get("code")),
            location="body",
        )
        for e in body.get("errors") or []
        if isinstance(e, Mapping)
    )
    return Problem(
        type=f"urn:dosis:{body.get('code')}",
        title=str(body.get("message") or ""),
        status=status,
        detail=str(body.get("description") or ""),
        request_id=request_id,
        errors=errors,
        extra={"code": body.get("code")},
    )


def error_for(response: httpx.Response, *, token_endpoint: bool = False) -> ApiError:
    """The typed exception for an error response."""
    problem = problem_of(response)
    if token_endpoint:
        return TokenError(problem, response=response)
    if problem.type.startswith("urn:dosis:"):
        return DosisValidationError(problem, response=response)
    cls = _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = ServerError if response.status_code >= 500 else ApiError
    return cls(problem, response=response)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds (it may be a number or an HTTP date), or None."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, float((when - datetime.now(UTC)).total_seconds()))
