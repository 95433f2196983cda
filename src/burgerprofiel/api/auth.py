"""Bearer authentication for the agency API, with the order check declared per operation.

Usage on an operation: ``auth=AgencyAuth(component=Component.DOSIS)``. Authentication verifies
the access token; then the order check runs against the database (DESIGN rule 1). What they find
is kept as typed request state (``ApiNotes``, as Zulip's ``RequestNotes``): handlers read it with
``principal_of(request)`` and ``order_version_of(request)``. The component and categories the
request was checked for are kept too, so that an idempotent replay can be checked for them again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from burgerprofiel.agencies.models import ProcessingOrderVersion
from burgerprofiel.agencies.order_check import order_check
from burgerprofiel.audit.actors import Actor
from burgerprofiel.common.errors import AuthenticationFailed
from burgerprofiel.common.request_notes import RequestNotes
from burgerprofiel.oauth.services import AgencyPrincipal, access_token_decode, access_token_verify


@dataclass
class ApiNotes:
    """What the agency API learnt about one request."""

    principal: AgencyPrincipal | None = None  # the calling client, once its token was read
    order_version: ProcessingOrderVersion | None = None  # the version the operation's order check found
    component: str | None = None  # the component the order check ran for
    categories: set[str] = field(default_factory=set)  # every data category the order check allowed


_notes: RequestNotes[ApiNotes] = RequestNotes(ApiNotes)


def notes_of(request: HttpRequest) -> ApiNotes:
    return _notes.of(request)


def principal_of(request: HttpRequest) -> AgencyPrincipal:
    """The authenticated client of an operation behind ``AgencyAuth``."""
    principal = _notes.of(request).principal
    if principal is None:
        raise RuntimeError("principal_of() outside an operation behind AgencyAuth")
    return principal


def order_version_of(request: HttpRequest) -> ProcessingOrderVersion:
    """The order version that allowed this operation (``AgencyAuth``'s order check)."""
    version = _notes.of(request).order_version
    if version is None:
        raise RuntimeError("order_version_of() outside an operation behind AgencyAuth")
    return version


def bearer_principal(request: HttpRequest) -> AgencyPrincipal | None:
    """The client a valid bearer token names, or None; records nothing (the guards' rate limit and
    idempotency run before authentication, which audits a bad token itself)."""
    notes = _notes.of(request)
    if notes.principal is None:
        header = request.headers.get("Authorization", "")
        notes.principal = access_token_decode(header[7:].strip()) if header.lower().startswith("bearer ") else None
    return notes.principal


class AgencyAuth(HttpBearer):
    openapi_scheme = "bearer"

    def __init__(self, component: str | None = None, categories: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.component = component
        self.categories = categories

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            raise AuthenticationFailed(
                "Geen toegangstoken: stuur Authorization: Bearer <token>.", extra={"reason": "no_token"}
            )
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> AgencyPrincipal:
        notes = _notes.of(request)
        principal = notes.principal
        if principal is None:
            principal = notes.principal = access_token_verify(token)
        notes.order_version = order_check(
            actor=principal.actor,
            agency_id=principal.agency_id,
            component=self.component,
            categories=self.categories,
            latest=principal.latest_order_versions,
        )
        notes.component = self.component
        notes.categories.update(self.categories)
        return principal


def order_check_categories(request: HttpRequest, *, component: str, categories: Iterable[str]) -> None:
    """Check categories an operation learns of only from its input (optional fields), and remember
    them with the request like those ``AgencyAuth`` checked."""
    wanted = sorted(set(categories))
    order_check(
        actor=agency_request_actor(request),
        agency_id=principal_of(request).agency_id,
        component=component,
        categories=wanted,
    )
    _notes.of(request).categories.update(wanted)


def agency_request_actor(request: HttpRequest) -> Actor:
    """The calling agency client, with the order version its check found, as an audit actor."""
    return principal_of(request).actor_under(_notes.of(request).order_version)
