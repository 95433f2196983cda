"""Portal reads from a read replica, when one is configured (``DATABASE_REPLICA_URL``).

Design note. A replica lags the primary by a fraction of a second, so only reads that may be that
stale go to it, and only these:

- reads made while a **portal page is answered** (``GET``/``HEAD`` of a URL namespace listed in
  ``DATABASE_REPLICA_NAMESPACES``): never the agency API, the back-office, the token endpoint, a
  worker or a command;
- of models of the apps in ``DATABASE_REPLICA_APPS`` (dossiers, meldingen, ...). Everything else —
  the citizen's identity and session, data keys, and the agencies' processing orders that the order
  check reads (a suspension takes effect on the next request, charter 2.3) — is read on the primary;
- **outside a transaction**: a read inside ``transaction.atomic()`` belongs to a write and is made
  where the write is;
- **until the citizen's own write**: once this request has written anything but the audit log (an
  audited read's own event changes nothing the citizen reads back), its remaining reads go to the
  primary (read-your-writes), and a short-lived cookie keeps the citizen's next requests there for
  ``DATABASE_REPLICA_PIN_SECONDS``, long enough for the replica to catch up (a POST that marks a
  melding read, then the redirected GET of the list, sees it read).

Writes always go to the primary: the replica connection is opened read-only, so a write that would
slip through fails loudly instead of diverging. Without a replica the router answers nothing and
Django uses ``default`` as always.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "bp_primair"
# What a request may write without losing the replica: its own audit events and the session touch.
_NOT_THE_CITIZENS_WRITE = ('"AUDIT_AUDITEVENT"', '"DJANGO_SESSION"')
_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY")
_WRITE_VERB = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


@dataclass
class _RequestReads:
    wrote: bool = False


_reads: contextvars.ContextVar[_RequestReads | None] = contextvars.ContextVar("replica_reads", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _may_read_replica(model: type[models.Model]) -> bool:
    state = _reads.get()
    return (
        state is not None
        and not state.wrote
        and model._meta.app_label in settings.DATABASE_REPLICA_APPS
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    )


class ReplicaRouter:
    """``DATABASE_ROUTERS``: the rules of the design note; a no-op without a replica."""

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str | None:
        if not replica_configured():
            return None
        # Never None with a replica: Django would then follow the instance a related lookup starts
        # from, and a row read on the replica would drag the order check there with it.
        return REPLICA if _may_read_replica(model) else DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str | None:
        # Not the instance's database: a row read on the replica is saved on the primary.
        return DEFAULT_DB_ALIAS if replica_configured() else None

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool | None:
        both = {obj1._state.db or DEFAULT_DB_ALIAS, obj2._state.db or DEFAULT_DB_ALIAS}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None  # the replica follows the primary's schema by itself


def _citizens_write(sql: str) -> bool:
    """Whether ``sql`` writes something other than an audit event or the session's touch."""
    head = sql.lstrip()[:200].upper()
    if head.startswith("WITH"):  # a data-modifying CTE writes wherever its verbs say: count it
        return _WRITE_VERB.search(sql) is not None
    return head.startswith(_WRITES) and not any(table in head for table in _NOT_THE_CITIZENS_WRITE)


def _note_writes(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    state = _reads.get()
    if state is not None and not state.wrote and _citizens_write(sql):
        state.wrote = True
    return execute(sql, params, many, context)


class ReplicaMiddleware:
    """Marks the portal's reading requests as allowed on the replica, and notices their writes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _reads.set(None)
        try:
            response = self.get_response(request)
            state = _reads.get()
            if state is not None and state.wrote:
                response.set_cookie(
                    PIN_COOKIE,
                    "1",
                    max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
            return response
        finally:
            _reads.reset(token)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        match = request.resolver_match
        if (
            replica_configured()
            and request.method in ("GET", "HEAD")
            and match is not None
            and match.namespace in settings.DATABASE_REPLICA_NAMESPACES
        ):
            state = _RequestReads(wrote=PIN_COOKIE in request.COOKIES)  # pinned by a recent write of theirs
            _reads.set(state)
            # Raw SQL bypasses the router: watch the primary connection of this thread for writes too.
            primary = connections[DEFAULT_DB_ALIAS]
            if _note_writes not in primary.execute_wrappers:
                primary.execute_wrappers.append(_note_writes)
        return None
