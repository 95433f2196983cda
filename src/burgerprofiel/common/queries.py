"""Hot-path queries whose SQL is built once per process and run with fresh parameters every time.

For a small query the ORM spends most of its time building SQL: on the 2-CPU machines this
project is measured on, about 0.9 ms of CPU to build the order-version query of every API call,
against 0.1 ms to run it. Here the queryset is compiled on first use and kept as SQL text; every
call runs it with its own parameter through ``raw()`` (the ORM's own column converters, so
encrypted fields, JSON and dates read as usual). Nothing read is ever cached: only the SQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

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
