"""The back-office: dead letters visible to staff, replayable by an operator, never a secret or a body."""

from __future__ import annotations

import pytest
from django.db import transaction

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.tests.conftest import logged_in, make_staff
from burgerprofiel.common.tests.http_peer import Answer, HttpPeer
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency
from burgerprofiel.webhooks.dispatch import webhook_deliveries_dispatch
from burgerprofiel.webhooks.events import EventType
from burgerprofiel.webhooks.models import Delivery, DeliveryStatus
from burgerprofiel.webhooks.services import webhook_endpoint_register, webhook_event_publish

pytestmark = pytest.mark.django_db

CHANGELIST = "/backoffice/webhooks/delivery/"


def _dead_letter(agency: OnboardedAgency, receiver: HttpPeer) -> tuple[Delivery, str]:
    receiver.script.append(Answer(404))
    _, secret = webhook_endpoint_register(
        agency_id=agency.agency_id,
        url=receiver.url("/hooks"),
        event_types=[EventType.FOUTMELDING_INGEDIEND],
        actor=TEST_ACTOR,
    )
    with transaction.atomic():
        webhook_event_publish(
            agency_id=agency.agency_id,
            event_type=EventType.FOUTMELDING_INGEDIEND,
            object_type="foutmelding",
            object_id="melding-1",
            data={"toelichting": "Mijn adres is Kerkstraat 1"},
            actor=TEST_ACTOR,
        )
    webhook_deliveries_dispatch()
    return Delivery.objects.get(status=DeliveryStatus.FAILED), secret


def test_an_operator_sees_a_dead_letter_and_replays_it(wh_agency: OnboardedAgency, receiver: HttpPeer) -> None:
    delivery, secret = _dead_letter(wh_agency, receiver)
    operator = make_staff("operator", "olivia")
    client = logged_in(operator)
    listing = client.get(f"{CHANGELIST}?status__exact=failed").content.decode()
    assert str(delivery.uuid) in listing
    detail = client.get(f"{CHANGELIST}{delivery.pk}/change/").content.decode()
    assert "Kerkstraat" not in detail and secret not in detail  # no body, no secret
    response = client.post(CHANGELIST, {"action": "replay", "_selected_action": [delivery.pk], "index": "0"})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    replayed = AuditEvent.objects.get(action="webhook_delivery.replayed")
    assert (replayed.actor_type, replayed.actor_id) == ("staff", str(operator.user.pk))
    webhook_deliveries_dispatch()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_an_auditor_sees_dead_letters_but_cannot_replay(wh_agency: OnboardedAgency, receiver: HttpPeer) -> None:
    delivery, _ = _dead_letter(wh_agency, receiver)
    client = logged_in(make_staff("auditor", "arno"))
    page = client.get(CHANGELIST)
    assert page.status_code == 200 and str(delivery.uuid) in page.content.decode()
    client.post(CHANGELIST, {"action": "replay", "_selected_action": [delivery.pk], "index": "0"})
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert not AuditEvent.objects.filter(action="webhook_delivery.replayed").exists()
