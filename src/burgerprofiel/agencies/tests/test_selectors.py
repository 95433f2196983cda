"""What every agency API call reads first: its client and the agency's latest order versions, in one query."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from burgerprofiel.agencies.models import Agency, ApiClient, ProcessingOrder, ProcessingOrderVersion
from burgerprofiel.agencies.selectors import api_client_for_call, client_data_key_id, current_order_version
from burgerprofiel.agencies.services import processing_order_change, processing_order_create, processing_order_suspend
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, bearer

pytestmark = pytest.mark.django_db


def test_a_call_reads_its_client_and_the_order_versions_in_one_query(agency: OnboardedAgency) -> None:
    with CaptureQueriesContext(connection) as queries:
        client = api_client_for_call(client_id=agency.client_id)

    assert len(queries) == 1
    assert client is not None
    assert (client.client_id, client.agency_id, client.is_active) == (agency.client_id, agency.agency_id, True)
    assert client_data_key_id(client) == Agency.objects.get(pk=agency.agency_id).data_key_id
    latest: list[ProcessingOrderVersion] = client.latest_order_versions  # type: ignore[attr-defined]
    [only] = latest
    expected = ProcessingOrderVersion.objects.filter(order_id=agency.order_id).order_by("-number").first()
    assert expected is not None
    assert (only.pk, only.state, only.components) == (expected.pk, "active", expected.components)
    assert current_order_version(agency_id=agency.agency_id, latest=latest) == current_order_version(
        agency_id=agency.agency_id
    )


def test_what_a_call_reads_is_the_orders_state_at_that_moment(agency: OnboardedAgency) -> None:
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    processing_order_suspend(order=order, reason="Rechtsgrond in herziening", actor=TEST_ACTOR)

    client = api_client_for_call(client_id=agency.client_id)

    assert client is not None
    [latest] = client.latest_order_versions  # type: ignore[attr-defined]
    assert (latest.state, latest.number) == ("suspended", 2)


def test_of_several_orders_each_latest_version_comes_newest_order_first(agency: OnboardedAgency) -> None:
    first = processing_order_create(
        agency=Agency.objects.get(pk=agency.agency_id), components=["dosis"], actor=TEST_ACTOR
    )
    successor = first.order
    processing_order_change(order=successor, actor=TEST_ACTOR, note="tweede versie", legal_basis="Decreet")

    client = api_client_for_call(client_id=agency.client_id)

    assert client is not None
    latest = client.latest_order_versions  # type: ignore[attr-defined]
    assert [(v.order_id, v.number) for v in latest] == [(successor.pk, 2), (agency.order_id, 1)]


def test_an_inactive_or_unknown_client_is_not_found(agency: OnboardedAgency) -> None:
    ApiClient.objects.filter(client_id=agency.client_id).update(is_active=False)

    assert api_client_for_call(client_id=agency.client_id) is None
    assert api_client_for_call(client_id="bp-onbekend") is None


def test_an_agency_without_any_order_finds_its_client_and_is_refused_no_order(
    client: Client, agency: OnboardedAgency
) -> None:
    headers = bearer(client, agency)
    ProcessingOrderVersion.objects.filter(order__agency_id=agency.agency_id).delete()
    ProcessingOrder.objects.filter(agency_id=agency.agency_id).delete()

    found = api_client_for_call(client_id=agency.client_id)
    response = client.get("/api/v1/me", **headers)

    assert found is not None and found.client_id == agency.client_id
    assert found.latest_order_versions == []  # type: ignore[attr-defined]
    assert response.status_code == 403, response.content
    body: dict[str, Any] = response.json()
    assert body["reason"] == "no-order"
