"""Bearer authentication for the agency API, with the order check declared per operation.

Usage on an operation: ``auth=AgencyAuth(component=Component.DOSIS)``. Authentication verifies
the access token; then the order check runs against the database (DESIGN rule 1). The principal
is available as ``request.auth`` and the order version as ``request.order_version``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from burgerprofiel.agencies.order_check import order_check
from burgerprofiel.audit.actors import Actor
from burgerprofiel.common.errors import AuthenticationFailed
from burgerprofiel.oauth.services import AgencyPrincipal, access_token_verify


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
        principal = getattr(request, "_bp_principal", None)
        if principal is None:
            principal = access_token_verify(token)
            request._bp_principal = principal  # type: ignore[attr-defined]
        version = order_check(
            actor=principal.actor,
            agency_id=principal.agency_id,
            component=self.component,
            categories=self.categories,
            latest=principal.latest_order_versions,
        )
        request.order_version = version  # type: ignore[attr-defined]
        return principal


def agency_request_actor(request: HttpRequest) -> Actor:
    """The calling agency client, with the order version its check found, as an audit actor."""
    return principal_of(request).actor_under(getattr(request, "order_version", None))


def principal_of(request: HttpRequest) -> AgencyPrincipal:
    return request.auth  # type: ignore[attr-defined,no-any-return]
