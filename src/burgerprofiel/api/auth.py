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
from django.utils import timezone
from ninja.security import HttpBearer

from burgerprofiel.agencies.models import ProcessingOrderVersion
from burgerprofiel.agencies.order_check import order_check
from burgerprofiel.agencies.selectors import client_snapshot_guard_sql, current_order_version
from burgerprofiel.agencies.services import ORDER_PROCESSING_STATES
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import AuthenticationFailed, PermissionDenied
from burgerprofiel.common.queries import StatementGuard
from burgerprofiel.common.request_notes import RequestNotes
from burgerprofiel.oauth.services import (
    AgencyPrincipal,
    access_token_client_id,
    access_token_decode,
    access_token_verify,
)


@dataclass
class ApiNotes:
    """What the agency API learnt about one request."""

    principal: AgencyPrincipal | None = None  # the calling client, once its token was read
    order_version: ProcessingOrderVersion | None = None  # the version the operation's order check found
    component: str | None = None  # the component the order check ran for
    categories: set[str] = field(default_factory=set)  # every data category the order check allowed
    idempotency_record: Any = None  # the claimed IdempotencyRecord of an act that commits in chunks
    # Behind ``AgencyAuth(confirmed_in_write=True)``: the condition under which the kept client and
    # order (``AgencyPrincipal.from_snapshot``) are still current, for the operation's write statement.
    order_guard: StatementGuard | None = None


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


def order_guard_of(request: HttpRequest) -> StatementGuard | None:
    """The condition an operation behind ``AgencyAuth(confirmed_in_write=True)`` adds to its write
    statement (None once the client and its order were read for this request). When the write did
    not happen, its ``explain`` reads them and checks the order (refusals as usual); it raises
    ``SnapshotStale`` when the operation must start again with what it read."""
    return _notes.of(request).order_guard


class SnapshotStale(Exception):
    """The client or its orders changed since this process last read them: the operation starts
    again with what was just read (``order_guard_of``)."""


def bearer_client_id(request: HttpRequest) -> str | None:
    """The client_id of a valid bearer token, or None; reads and records nothing (the rate limit)."""
    header = request.headers.get("Authorization", "")
    return access_token_client_id(header[7:].strip()) if header.lower().startswith("bearer ") else None


def bearer_principal(request: HttpRequest) -> AgencyPrincipal | None:
    """The client a valid bearer token names, or None; records nothing (the guards' rate limit and
    idempotency run before authentication, which audits a bad token itself)."""
    notes = _notes.of(request)
    if notes.principal is None:
        header = request.headers.get("Authorization", "")
        notes.principal = access_token_decode(header[7:].strip()) if header.lower().startswith("bearer ") else None
    return notes.principal


class InsufficientScope(PermissionDenied):
    """RFC 6750 §3.1: the token is valid, but was not issued for this component."""

    code = "insufficient-scope"
    title = "Toegangstoken niet uitgegeven voor deze component"

    def __init__(self, component: str, scopes: tuple[str, ...]) -> None:
        super().__init__(
            f"Dit toegangstoken geldt voor {', '.join(scopes) or 'geen enkele component'}, niet voor {component}. "
            f"Vraag een token aan met scope={component}.",
            extra={"reason": "insufficient_scope", "required_scope": component},
        )
        self.www_authenticate = f'Bearer realm="burgerprofiel", error="insufficient_scope", scope="{component}"'


def scope_check(principal: AgencyPrincipal, component: str | None) -> None:
    """A token reaches only the components it was issued for (its ``scope``); the order check
    then decides whether the agency may use them today. Least privilege for a leaked token."""
    if component is None or component in principal.scopes:
        return
    audit_record(
        actor=principal.actor,
        action=AuditAction.API_SCOPE_REFUSED,
        outcome=AuditEvent.Outcome.REFUSED,
        object_id=principal.token_id,
        detail={"component": component, "scope": " ".join(principal.scopes)},
    )
    raise InsufficientScope(component, principal.scopes)


class AgencyAuth(HttpBearer):
    openapi_scheme = "bearer"

    def __init__(
        self,
        component: str | None = None,
        categories: tuple[str, ...] = (),
        *,
        order_checked: bool = True,
        confirmed_in_write: bool = False,
    ) -> None:
        """``order_checked=False``: the one operation a client may call after its order ended (its
        return bundle, ``api.routers.offboarding``), which checks the token's scope itself.

        ``confirmed_in_write=True``: for an operation whose work is one write statement that adds
        ``order_guard_of(request)`` to its conditions and handles ``SnapshotStale``. The client and
        its orders may then be this process's last read of them; the order check runs on those, and
        the write confirms that they are still current (one round trip less per call). A refusal is
        never decided on a kept read: the client and its orders are read again first."""
        super().__init__()
        self.component = component
        self.categories = categories
        self.order_checked = order_checked
        self.confirmed_in_write = confirmed_in_write

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
        address = str(request.META.get("REMOTE_ADDR", ""))
        if principal is None:
            principal = access_token_verify(token, address=address, snapshot=self.confirmed_in_write)
            if principal.from_snapshot and not self._snapshot_allows(principal):
                principal = access_token_verify(token, address=address)  # decide on a fresh read
            notes.principal = principal
        if not self.order_checked:
            return principal
        if principal.from_snapshot:
            client = principal.client
            sql, params = client_snapshot_guard_sql(client)

            # Kept in the notes: it takes the notes, not the request, so that the request is freed as
            # soon as it is answered (with the request, it would wait for a garbage collection).
            def explain() -> None:
                fresh = notes.principal = access_token_verify(token, address=address)
                notes.order_guard = None
                self._order_check(notes, fresh)
                if client_snapshot_guard_sql(fresh.client)[1] != params:
                    raise SnapshotStale()

            notes.order_guard = StatementGuard(sql=sql, params=params, explain=explain)
        return self._order_check(notes, principal)

    def _snapshot_allows(self, principal: AgencyPrincipal) -> bool:
        """Whether the kept client and orders allow this call, checked silently (a refusal is decided
        and recorded on a fresh read only)."""
        if not self.order_checked:
            return True
        version = current_order_version(agency_id=principal.agency_id, latest=principal.latest_order_versions)
        if version is None or version.state not in ORDER_PROCESSING_STATES:
            return False
        if not version.is_valid_on(timezone.localdate()):  # checked today: an end date passes with no new version
            return False
        if self.component is None:
            return True
        if not version.allows(self.component) or self.component not in principal.scopes:
            return False
        return set(self.categories) <= set(version.categories_for(self.component))

    def _order_check(self, notes: ApiNotes, principal: AgencyPrincipal) -> AgencyPrincipal:
        notes.order_version = order_check(
            actor=principal.actor,
            agency_id=principal.agency_id,
            component=self.component,
            categories=self.categories,
            latest=principal.latest_order_versions,
        )
        # After the order check, so that a component the agency did not order is named as such.
        scope_check(principal, self.component)
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
    scope_check(principal_of(request), component)
    _notes.of(request).categories.update(wanted)


def agency_request_actor(request: HttpRequest) -> Actor:
    """The calling agency client, with the order version its check found, as an audit actor."""
    return principal_of(request).actor_under(_notes.of(request).order_version)
