"""The order check (DESIGN rule 1), through the API and as a function."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.agencies.order_check import OrderRefused, order_check
from burgerprofiel.agencies.services import processing_order_change, processing_order_resume, processing_order_suspend
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conftest import TEST_ACTOR, bearer, make_agency

pytestmark = pytest.mark.django_db


def _refusal(agency_id: int, reason: str) -> AuditEvent | None:
    return AuditEvent.objects.filter(
        action="order_check.refused", outcome="refused", agency_id=agency_id, detail__reason=reason
    ).first()


def _assert_refused(response, reason: str) -> dict:
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["reason"] == reason
    assert body["type"].endswith("/" + reason)
    return body


def test_a_component_not_ordered_is_refused_naming_it_and_audited(client, agency, auth_headers):
    response = client.get("/api/v1/me/order-check?component=betalingen", **auth_headers)
    body = _assert_refused(response, "component-not-ordered")
    assert body["missing"] == ["betalingen"]
    assert "Betalingen" in body["detail"]
    event = _refusal(agency.agency_id, "component-not-ordered")
    assert event is not None
    assert event.actor_id == agency.client_id
    assert event.order_version_id is not None


def test_an_ordered_component_and_allowed_categories_pass(client, agency, auth_headers):
    response = client.get(
        "/api/v1/me/order-check?component=dosis&category=dossier_id&category=historiek", **auth_headers
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "allowed": True,
        "component": "dosis",
        "data_categories": ["dossier_id", "historiek"],
        "order_version": 1,
    }


def test_a_category_the_order_does_not_allow_is_refused_naming_it(client, agency, auth_headers):
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    processing_order_change(
        order=order,
        actor=TEST_ACTOR,
        note="zonder vrije tekst",
        data_categories={"dosis": ["sleutel", "dossier_id"], "notificaties": ["insz"]},
    )
    response = client.get(
        "/api/v1/me/order-check?component=dosis&category=dossier_id&category=vrije_tekst", **auth_headers
    )
    body = _assert_refused(response, "category-not-allowed")
    assert body["missing"] == ["vrije_tekst"]
    assert _refusal(agency.agency_id, "category-not-allowed") is not None


def test_an_order_not_yet_valid_is_refused_and_audited(client, db):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    future = make_agency(valid_from=tomorrow)
    # A token cannot even be obtained; the refusal names the start date.
    from burgerprofiel.conftest import token_with_assertion

    response = token_with_assertion(client, future)
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"
    assert _refusal(future.agency_id, "order-not-yet-valid") is not None


def test_an_expired_order_is_refused_with_a_token_issued_before_it_expired(client, agency):
    headers = bearer(client, agency)
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    processing_order_change(
        order=order,
        actor=TEST_ACTOR,
        note="afgelopen",
        valid_from=yesterday - dt.timedelta(days=30),
        valid_until=yesterday,
    )
    body = _assert_refused(client.get("/api/v1/me", **headers), "order-expired")
    assert body["valid_until"] == yesterday.isoformat()
    assert _refusal(agency.agency_id, "order-expired") is not None


def test_a_suspension_refuses_the_very_next_request_even_with_an_earlier_token(client, agency):
    headers = bearer(client, agency)
    assert client.get("/api/v1/me", **headers).status_code == 200
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    processing_order_suspend(order=order, reason="Rechtsgrond in herziening (charter 2.3)", actor=TEST_ACTOR)
    body = _assert_refused(client.get("/api/v1/me", **headers), "order-suspended")
    assert "Rechtsgrond in herziening" in body["detail"]
    event = _refusal(agency.agency_id, "order-suspended")
    assert event is not None and event.actor_id == agency.client_id
    processing_order_resume(order=order, actor=TEST_ACTOR)
    assert client.get("/api/v1/me", **headers).status_code == 200


def test_a_terminated_order_refuses_everything(client, agency):
    headers = bearer(client, agency)
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    processing_order_change(order=order, actor=TEST_ACTOR, note="einde", state="terminated", state_reason="Opgezegd")
    _assert_refused(client.get("/api/v1/me", **headers), "order-terminated")


def test_order_check_reads_only_the_callers_own_order(agency, other_agency):
    # other_agency ordered only notificaties; agency's dosis does not leak into it.
    with pytest.raises(OrderRefused) as refused:
        order_check(actor=TEST_ACTOR, agency_id=other_agency.agency_id, component="dosis")
    assert refused.value.reason == "component-not-ordered"
    assert order_check(actor=TEST_ACTOR, agency_id=agency.agency_id, component="dosis").order_id == agency.order_id


def test_order_check_on_a_given_day_respects_the_validity_window(db):
    start = dt.date(2027, 1, 1)
    later = make_agency(valid_from=start, valid_until=dt.date(2027, 12, 31))
    assert order_check(actor=TEST_ACTOR, agency_id=later.agency_id, on=dt.date(2027, 6, 1)).valid_from == start
    with pytest.raises(OrderRefused):
        order_check(actor=TEST_ACTOR, agency_id=later.agency_id, on=dt.date(2028, 1, 1))


def test_a_draft_successor_order_does_not_block_the_order_in_force(client, agency):
    from burgerprofiel.agencies.models import Agency
    from burgerprofiel.agencies.services import processing_order_create

    headers = bearer(client, agency)
    processing_order_create(
        agency=Agency.objects.get(pk=agency.agency_id), components=["dosis"], actor=TEST_ACTOR, state="draft"
    )
    response = client.get("/api/v1/me", **headers)
    assert response.status_code == 200, response.content
    assert response.json()["processing_order"]["processing_order_id"] == agency.order_id
