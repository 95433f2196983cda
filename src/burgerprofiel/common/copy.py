"""Bulk writes with PostgreSQL's COPY, for the few paths where the ORM's INSERT costs more than the data.

The caller gives rows as tuples in the order of ``columns`` (database column names), with values
already in their stored form (an encrypted field's ciphertext, not its plaintext). Ids a later row
must refer to come from ``next_ids`` first, so that related rows can be written in the same batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` ids from the model's id sequence, in one query."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        # The sequence is looked up once (an uncorrelated subquery: an InitPlan), not per id:
        # pg_get_serial_sequence reads the catalogue's dependencies each time it is called.
        cursor.execute(
            "SELECT nextval((SELECT pg_get_serial_sequence(%s, 'id')::regclass)) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write ``rows`` into the model's table with one COPY."""
    quote = connection.ops.quote_name
    known = {field.column for field in model._meta.concrete_fields}
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
    statement = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    # As the ORM does: a constraint violation is Django's IntegrityError, not the driver's.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
