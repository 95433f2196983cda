"""Compiled hot-path queries: the SQL is built once, the rows are read fresh on every call."""

from __future__ import annotations

from typing import Any

import pytest

from burgerprofiel.agencies.models import ApiClient, ProcessingOrderVersion
from burgerprofiel.common.queries import compiled_raw


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
