"""Compiled hot-path queries: the SQL is built once, the rows are read fresh on every call."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from burgerprofiel.agencies.models import ApiClient, ProcessingOrderVersion
from burgerprofiel.audit.tests.factories import skip_unless_postgresql
from burgerprofiel.common.queries import compiled_raw, fetchall_prepared, fetchone_prepared


@pytest.mark.django_db
def test_a_compiled_query_reads_fresh_rows_every_call(agency: Any) -> None:
    def active(client_id: str) -> Any:
        return ApiClient.objects.filter(client_id=client_id, is_active=True)

    assert [c.client_id for c in compiled_raw(ApiClient, "test_active", active, agency.client_id)] == [agency.client_id]
    ApiClient.objects.filter(client_id=agency.client_id).update(is_active=False)
    assert list(compiled_raw(ApiClient, "test_active", active, agency.client_id)) == []
    assert list(compiled_raw(ApiClient, "test_active", active, "bp-unknown")) == []


@pytest.mark.django_db
def test_a_query_with_other_parameters_or_another_model_is_refused() -> None:
    with pytest.raises(ValueError, match="exactly one parameter"):
        compiled_raw(ApiClient, "test_two", lambda v: ApiClient.objects.filter(client_id=v, name="x"), "bp-1")
    with pytest.raises(ValueError, match="reads ProcessingOrderVersion"):
        compiled_raw(ApiClient, "test_model", lambda v: ProcessingOrderVersion.objects.filter(pk=v), 1)  # type: ignore[arg-type,return-value]


@pytest.mark.django_db(transaction=True)
def test_prepared_statements_share_one_cursor_per_connection_and_a_new_connection_gets_its_own() -> None:
    skip_unless_postgresql()
    assert fetchone_prepared("SELECT %s::int + 1", [1]) == (2,)
    kept = connection._kept_prepared_cursor  # type: ignore[attr-defined]
    # The same cursor, so psycopg's choice of how to send each type is made once; each result is fresh.
    assert fetchall_prepared("SELECT g FROM generate_series(1, %s::int) g", [3]) == [(1,), (2,), (3,)]
    assert fetchone_prepared("SELECT %s::text || 'b'", ["a"]) == ("ab",)
    assert connection._kept_prepared_cursor is kept  # type: ignore[attr-defined]
    assert not kept.closed

    connection.close()  # a reconnect (CONN_MAX_AGE, a failed health check): the old cursor is not reused
    assert fetchone_prepared("SELECT %s::int + 1", [41]) == (42,)
    assert connection._kept_prepared_cursor is not kept  # type: ignore[attr-defined]
    assert connection._kept_prepared_cursor.connection is connection.connection  # type: ignore[attr-defined]
