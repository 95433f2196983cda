"""Factories for the audit tests: recording events quickly and switching the append-only guard off.

The guard is switched off only inside the test's own transaction (PostgreSQL: ``ALTER TABLE ...
DISABLE TRIGGER USER``; SQLite: ``DROP TRIGGER``). Both are transactional DDL, so the rollback at
the end of every test puts the triggers back.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record

TABLES = ("audit_auditevent", "audit_auditleaf", "audit_treehead", "audit_auditnode")
TESTER = Actor(kind="system", id="audit-tests", agency_id=None)


def record_events(n: int, *, action: str = "test.event", **kwargs: Any) -> list[AuditEvent]:
    return [audit_record(actor=TESTER, action=action, object_id=str(i), detail={"n": i}, **kwargs) for i in range(n)]


def disable_append_only_guard(*tables: str) -> None:
    """Let this test's transaction UPDATE and DELETE the audit tables, as an intruder with DDL rights could."""
    assert connection.in_atomic_block, "only inside the test transaction, so that the rollback restores the guard"
    with connection.cursor() as cursor:
        for table in tables or TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                cursor.execute(f"DROP TRIGGER {table}_no_update")
                cursor.execute(f"DROP TRIGGER {table}_no_delete")


def raw(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def skip_unless_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
