"""Hot-path queries whose SQL is built once per process and run with fresh parameters every time.

For a small query the ORM spends most of its time building SQL: on the 2-CPU machines this
project is measured on, about 0.9 ms of CPU to build the order-version query of every API call,
against 0.1 ms to run it. Here the queryset is compiled on first use and kept as SQL text; every
call runs it with its own parameter through ``raw()`` (the ORM's own column converters, so
encrypted fields, JSON and dates read as usual). Nothing read is ever cached: only the SQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, models
from django.db.models.query import QuerySet, RawQuerySet

M = TypeVar("M", bound=models.Model)

_sql: dict[tuple[str, str], str] = {}
_lock = threading.Lock()


def compiled_raw(model: type[M], name: str, build: Callable[[Any], QuerySet[M]], value: Any) -> RawQuerySet[M]:
    """``build(value)`` (a queryset of ``model``) as a raw queryset; ``value`` must be its only parameter.

    Annotations of the queryset become attributes of the instances (``raw()`` maps extra columns);
    ``select_related`` does not carry over.
    """
    key = (connection.alias, name)
    sql = _sql.get(key)
    if sql is None:
        queryset = build(value)
        if queryset.model is not model:
            raise ValueError(f"the compiled query {name!r} reads {queryset.model.__name__}, not {model.__name__}")
        sql, params = queryset.query.sql_with_params()
        if list(params) != [value]:
            raise ValueError(f"the compiled query {name!r} must take exactly one parameter, its value")
        with _lock:
            _sql[key] = sql
    return model._default_manager.raw(sql, [value])


@dataclass(frozen=True)
class StatementGuard:
    """A condition that a write checks in its own statement (PostgreSQL), instead of a read of its own
    before it: one round trip instead of two, and nothing between the check and the write.

    ``sql`` is a boolean SQL expression with ``%s`` placeholders for ``params``. When the guarded
    statement wrote nothing, the writer calls ``explain()``, which does the check the slow way and
    raises its refusal (audited, as the check without the guard would have) if the condition failed;
    it returns when the condition holds, and the writer then names its own reason.
    """

    sql: str
    params: tuple[Any, ...]
    explain: Callable[[], None]

    @classmethod
    def all(cls, *guards: StatementGuard | None) -> StatementGuard | None:
        """Every condition of ``guards`` (None ones left out); explained in the order given."""
        present = [g for g in guards if g is not None]
        if len(present) <= 1:
            return present[0] if present else None

        def explain() -> None:
            for guard in present:
                guard.explain()

        return cls(
            sql=" AND ".join(f"({g.sql})" for g in present),
            params=tuple(p for g in present for p in g.params),
            explain=explain,
        )


def insert_statement(instance: models.Model) -> tuple[str, list[Any]]:
    """``INSERT INTO <table> (<every column>) VALUES (...)`` for a new ``instance``, with the values the
    ORM's own ``save(force_insert=True)`` would send (each field's ``pre_save`` and database preparation),
    to be composed into a statement of several writes (a CTE each). Encrypted values must already be
    sealed for the row (``crypto.fields.sealed``): ``pre_save`` then writes them as they are."""
    fields = instance._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    placeholders = ", ".join(["%s"] * len(values))
    return f"INSERT INTO {quote(instance._meta.db_table)} ({columns}) VALUES ({placeholders})", values  # noqa: S608 - quoted model identifiers; values are parameters


def fetchall_prepared(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """``fetchone_prepared`` for a statement whose every row is wanted."""
    return _run_prepared(sql, params, lambda cursor: cursor.fetchall())


def fetchone_prepared(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """Run one hot statement and return its first row; on PostgreSQL bound on the server and prepared.

    Django binds parameters on the client (psycopg's ``ClientCursor``: each value quoted into the SQL
    text) and never prepares, so PostgreSQL parses and plans a statement of many CTEs on every call,
    and psycopg quotes every value in Python. Here the statement goes as a named prepared statement
    the first time a connection runs it (``prepare=True``) and as its name and values after that.
    Every ``%s`` whose type the statement does not fix by itself (a value in a ``SELECT`` list)
    needs a cast in ``sql``. The query still passes through Django's cursor wrapper: database errors
    are Django's, and test query capture and execute wrappers see it.
    ``DATABASE_PREPARED_STATEMENTS=false`` (a pooler that cannot keep them): Django's cursor, as usual.
    """
    return _run_prepared(sql, params, lambda cursor: cursor.fetchone())  # type: ignore[no-any-return]


R = TypeVar("R")


def _run_prepared(sql: str, params: Sequence[Any], fetch: Callable[[Any], R]) -> R:
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return fetch(cursor)
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    cursor = connection._prepare_cursor(_kept_cursor())  # type: ignore[attr-defined]  # Django's own wrapping
    cursor.execute(sql, params)
    row = fetch(cursor)
    if connection.queries_logged and connection.queries_log and connection.queries_log[-1]["sql"] is None:
        # Django rebuilds a logged statement from psycopg's last query, which a statement run by name
        # lacks: the debug log and query capture (tests) show its text instead, placeholders and all.
        connection.queries_log[-1]["sql"] = sql
    return row  # type: ignore[no-any-return]


def _kept_cursor() -> Any:
    """The current connection's cursor for prepared statements, kept as long as that connection.

    psycopg works out how to send each Python type (its dumper) once per cursor: a new cursor per
    statement looked up every parameter's dumper again (timed for the push's 33 values: 30 µs to
    bind them on a new cursor, 11 µs on a kept one). A cursor is not shared between threads
    (Django's connections are per thread) and is left open, not closed, after each statement: its
    last result is held until the next replaces it. A new connection (closed, health-checked away,
    a reconnect) gets a new cursor.
    """
    raw = connection.connection
    kept = getattr(connection, "_kept_prepared_cursor", None)
    if kept is None or kept.connection is not raw or kept.closed:
        with connection.wrap_database_errors:
            kept = _prepared_cursor_class()(raw)
        connection._kept_prepared_cursor = kept  # type: ignore[attr-defined]
    return kept


_prepared_cursor: type[Any] | None = None
# psycopg prepares a statement once it ran this many times, or at once when asked (``prepare=True``).
_ASKED_ONLY = 2**31 - 1


def _prepared_cursor_class() -> type[Any]:
    """Django's server-binding psycopg cursor, preparing every statement it runs (built on first use:
    the PostgreSQL backend imports psycopg, which an SQLite-only installation may lack)."""
    global _prepared_cursor
    if _prepared_cursor is None:
        from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]  # psycopg only when used
            ServerBindingCursor,
        )

        class PreparedCursor(ServerBindingCursor):  # type: ignore[misc, valid-type]
            def execute(
                self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: Any = None
            ) -> Any:
                # Django turns psycopg's statement cache off per connection (prepare_threshold None, for
                # poolers); it is on only while this cursor runs, so no other query is counted or prepared.
                raw = self.connection
                kept = raw.prepare_threshold
                raw.prepare_threshold = _ASKED_ONLY if kept is None else kept
                try:
                    return super().execute(query, params, prepare=True, binary=binary)
                finally:
                    raw.prepare_threshold = kept

        _prepared_cursor = PreparedCursor
    return _prepared_cursor
