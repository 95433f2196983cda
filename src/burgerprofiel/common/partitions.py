"""Monthly range partitions of the large append-only tables (PostgreSQL only).

Design note. The audit log, the DOSIS status history and the notification deliveries grow by every
act, every upload and every message, and are only ever appended to (or, for deliveries, updated
while young). Partitioning them by month keeps each month's indexes small and hot, lets VACUUM and
index builds work a month at a time, and makes archiving or detaching an old month a catalogue
operation instead of a DELETE of millions of rows. What each table is partitioned on, and what that
costs, is said in the migration that converts it; this module only does the mechanics:

- ``table_partition`` / ``table_unpartition``: convert a table (migrations, forwards and backwards).
  Its indexes, constraints, foreign keys and triggers keep their names, so later migrations find them.
- ``partitions_ensure``: the periodic task's part. It creates the partitions of the current month
  and the next ``MONTHS_AHEAD`` months before a row needs them. A row whose month has no partition
  (a worker stopped for months, a date far in the past or future) lands in the ``_default``
  partition and nothing is refused; when its month is created later, its rows move there.
- Row-level triggers of a partitioned table (the audit log's append-only guard) are inherited by
  every partition, also those created later; statement-level ones (``BEFORE TRUNCATE``) are not, so
  ``statement_triggers_sync`` copies them onto each partition: a partition cannot be truncated
  behind the log's back either.

Every identifier in the SQL below is a table or column name from the catalogue or a migration, quoted;
every value is a parameter.

Partitions are found by name (``<table>_pYYYY_MM``, ``<table>_default``) and the partitioned tables
from the catalogue, so this module knows no application: a migration decides what is partitioned.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

MONTHS_AHEAD = 3  # partitions exist this many months before the first row of that month can arrive
MONTHS_BACK_AT_MOST = 24  # converting a table: older rows go to the default partition
_LOCK_KEY = 728302  # pg_advisory_xact_lock: one worker creates partitions at a time
_COPY_COMMENT = "copy of the statement trigger of the partitioned table"


def _month(value: dt.date | dt.datetime) -> dt.date:
    return dt.date(value.year, value.month, 1)


def _next(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _bound(month: dt.date) -> str:
    return f"{month.isoformat()} 00:00:00+00"  # months in UTC, whatever the session's time zone


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month.year:04d}_{month.month:02d}"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


@dataclass(frozen=True)
class Partitioned:
    table: str
    key: str


def partitioned_tables(cursor: Any) -> list[Partitioned]:
    """The range-partitioned tables of the current schema, with their (single) partition key."""
    cursor.execute(
        """
        SELECT c.relname, a.attname
        FROM pg_partitioned_table p
        JOIN pg_class c ON c.oid = p.partrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0]
        WHERE p.partstrat = 'r' AND p.partnatts = 1
        ORDER BY c.relname
        """
    )
    return [Partitioned(table, key) for table, key in cursor.fetchall()]


def partitions_of(cursor: Any, table: str) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


# --- creating months -------------------------------------------------------------------------


def partition_create(cursor: Any, part: Partitioned, month: dt.date) -> int:
    """Create ``month``'s partition of ``part.table``; returns how many rows it took over from the default.

    Built as a table of its own and then attached, which locks the partitioned table only against
    other DDL (SHARE UPDATE EXCLUSIVE), not against the inserts of the running platform.
    """
    table, key, name = part.table, _q(part.key), partition_name(part.table, month)
    lower, upper = _bound(month), _bound(_next(month))
    in_range = f"{key} >= %s AND {key} < %s"
    cursor.execute(
        f"CREATE TABLE {_q(name)} (LIKE {_q(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)"
    )
    # Attaching checks every row of the new table against its bounds unless a constraint proves them.
    cursor.execute(f"ALTER TABLE {_q(name)} ADD CONSTRAINT {_q(name + '_bounds')} CHECK ({in_range})", [lower, upper])
    default = f"{table}_default"
    moved = 0
    if default in partitions_of(cursor, table):
        cursor.execute(f"SELECT count(*) FROM {_q(default)} WHERE {in_range}", [lower, upper])  # noqa: S608 - quoted identifiers of our own tables (_q); values are parameters
        moved = int(cursor.fetchone()[0])
        if moved:
            # Rows of this month that arrived before its partition did: they move, unchanged (same ids,
            # same content, so the audit log's hashes still hold). The append-only guard is lifted on
            # the default partition for this transaction only, under its exclusive lock.
            cursor.execute(f"LOCK TABLE {_q(default)} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"INSERT INTO {_q(name)} SELECT * FROM {_q(default)} WHERE {in_range}", [lower, upper])  # noqa: S608 - quoted identifiers of our own tables (_q); values are parameters
            cursor.execute(f"ALTER TABLE {_q(default)} DISABLE TRIGGER USER")
            cursor.execute(f"DELETE FROM {_q(default)} WHERE {in_range}", [lower, upper])  # noqa: S608 - quoted identifiers of our own tables (_q); values are parameters
            cursor.execute(f"ALTER TABLE {_q(default)} ENABLE TRIGGER USER")
        # Attaching also scans the default partition for rows of this month; a validated constraint
        # saying there are none spares that scan (and validating needs no lock against writers).
        proof = _q(default + "_not_" + name.rsplit("_p", 1)[1])
        cursor.execute(
            f"ALTER TABLE {_q(default)} ADD CONSTRAINT {proof} CHECK (NOT ({in_range})) NOT VALID", [lower, upper]
        )
        cursor.execute(f"ALTER TABLE {_q(default)} VALIDATE CONSTRAINT {proof}")
        cursor.execute(
            f"ALTER TABLE {_q(table)} ATTACH PARTITION {_q(name)} FOR VALUES FROM (%s) TO (%s)", [lower, upper]
        )
        cursor.execute(f"ALTER TABLE {_q(default)} DROP CONSTRAINT {proof}")
    else:
        cursor.execute(
            f"ALTER TABLE {_q(table)} ATTACH PARTITION {_q(name)} FOR VALUES FROM (%s) TO (%s)", [lower, upper]
        )
    cursor.execute(f"ALTER TABLE {_q(name)} DROP CONSTRAINT {_q(name + '_bounds')}")
    statement_triggers_sync(cursor, table)
    return moved


def partitions_ensure(*, now: dt.datetime | None = None, months_ahead: int = MONTHS_AHEAD) -> int:
    """Create the missing partitions of this month and the next ``months_ahead``, for every partitioned
    table. Safe to run concurrently and twice; a no-op (one catalogue query) when nothing is missing,
    and on SQLite. Returns the number of partitions created."""
    if connection.vendor != "postgresql":
        return 0
    first = _month(timezone.localtime(now or timezone.now(), dt.UTC))
    months = [first]
    for _ in range(months_ahead):
        months.append(_next(months[-1]))
    with connection.cursor() as cursor:
        missing = _missing(cursor, months)
    if not missing:
        return 0
    created = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        for part, month in _missing(cursor, months):  # again, under the lock: another worker may have
            partition_create(cursor, part, month)
            created += 1
    return created


def _missing(cursor: Any, months: list[dt.date]) -> list[tuple[Partitioned, dt.date]]:
    missing = []
    for part in partitioned_tables(cursor):
        existing = set(partitions_of(cursor, part.table))
        missing += [(part, m) for m in months if partition_name(part.table, m) not in existing]
    return missing


# --- statement triggers ----------------------------------------------------------------------


def statement_triggers_sync(cursor: Any, table: str | None = None) -> None:
    """Give every partition the statement-level triggers of its table (PostgreSQL does not), and take
    back copies whose original is gone. For ``table``, or for every partitioned table."""
    tables = [table] if table else [p.table for p in partitioned_tables(cursor)]
    for parent in tables:
        cursor.execute(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgrelid = %s::regclass AND NOT tgisinternal AND (tgtype & 1) = 0",
            [parent],
        )
        wanted = dict(cursor.fetchall())
        for partition in partitions_of(cursor, parent):
            cursor.execute(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_description d ON d.objoid = t.oid "
                "AND d.classoid = 'pg_trigger'::regclass WHERE t.tgrelid = %s::regclass AND d.description = %s",
                [partition, _COPY_COMMENT],
            )
            copies = {row[0] for row in cursor.fetchall()}
            for name in copies - wanted.keys():
                cursor.execute(f"DROP TRIGGER {_q(name)} ON {_q(partition)}")
            for name, definition in wanted.items():
                if name in copies:
                    continue
                on_parent = re.compile(rf" ON (?:\S+\.)?{re.escape(_q(parent))} | ON (?:\S+\.)?{re.escape(parent)} ")
                cursor.execute(on_parent.sub(f" ON {_q(partition)} ", definition, count=1))
                cursor.execute(f"COMMENT ON TRIGGER {_q(name)} ON {_q(partition)} IS %s", [_COPY_COMMENT])


# --- converting a table (migrations) ---------------------------------------------------------


def table_partition(schema_editor: Any, *, table: str, key: str, pk: str = "id") -> None:
    """Turn ``table`` into a table partitioned by month on ``key``, its rows, names and triggers kept.

    The primary key becomes (``pk``, ``key``): PostgreSQL requires a partitioned table's unique
    constraints to contain the partition key. ``pk`` stays unique in practice (it comes from the same
    identity sequence), but the database no longer enforces that, and no foreign key can point at it:
    the migration drops those first, or this refuses.
    """
    cursor = schema_editor.connection.cursor()
    old = f"{table}__unpartitioned"
    referencing = _foreign_keys_into(cursor, table)
    if referencing:
        raise RuntimeError(f"cannot partition {table}: foreign keys point at it ({', '.join(referencing)})")
    sequence = _identity_sequence(cursor, table, pk)
    cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}")
    if sequence:
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {_q(old + '_' + pk + '_seq')}")
    constraints, indexes, triggers = _definitions(cursor, old)
    cursor.execute(
        f"CREATE TABLE {_q(table)} (LIKE {_q(old)} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED "
        f"INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({_q(key)})"
    )
    cursor.execute(f"CREATE TABLE {_q(table + '_default')} PARTITION OF {_q(table)} DEFAULT")
    cursor.execute(f"SELECT min({_q(key)}) FROM {_q(old)}")  # noqa: S608 - quoted identifiers of our own tables (_q); values are parameters
    oldest = cursor.fetchone()[0]
    now = _month(timezone.now().astimezone(dt.UTC))
    month = now
    if oldest is not None:
        earliest = _month(oldest.astimezone(dt.UTC))
        floor = dt.date(now.year - MONTHS_BACK_AT_MOST // 12, now.month, 1)
        month = min(now, max(earliest, floor))
    horizon = now
    for _ in range(MONTHS_AHEAD):
        horizon = _next(horizon)
    while month <= horizon:
        cursor.execute(
            f"CREATE TABLE {_q(partition_name(table, month))} PARTITION OF {_q(table)} FOR VALUES FROM (%s) TO (%s)",
            [_bound(month), _bound(_next(month))],
        )
        month = _next(month)
    cursor.execute(f"INSERT INTO {_q(table)} SELECT * FROM {_q(old)}")  # noqa: S608 - quoted identifiers of our own tables (_q); values are parameters
    if sequence:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), last_value, is_called) FROM {_q(old + '_' + pk + '_seq')}",  # noqa: S608 - quoted identifiers of our own tables (_q); values are parameters
            [table, pk],
        )
    cursor.execute(f"DROP TABLE {_q(old)}")
    for name, kind, definition in constraints:
        if kind == "p":
            cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} PRIMARY KEY ({_q(pk)}, {_q(key)})")
        elif kind == "u" and key not in definition:
            raise RuntimeError(f"cannot partition {table}: unique constraint {name} lacks the partition key {key}")
        elif kind in ("u", "f"):
            cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
    _recreate(cursor, indexes + triggers, old, table)
    statement_triggers_sync(cursor, table)


def table_unpartition(schema_editor: Any, *, table: str, key: str, pk: str = "id") -> None:
    """The way back: one plain table with every row, the primary key on ``pk`` alone again."""
    cursor = schema_editor.connection.cursor()
    old = f"{table}__partitioned"
    sequence = _identity_sequence(cursor, table, pk)
    cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}")
    if sequence:
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {_q(old + '_' + pk + '_seq')}")
    constraints, indexes, triggers = _definitions(cursor, old)
    cursor.execute(
        f"CREATE TABLE {_q(table)} (LIKE {_q(old)} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED "
        f"INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS)"
    )
    cursor.execute(f"INSERT INTO {_q(table)} SELECT * FROM {_q(old)}")  # noqa: S608 - quoted identifiers of our own tables (_q); values are parameters
    if sequence:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), last_value, is_called) FROM {_q(old + '_' + pk + '_seq')}",  # noqa: S608 - quoted identifiers of our own tables (_q); values are parameters
            [table, pk],
        )
    # The partitions' own statement triggers go with them; only the partitioned table's are recreated.
    cursor.execute(f"DROP TABLE {_q(old)} CASCADE")
    for name, kind, definition in constraints:
        if kind == "p":
            cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} PRIMARY KEY ({_q(pk)})")
        elif kind in ("u", "f"):
            cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
    _recreate(cursor, indexes + triggers, old, table)


def _identity_sequence(cursor: Any, table: str, column: str) -> str | None:
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
    row = cursor.fetchone()
    return row[0] if row else None


def _foreign_keys_into(cursor: Any, table: str) -> list[str]:
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass AND conparentid = 0",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _definitions(cursor: Any, table: str) -> tuple[list[tuple[str, str, str]], list[str], list[str]]:
    """Constraints (name, kind, definition; check constraints excluded: LIKE copies them), the indexes no
    constraint owns, and the user triggers of ``table``, as SQL naming ``table``."""
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype DESC, conname",
        [table],
    )
    constraints = [(name, kind, definition) for name, kind, definition in cursor.fetchall()]
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY i.indexrelid",
        [table],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname",
        [table],
    )
    triggers = [row[0] for row in cursor.fetchall()]
    return constraints, indexes, triggers


def _recreate(cursor: Any, statements: Iterable[str], old: str, new: str) -> None:
    on_old = re.compile(rf" ON (?:ONLY )?(?:\S+\.)?{re.escape(old)} ")
    for statement in statements:
        cursor.execute(on_old.sub(f" ON {_q(new)} ", statement, count=1))


def foreign_key_constraint_dropped(app_label: str, model_name: str, field_name: str) -> tuple[Any, Any]:
    """The RunPython pair that drops (and, backwards, restores) a foreign key's database constraint on
    PostgreSQL, for a key into a table about to be partitioned (whose ``id`` alone is no longer unique).
    Django still cascades deletes itself (``on_delete``); only the database's own check goes."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        model = apps.get_model(app_label, model_name)
        column = model._meta.get_field(field_name).column
        for name in schema_editor._constraint_names(model, [column], foreign_key=True):
            schema_editor.execute(schema_editor._delete_fk_sql(model, name))

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        model = apps.get_model(app_label, model_name)
        field = model._meta.get_field(field_name)
        schema_editor.execute(schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s"))

    return forwards, backwards
