"""Signatures as Standard Webhooks says, checked the way agencies check them: with the Python
``standardwebhooks`` package and with the npm ``standardwebhooks`` package (a node process)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.tests.http_peer import HttpPeer
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency
from burgerprofiel.webhooks.dispatch import webhook_deliveries_dispatch
from burgerprofiel.webhooks.events import EventType
from burgerprofiel.webhooks.services import (
    webhook_endpoint_register,
    webhook_endpoint_secret_rotate,
    webhook_event_publish,
)
from burgerprofiel.webhooks.signing import secret_new
from burgerprofiel.webhooks.tests.support import Case, node_verifies, python_verifies

pytestmark = pytest.mark.django_db


def _delivered(agency: OnboardedAgency, receiver: HttpPeer, object_id: str = "melding-1") -> None:
    with transaction.atomic():
        webhook_event_publish(
            agency_id=agency.agency_id,
            event_type=EventType.FOUTMELDING_INGEDIEND,
            object_type="foutmelding",
            object_id=object_id,
            data={"gegeven": "domicilie", "toelichting": "Ik woon sinds maart in Gent."},
            actor=TEST_ACTOR,
        )
    assert webhook_deliveries_dispatch()["delivered"] == 1


def _register(agency: OnboardedAgency, receiver: HttpPeer) -> tuple[str, str]:
    endpoint, secret = webhook_endpoint_register(
        agency_id=agency.agency_id,
        url=receiver.url("/hooks"),
        event_types=[EventType.FOUTMELDING_INGEDIEND],
        actor=TEST_ACTOR,
    )
    return str(endpoint.pk), secret


def test_a_delivery_verifies_with_both_libraries_and_anything_tampered_is_refused_by_both(
    wh_agency: OnboardedAgency, receiver: HttpPeer
) -> None:
    _, secret = _register(wh_agency, receiver)
    _delivered(wh_agency, receiver)
    genuine = Case.of(receiver.requests[0], secret)
    assert genuine.headers["webhook-id"] == json.loads(genuine.body)["id"]
    assert genuine.headers["webhook-signature"].startswith("v1,")

    forged_signature = Webhook(secret_new()).sign(
        msg_id=genuine.headers["webhook-id"],
        timestamp=dt.datetime.fromtimestamp(int(genuine.headers["webhook-timestamp"]), dt.UTC),
        data=genuine.body,
    )
    forged = replace(genuine, headers={**genuine.headers, "webhook-signature": forged_signature})
    changed = replace(genuine, body=genuine.body.replace("Gent", "Brugge"))
    assert changed.body != genuine.body

    assert python_verifies(genuine)
    assert not python_verifies(forged)
    assert not python_verifies(changed)
    results = node_verifies([genuine, forged, changed])
    assert [r["ok"] for r in results] == [True, False, False], results
    assert "No matching signature" in results[1]["error"]


def test_a_delivery_replayed_more_than_five_minutes_later_is_refused_by_both_libraries(
    wh_agency: OnboardedAgency, receiver: HttpPeer
) -> None:
    _, secret = _register(wh_agency, receiver)
    # The platform sent it six minutes ago (time moved back for the send only); an attacker who
    # captured it replays it now, unchanged.
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=6), tick=True):
        _delivered(wh_agency, receiver)
        captured = Case.of(receiver.requests[0], secret)
        assert python_verifies(captured)  # it was valid when it was sent
    assert not python_verifies(captured)
    result = node_verifies([captured])[0]
    assert not result["ok"] and "too old" in result["error"]


def test_during_a_rotation_both_secrets_sign_and_each_verifies_in_both_libraries(
    wh_agency: OnboardedAgency, receiver: HttpPeer
) -> None:
    endpoint_id, old = _register(wh_agency, receiver)
    endpoint, new = webhook_endpoint_secret_rotate(
        agency_id=wh_agency.agency_id, endpoint_id=endpoint_id, overlap_seconds=3600, actor=TEST_ACTOR
    )
    assert new != old and new.startswith("whsec_")
    _delivered(wh_agency, receiver, "melding-1")
    during = receiver.requests[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    cases = [Case.of(during, old), Case.of(during, new)]
    assert all(python_verifies(case) for case in cases)
    assert [r["ok"] for r in node_verifies(cases)] == [True, True]

    assert endpoint.previous_secret_until is not None
    with time_machine.travel(endpoint.previous_secret_until + dt.timedelta(seconds=1), tick=True):
        _delivered(wh_agency, receiver, "melding-2")
        after = receiver.requests[-1]
        assert len(after.headers["webhook-signature"].split(" ")) == 1
        assert python_verifies(Case.of(after, new))
        assert not python_verifies(Case.of(after, old))  # the overlap is over
    rotated = AuditEvent.objects.get(action="webhook_endpoint.secret_rotated")
    assert (rotated.object_id, rotated.detail) == (endpoint_id, {"overlap_seconds": 3600})


def test_a_rotation_without_overlap_stops_the_old_secret_at_once(
    wh_agency: OnboardedAgency, receiver: HttpPeer
) -> None:
    endpoint_id, old = _register(wh_agency, receiver)
    _, new = webhook_endpoint_secret_rotate(
        agency_id=wh_agency.agency_id, endpoint_id=endpoint_id, overlap_seconds=0, actor=TEST_ACTOR
    )
    _delivered(wh_agency, receiver)
    case = Case.of(receiver.requests[0], old)
    assert not python_verifies(case)
    assert python_verifies(replace(case, secret=new))


def test_the_secret_is_stored_encrypted_with_the_agency_key(wh_agency: OnboardedAgency, receiver: HttpPeer) -> None:
    from django.db import connection

    _, secret = _register(wh_agency, receiver)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_endpoint")  # the only endpoint
        (stored,) = cursor.fetchone()
    assert stored.startswith("bp3:") and secret not in stored
