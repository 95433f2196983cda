"""The webhooks API: endpoints per event type (order-checked, SSRF-guarded), deliveries and dead
letters, the events feed with the same bodies, and tenants that never see each other."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from burgerprofiel.api.tests.helpers import assert_problem
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.tests.http_peer import Answer, HttpPeer
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, bearer, make_agency
from burgerprofiel.webhooks.dispatch import webhook_deliveries_dispatch
from burgerprofiel.webhooks.events import EventType
from burgerprofiel.webhooks.models import Delivery, DeliveryStatus, Endpoint
from burgerprofiel.webhooks.services import webhook_event_publish

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhooks/endpoints"
DELIVERIES = "/api/v1/webhooks/deliveries"
EVENTS = "/api/v1/events"
REPORTED = EventType.FOUTMELDING_INGEDIEND.value


def _post(client: Client, headers: dict[str, str], url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def _register(client: Client, headers: dict[str, str], url: str, types: list[str] | None = None) -> Any:
    return _post(client, headers, ENDPOINTS, {"url": url, "event_types": types or [REPORTED]})


def _publish(agency: OnboardedAgency, object_id: str, event_type: str = REPORTED, **data: Any) -> None:
    with transaction.atomic():
        webhook_event_publish(
            agency_id=agency.agency_id,
            event_type=event_type,
            object_type="foutmelding",
            object_id=object_id,
            data=data,
            actor=TEST_ACTOR,
        )


def test_an_endpoint_is_registered_with_its_secret_shown_once(
    client: Client, wh_agency: OnboardedAgency, wh_headers: dict[str, str], receiver: HttpPeer
) -> None:
    response = _register(client, wh_headers, receiver.url("/hooks"), [REPORTED, "betaling.status_gewijzigd"])
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == [REPORTED, "betaling.status_gewijzigd"]
    listed = client.get(ENDPOINTS, **wh_headers).json()
    assert [e["id"] for e in listed] == [created["id"]]
    assert "secret" not in listed[0]
    shown = client.get(f"{ENDPOINTS}/{created['id']}", **wh_headers).json()
    assert "secret" not in shown and shown["url"] == receiver.url("/hooks")
    registered = AuditEvent.objects.get(action="webhook_endpoint.registered")
    assert (registered.agency_id, registered.object_id) == (wh_agency.agency_id, created["id"])
    assert created["secret"] not in json.dumps(registered.detail)


def test_subscribing_to_an_event_of_a_component_the_order_lacks_is_refused(
    client: Client, receiver: HttpPeer, db: Any
) -> None:
    agency = make_agency(components="foutmeldingen")
    headers = bearer(client, agency)
    response = _register(client, headers, receiver.url("/hooks"), [REPORTED, "aanvraag.ingediend"])
    body = assert_problem(response, 403, "component-not-ordered")
    assert body["component"] == "aanvragen"
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "https://10.0.0.7/hooks",
        "https://[64:ff9b::a9fe:a9fe]/hooks",
        "https://[::ffff:192.168.1.1]/hooks",
        "https://[2002:c0a8:101::1]/hooks",
        "https://does-not-exist.invalid/hooks",
        # Addresses urlsplit itself refuses (ValueError): a bracket without its pair, and a character that
        # NFKC turns into '/'. Found by schemathesis as a 500.
        "http://j\U0003e595\u00f4[\uaf3d\u0091\u00b6z\u00be\u00ed",
        "https://hooks\uff0fagency.example/hooks",
    ],
)
def test_an_endpoint_in_a_private_range_is_refused_with_422_naming_the_url(
    client: Client, wh_headers: dict[str, str], url: str, settings: Any
) -> None:
    settings.PULL_PRIVATE_ALLOWLIST = []
    body = assert_problem(_register(client, wh_headers, url), 422, "unsafe-url")
    assert body["errors"][0]["field"] == "url"
    assert not Endpoint.objects.exists()


def test_plain_http_outside_the_allowlist_is_refused(
    client: Client, wh_headers: dict[str, str], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from burgerprofiel.common.tests.http_peer import Resolver

    monkeypatch.setattr(
        socket, "getaddrinfo", Resolver(real=socket.getaddrinfo, answers={"agency.example": [["8.8.8.8"]]})
    )
    body = assert_problem(_register(client, wh_headers, "http://agency.example/hooks"), 422, "unsafe-url")
    assert body["errors"][0]["field"] == "url" and "https" in body["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "https://x.example/h", "event_types": []}, "event_types"),
        ({"url": "https://x.example/h", "event_types": ["foutmelding.onbekend"]}, "event_types.0"),
        ({"url": "ftp://x.example/h", "event_types": [REPORTED]}, "url"),
        ({"url": "https://user:pw@x.example/h", "event_types": [REPORTED]}, "url"),
        ({"url": "https://x.example/h", "event_types": [REPORTED], "secret": "mine"}, "secret"),
    ],
)
def test_malformed_registrations_are_refused_with_the_field_named(
    client: Client, wh_headers: dict[str, str], payload: dict[str, Any], field: str
) -> None:
    body = assert_problem(_post(client, wh_headers, ENDPOINTS, payload), 422, "validation-error")
    assert field in [e["field"] for e in body["errors"]]


def test_another_agencys_endpoint_delivery_and_events_answer_404_or_stay_out_of_sight(
    client: Client,
    wh_agency: OnboardedAgency,
    other_wh_agency: OnboardedAgency,
    wh_headers: dict[str, str],
    receiver: HttpPeer,
) -> None:
    receiver.default = Answer(400)
    endpoint_id = _register(client, wh_headers, receiver.url("/hooks")).json()["id"]
    _publish(wh_agency, "melding-1", gegeven="domicilie")
    webhook_deliveries_dispatch()
    delivery = Delivery.objects.get()
    other = bearer(client, other_wh_agency)

    assert_problem(client.get(f"{ENDPOINTS}/{endpoint_id}", **other), 404, "not-found")
    assert_problem(client.delete(f"{ENDPOINTS}/{endpoint_id}", **other), 404, "not-found")
    assert_problem(_post(client, other, f"{ENDPOINTS}/{endpoint_id}/secret-rotation", {}), 404, "not-found")
    assert_problem(_post(client, other, f"{DELIVERIES}/{delivery.uuid}/replay", {}), 404, "not-found")
    assert client.get(ENDPOINTS, **other).json() == []
    assert client.get(DELIVERIES, **other).json()["deliveries"] == []
    assert client.get(EVENTS, **other).json()["events"] == []
    assert Endpoint.objects.get().state == Endpoint.State.ACTIVE
    assert Delivery.objects.get().status == DeliveryStatus.FAILED


def test_dead_letters_are_listed_and_can_be_replayed_by_the_agency(
    client: Client, wh_agency: OnboardedAgency, wh_headers: dict[str, str], receiver: HttpPeer
) -> None:
    receiver.script.append(Answer(422))
    _register(client, wh_headers, receiver.url("/hooks"))
    _publish(wh_agency, "melding-1")
    _publish(wh_agency, "melding-2")
    webhook_deliveries_dispatch()
    failed = client.get(f"{DELIVERIES}?status=failed", **wh_headers).json()["deliveries"]
    assert len(failed) == 1
    assert (failed[0]["status"], failed[0]["last_status_code"], failed[0]["attempts"]) == ("failed", 422, 1)
    assert len(client.get(DELIVERIES, **wh_headers).json()["deliveries"]) == 2

    replayed = _post(client, wh_headers, f"{DELIVERIES}/{failed[0]['id']}/replay", {})
    assert replayed.status_code == 202 and replayed.json()["status"] == "pending"
    assert_problem(_post(client, wh_headers, f"{DELIVERIES}/{failed[0]['id']}/replay", {}), 409, "conflict")
    webhook_deliveries_dispatch()
    assert client.get(f"{DELIVERIES}?status=failed", **wh_headers).json()["deliveries"] == []
    event = AuditEvent.objects.get(action="webhook_delivery.replayed")
    assert (event.object_id, event.actor_type) == (failed[0]["id"], "agency_client")


def test_the_feed_returns_exactly_the_bodies_the_deliveries_sent_in_order(
    client: Client, wh_agency: OnboardedAgency, wh_headers: dict[str, str], receiver: HttpPeer
) -> None:
    _register(client, wh_headers, receiver.url("/hooks"), [REPORTED, "foutmelding.bericht"])
    _publish(wh_agency, "melding-1", gegeven="domicilie", toelichting="Ik woon in Gent.")
    _publish(wh_agency, "melding-1", "foutmelding.bericht", bericht="Sinds 1 maart.")
    _publish(wh_agency, "melding-2", gegeven="gezinssamenstelling")
    webhook_deliveries_dispatch()
    sent = {json.loads(r.body)["id"]: json.loads(r.body) for r in receiver.requests}

    first = client.get(f"{EVENTS}?limit=2", **wh_headers).json()
    assert first["has_more"] is True
    rest = client.get(f"{EVENTS}?after={first['next']}", **wh_headers).json()
    assert rest["has_more"] is False
    feed = first["events"] + rest["events"]
    assert feed == [sent[event["id"]] for event in feed]  # the same bodies
    assert [(e["object"]["id"], e["sequence"]) for e in feed] == [("melding-1", 1), ("melding-1", 2), ("melding-2", 1)]
    assert feed[0]["time"].endswith("Z") and feed[0]["data"]["toelichting"] == "Ik woon in Gent."
    assert client.get(f"{EVENTS}?after={rest['next']}", **wh_headers).json()["events"] == []
    read = AuditEvent.objects.filter(action="webhook_events.read")
    assert sum(e.detail["count"] for e in read) == 3


def test_the_feed_holds_every_event_even_without_an_endpoint(
    client: Client, wh_agency: OnboardedAgency, wh_headers: dict[str, str]
) -> None:
    _publish(wh_agency, "melding-1")
    assert not Delivery.objects.exists()
    assert [e["type"] for e in client.get(EVENTS, **wh_headers).json()["events"]] == [REPORTED]


def test_the_feed_shows_only_event_types_of_components_the_order_allows_now(client: Client, db: Any) -> None:
    agency = make_agency(components="foutmeldingen")
    headers = bearer(client, agency)
    _publish(agency, "melding-1")
    _publish(agency, "betaling-1", "betaling.status_gewijzigd", status="success")
    assert [e["type"] for e in client.get(EVENTS, **headers).json()["events"]] == [REPORTED]


def test_an_unknown_cursor_is_refused_with_422_naming_after(client: Client, wh_headers: dict[str, str]) -> None:
    body = assert_problem(client.get(f"{EVENTS}?after=bm9wZQ", **wh_headers), 422, "validation-error")
    assert body["errors"][0]["field"] == "after"


def test_deleting_an_endpoint_cancels_its_open_deliveries(
    client: Client, wh_agency: OnboardedAgency, wh_headers: dict[str, str], receiver: HttpPeer
) -> None:
    endpoint_id = _register(client, wh_headers, receiver.url("/hooks")).json()["id"]
    _publish(wh_agency, "melding-1")
    response = client.delete(f"{ENDPOINTS}/{endpoint_id}", **wh_headers)
    assert response.status_code == 204
    assert_problem(client.get(f"{ENDPOINTS}/{endpoint_id}", **wh_headers), 404, "not-found")
    webhook_deliveries_dispatch()
    assert not receiver.requests
    assert Delivery.objects.get().status == DeliveryStatus.CANCELLED
    assert AuditEvent.objects.filter(action="webhook_endpoint.deleted", object_id=endpoint_id).exists()


def test_the_secret_is_rotated_through_the_api_with_an_overlap(
    client: Client, wh_headers: dict[str, str], receiver: HttpPeer
) -> None:
    created = _register(client, wh_headers, receiver.url("/hooks")).json()
    url = f"{ENDPOINTS}/{created['id']}/secret-rotation"
    rotated = _post(client, wh_headers, url, {"overlap_seconds": 600})
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != created["secret"]
    assert rotated.json()["previous_secret_until"] is not None
    assert_problem(_post(client, wh_headers, url, {"overlap_seconds": 10**9}), 422, "validation-error")
    assert AuditEvent.objects.filter(action="webhook_endpoint.secret_rotated").count() == 1


def test_an_unknown_endpoint_id_answers_404(client: Client, wh_headers: dict[str, str]) -> None:
    assert_problem(client.get(f"{ENDPOINTS}/{uuid.uuid4()}", **wh_headers), 404, "not-found")
