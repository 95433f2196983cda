"""Delivery: retries with backoff until the receiver is back, no retry on 4xx, dead letters after the
window, per-object order, at least once, and the SSRF guard at every delivery."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.tests.http_peer import Answer, HttpPeer, Recorded, Resolver
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency
from burgerprofiel.notifications.tests.peers import free_port
from burgerprofiel.webhooks.dispatch import backoff, deliveries_claim, delivery_send, webhook_deliveries_dispatch
from burgerprofiel.webhooks.events import EventType
from burgerprofiel.webhooks.models import Delivery, DeliveryStatus, Endpoint, Event
from burgerprofiel.webhooks.services import webhook_endpoint_register, webhook_event_publish

pytestmark = pytest.mark.django_db

REPORTED = EventType.FOUTMELDING_INGEDIEND
MESSAGE = EventType.FOUTMELDING_BERICHT


def register(agency: OnboardedAgency, url: str, types: list[str] | None = None) -> tuple[Endpoint, str]:
    return webhook_endpoint_register(
        agency_id=agency.agency_id, url=url, event_types=types or [REPORTED, MESSAGE], actor=TEST_ACTOR
    )


def publish(agency: OnboardedAgency, object_id: str, event_type: str = REPORTED, **data: Any) -> Event:
    with transaction.atomic():
        return webhook_event_publish(
            agency_id=agency.agency_id,
            event_type=event_type,
            object_type="foutmelding",
            object_id=object_id,
            data={"status": "Ingediend", **data},
            actor=TEST_ACTOR,
        )


def accepted_ids(peer: HttpPeer, ok: Callable[[Recorded], bool]) -> list[str]:
    return [r.headers["webhook-id"] for r in peer.requests if ok(r)]


def test_an_endpoint_down_through_several_retries_then_up_gets_each_event_once(wh_agency: OnboardedAgency) -> None:
    port = free_port()
    register(wh_agency, f"http://127.0.0.1:{port}/hooks")
    events = [publish(wh_agency, f"melding-{i}") for i in range(3)]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert webhook_deliveries_dispatch() == {"delivered": 0, "retry": 3, "failed": 0}  # nothing listens
        clock.shift(dt.timedelta(hours=1))
        assert webhook_deliveries_dispatch()["retry"] == 3
        peer = HttpPeer(port=port).start()  # the receiver comes up, but answers 503 at first
        try:
            peer.script.extend([Answer(503)] * 3)
            clock.shift(dt.timedelta(hours=1))
            assert webhook_deliveries_dispatch()["retry"] == 3
            assert webhook_deliveries_dispatch()["delivered"] == 0  # not due yet: backoff
            clock.shift(dt.timedelta(hours=1))
            assert webhook_deliveries_dispatch()["delivered"] == 3
            clock.shift(dt.timedelta(days=2))
            assert webhook_deliveries_dispatch()["delivered"] == 0  # delivered is final
        finally:
            peer.stop()
    assert len(peer.requests) == 6
    delivered = sorted(accepted_ids(peer, lambda r: True)[3:])
    assert delivered == sorted(str(e.event_id) for e in events)  # each event once, by its id
    assert set(Delivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.DELIVERED, 4)}


def test_a_4xx_answer_is_never_retried_and_becomes_a_dead_letter(
    wh_agency: OnboardedAgency, receiver: HttpPeer
) -> None:
    receiver.default = Answer(400, b'{"error": "unknown field"}')
    register(wh_agency, receiver.url("/hooks"))
    publish(wh_agency, "melding-1")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert webhook_deliveries_dispatch() == {"delivered": 0, "retry": 0, "failed": 1}
        clock.shift(dt.timedelta(days=2))
        webhook_deliveries_dispatch()
    assert len(receiver.requests) == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.FAILED, 1, 400)
    dead = AuditEvent.objects.get(action="webhook_delivery.dead_lettered")
    assert (dead.agency_id, dead.object_id) == (wh_agency.agency_id, str(delivery.uuid))
    assert dead.detail["status_code"] == 400


def test_410_gone_disables_the_endpoint_and_dead_letters_what_was_still_open(
    wh_agency: OnboardedAgency, receiver: HttpPeer, settings: Any
) -> None:
    settings.WEBHOOKS_BATCH_SIZE = 1
    receiver.default = Answer(410)
    endpoint, _ = register(wh_agency, receiver.url("/hooks"))
    publish(wh_agency, "melding-1")
    publish(wh_agency, "melding-2")
    webhook_deliveries_dispatch()
    endpoint.refresh_from_db()
    assert endpoint.state == Endpoint.State.DISABLED
    assert len(receiver.requests) == 1  # the second was not sent to an endpoint that is gone
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    assert AuditEvent.objects.filter(action="webhook_endpoint.disabled", object_id=str(endpoint.pk)).exists()
    publish(wh_agency, "melding-3")
    assert Delivery.objects.count() == 2  # a disabled endpoint gets nothing new


def test_server_errors_are_retried_for_24_hours_then_dead_lettered(
    wh_agency: OnboardedAgency, receiver: HttpPeer
) -> None:
    receiver.default = Answer(500)
    register(wh_agency, receiver.url("/hooks"))
    publish(wh_agency, "melding-1")
    started = timezone.now()
    with time_machine.travel(started, tick=False) as clock:
        for _ in range(30):  # hourly: the longest backoff is an hour
            webhook_deliveries_dispatch()
            clock.shift(dt.timedelta(hours=1))
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.failed_at is not None and delivery.failed_at - started >= dt.timedelta(hours=24)
    assert delivery.attempts == len(receiver.requests) > 20
    assert "retries exhausted" in delivery.last_error
    assert AuditEvent.objects.filter(action="webhook_delivery.dead_lettered", object_id=str(delivery.uuid)).exists()


def test_backoff_doubles_up_to_its_ceiling_with_jitter(settings: Any) -> None:
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 10
    settings.WEBHOOKS_RETRY_MAX_SECONDS = 3600
    for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (8, 1280), (9, 2560), (10, 3600), (30, 3600)]:
        waits = {backoff(attempts).total_seconds() for _ in range(50)}
        assert all(ceiling / 2 <= w <= ceiling for w in waits), (attempts, waits)
        assert len(waits) > 1  # jittered


def test_a_later_event_of_an_object_waits_while_an_earlier_one_is_retrying(
    wh_agency: OnboardedAgency, receiver: HttpPeer
) -> None:
    failed_once: list[str] = []

    def answer(recorded: Recorded) -> Answer:
        body = json.loads(recorded.body)
        if body["object"]["id"] == "A" and body["sequence"] == 1 and not failed_once:
            failed_once.append(body["id"])
            return Answer(503)
        return Answer(204)

    receiver.answer = answer
    register(wh_agency, receiver.url("/hooks"))
    a1 = publish(wh_agency, "A")
    a2 = publish(wh_agency, "A", MESSAGE, bericht="Het adres klopt nog steeds niet")
    b1 = publish(wh_agency, "B")
    assert (a1.sequence, a2.sequence, b1.sequence) == (1, 2, 1)

    def sent() -> list[tuple[str, int]]:
        return [(json.loads(r.body)["object"]["id"], json.loads(r.body)["sequence"]) for r in receiver.requests]

    with time_machine.travel(timezone.now(), tick=False) as clock:
        webhook_deliveries_dispatch()
        assert sorted(sent()) == [("A", 1), ("B", 1)]  # A's second event held back
        webhook_deliveries_dispatch()
        assert ("A", 2) not in sent()  # still held: A's first is retrying
        clock.shift(dt.timedelta(minutes=5))
        webhook_deliveries_dispatch()
    a_events = [s for s in sent() if s[0] == "A"]
    assert a_events == [("A", 1), ("A", 1), ("A", 2)]
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_a_worker_that_dies_after_sending_leaves_the_delivery_to_be_sent_again_with_the_same_id(
    wh_agency: OnboardedAgency, receiver: HttpPeer
) -> None:
    import httpx

    register(wh_agency, receiver.url("/hooks"))
    event = publish(wh_agency, "melding-1")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        claimed = deliveries_claim(worker="dies", limit=10)
        with httpx.Client() as client:
            delivery_send(client, claimed[0])  # on the wire; the worker dies before recording it
        assert webhook_deliveries_dispatch()["delivered"] == 0  # leased to the dead worker
        clock.shift(dt.timedelta(minutes=3))  # the lease runs out
        assert webhook_deliveries_dispatch()["delivered"] == 1
    assert accepted_ids(receiver, lambda r: True) == [str(event.event_id)] * 2  # at least once, one id


def test_a_name_that_rebinds_to_an_internal_address_after_registration_is_not_delivered_to(
    wh_agency: OnboardedAgency, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.PULL_PRIVATE_ALLOWLIST = ["127.0.0.1/32"]  # 127.0.0.1 stands for public, 127.0.0.2 for inside
    public = HttpPeer(host="127.0.0.1").start()
    inside = HttpPeer(host="127.0.0.2", port=public.port).start()
    resolver = Resolver(real=socket.getaddrinfo, answers={"hooks.example": [["127.0.0.1"]]})
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    try:
        register(wh_agency, public.url("/hooks", host="hooks.example"))
        publish(wh_agency, "melding-1")
        resolver.answers["hooks.example"] = [["127.0.0.2"]]
        assert webhook_deliveries_dispatch() == {"delivered": 0, "retry": 1, "failed": 0}
    finally:
        public.stop()
        inside.stop()
    assert not inside.requests and not public.requests
    assert Delivery.objects.get().last_error.startswith("unsafe-url")


def test_a_rolled_back_act_leaves_no_event_and_sends_nothing(wh_agency: OnboardedAgency, receiver: HttpPeer) -> None:
    register(wh_agency, receiver.url("/hooks"))
    with pytest.raises(RuntimeError), transaction.atomic():
        webhook_event_publish(
            agency_id=wh_agency.agency_id,
            event_type=REPORTED,
            object_type="foutmelding",
            object_id="1",
            data={},
            actor=TEST_ACTOR,
        )
        raise RuntimeError("the act failed after publishing")
    assert not Event.objects.exists() and not Delivery.objects.exists()
    webhook_deliveries_dispatch()
    assert not receiver.requests


def test_publishing_wakes_the_dispatcher_when_the_act_commits(
    wh_agency: OnboardedAgency, receiver: HttpPeer, django_capture_on_commit_callbacks: Any
) -> None:
    register(wh_agency, receiver.url("/hooks"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publish(wh_agency, "melding-1")
        publish(wh_agency, "melding-2")
    assert len(callbacks) == 2  # one per committed act (each publish here is its own transaction)
    assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 2  # the immediate task backend ran
    assert len(receiver.requests) == 2


def test_only_endpoints_subscribed_to_the_type_get_a_delivery(
    wh_agency: OnboardedAgency, other_wh_agency: OnboardedAgency, receiver: HttpPeer
) -> None:
    reports, _ = register(wh_agency, receiver.url("/reports"), [REPORTED])
    register(wh_agency, receiver.url("/payments"), [EventType.BETALING_STATUS_GEWIJZIGD])
    register(other_wh_agency, receiver.url("/other"), [REPORTED])
    publish(wh_agency, "melding-1")
    assert list(Delivery.objects.values_list("endpoint_id", flat=True)) == [reports.pk]
    webhook_deliveries_dispatch()
    assert [r.path for r in receiver.requests] == ["/reports"]


def test_finished_deliveries_and_their_events_are_forgotten_after_the_retention_period(
    wh_agency: OnboardedAgency, receiver: HttpPeer, settings: Any
) -> None:
    from burgerprofiel.webhooks.services import webhooks_purge_expired

    settings.WEBHOOKS_RETENTION_DAYS = 30
    register(wh_agency, receiver.url("/hooks"))
    publish(wh_agency, "delivered")
    webhook_deliveries_dispatch()
    receiver.default = Answer(503)
    publish(wh_agency, "still-open")
    webhook_deliveries_dispatch()
    assert webhooks_purge_expired() == {"deliveries": 0, "events": 0}
    later = timezone.now() + dt.timedelta(days=31)
    assert webhooks_purge_expired(now=later) == {"deliveries": 1, "events": 1}
    assert list(Event.objects.values_list("object_id", flat=True)) == ["still-open"]
    assert Delivery.objects.get().status == DeliveryStatus.RETRYING


def test_a_batch_is_leased_for_at_least_its_slowest_case(settings: Any) -> None:
    from burgerprofiel.webhooks.dispatch import lease_length

    settings.WEBHOOKS_LEASE_SECONDS = 120
    settings.WEBHOOKS_CONCURRENCY = 8
    settings.WEBHOOKS_TIMEOUT_SECONDS = 10
    assert lease_length(100).total_seconds() >= 13 * 10  # 13 rounds of 8, each up to the timeout
    assert lease_length(1).total_seconds() == 120


def test_nothing_is_sent_while_the_agencys_order_is_suspended_and_it_goes_out_once_resumed(
    wh_agency: OnboardedAgency, receiver: HttpPeer
) -> None:
    from burgerprofiel.agencies.models import ProcessingOrder
    from burgerprofiel.agencies.services import processing_order_resume, processing_order_suspend

    register(wh_agency, receiver.url("/hooks"))
    event = publish(wh_agency, "melding-1")
    order = ProcessingOrder.objects.get(pk=wh_agency.order_id)
    processing_order_suspend(order=order, reason="Rechtsgrond in herziening", actor=TEST_ACTOR)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert webhook_deliveries_dispatch() == {"delivered": 0, "retry": 1, "failed": 0}
        assert receiver.requests == []
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.last_error) == (DeliveryStatus.RETRYING, "order-refused: order-suspended")
        refusal = AuditEvent.objects.get(action="order_check.refused")
        assert (refusal.agency_id, refusal.detail["reason"]) == (wh_agency.agency_id, "order-suspended")
        processing_order_resume(order=order, actor=TEST_ACTOR)
        clock.shift(dt.timedelta(hours=1))
        assert webhook_deliveries_dispatch()["delivered"] == 1
    assert accepted_ids(receiver, lambda r: True) == [str(event.event_id)]
