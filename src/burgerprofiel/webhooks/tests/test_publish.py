"""Publishing: the event body, numbering per object and per agency, and the outbox under concurrency."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import pytest
from django.db import connection, transaction

from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency
from burgerprofiel.webhooks.events import EventType
from burgerprofiel.webhooks.models import Event
from burgerprofiel.webhooks.services import webhook_event_publish
from burgerprofiel.webhooks.tests.support import make_webhook_agency


def _publish(agency_id: int, object_id: str, **data: Any) -> Event:
    with transaction.atomic():
        return webhook_event_publish(
            agency_id=agency_id,
            event_type=EventType.AANVRAAG_INGEDIEND,
            object_type="aanvraag",
            object_id=object_id,
            data=data,
            actor=TEST_ACTOR,
        )


@pytest.mark.django_db
def test_the_body_carries_id_type_time_object_sequence_and_data(wh_agency: OnboardedAgency) -> None:
    event = _publish(wh_agency.agency_id, "aanvraag-7", formulier={"reden": "verhuis"})
    body = json.loads(event.body)
    assert list(body) == ["id", "type", "time", "object", "sequence", "data"]
    assert body["id"] == str(event.event_id) and body["type"] == "aanvraag.ingediend"
    assert dt.datetime.fromisoformat(body["time"]) == event.occurred_at and body["time"].endswith("Z")
    assert body["object"] == {"type": "aanvraag", "id": "aanvraag-7"}
    assert (body["sequence"], body["data"]) == (1, {"formulier": {"reden": "verhuis"}})


@pytest.mark.django_db
def test_sequences_count_per_object_and_positions_per_agency(
    wh_agency: OnboardedAgency, other_wh_agency: OnboardedAgency
) -> None:
    published = [
        _publish(wh_agency.agency_id, "a"),
        _publish(wh_agency.agency_id, "b"),
        _publish(wh_agency.agency_id, "a"),
        _publish(other_wh_agency.agency_id, "a"),
    ]
    assert [(e.object_id, e.sequence, e.position) for e in published] == [
        ("a", 1, 1),
        ("b", 1, 2),
        ("a", 2, 3),
        ("a", 1, 1),  # another agency's object "a" is another object, in another stream
    ]


@pytest.mark.django_db
def test_an_undeclared_event_type_is_a_programming_error(wh_agency: OnboardedAgency) -> None:
    with pytest.raises(ValueError, match="declare it"):
        webhook_event_publish(
            agency_id=wh_agency.agency_id,
            event_type="foutmelding.verzonnen",
            object_type="foutmelding",
            object_id="1",
            data={},
            actor=TEST_ACTOR,
        )


@pytest.mark.django_db(transaction=True)
def test_concurrent_acts_number_an_object_and_the_feed_without_gaps_or_repeats() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the test database of SQLite is in memory, one writer at a time; the lock matters on PostgreSQL")
    agency_id = make_webhook_agency().agency_id
    errors: list[BaseException] = []

    def act(n: int) -> None:
        try:
            for _ in range(n):
                _publish(agency_id, "shared")
        except BaseException as exc:  # reported below; a thread must not swallow it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(10,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    rows = list(Event.objects.filter(agency_id=agency_id).order_by("position").values_list("position", "sequence"))
    assert [p for p, _ in rows] == list(range(1, 41))
    assert [s for _, s in rows] == list(range(1, 41))  # in commit order, the object's order too
