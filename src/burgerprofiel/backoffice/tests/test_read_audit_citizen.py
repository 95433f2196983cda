"""A staff member opening a record that belongs to one citizen shows in that citizen's "Wie bekeek mijn
gegevens" (DESIGN rule 2): the back-office read names the citizen as the event's object, as agency reads
and portal views do, and the access log says in words what was looked at, never who by name."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.tests.conftest import logged_in, make_staff
from burgerprofiel.backoffice.tests.samples import make_samples, receipt_for
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.compliance.subject_requests.models import SubjectRequest
from burgerprofiel.compliance.subject_requests.services import subject_requests_file
from burgerprofiel.conftest import TEST_ACTOR, login_citizen
from burgerprofiel.notifications.models import Delivery, DeliveryReceipt
from burgerprofiel.notifications.tests.factories import INSZ, OTHER_INSZ, citizen_with_contact, consent
from burgerprofiel.preferences.models import ConsentEvent

pytestmark = pytest.mark.django_db

ACCESS_LOG = "/wie-bekeek-mijn-gegevens"


def _last() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _access_log(insz: str, language: str = "nl") -> str:
    """The entries of the citizen's access log as the page shows them (the table, or the empty notice)."""
    client = Client()
    login_citizen(client, insz)
    client.cookies["bp_taal"] = language
    page = client.get(ACCESS_LOG).content.decode()
    start = page.find("<h1>")
    return page[start : page.find("</main>", start)]


@pytest.fixture
def scene() -> dict[str, Any]:
    onboarded = make_samples()  # one citizen (INSZ) with a consent and a melding (a delivery)
    owner = Citizen.objects.get(pk=citizen_with_contact().pk)
    subject_requests_file(
        citizen=owner,
        kind="inzage",
        agency_ids=[onboarded.agency_id],
        details="Welke gegevens hebt u over mij?",
        actor=TEST_ACTOR,
    )
    # The delivery's signed receipt (written by the dispatcher once final): it names no citizen itself.
    delivery = Delivery.objects.filter(citizen=owner).order_by("created_at").first()
    assert delivery is not None
    receipt_for(delivery)
    other = citizen_with_contact(insz=OTHER_INSZ, email="ander@example.org")
    consent(other, onboarded.agency_id, "email")
    staff = make_staff("operator", "olivia.operator")
    return {"owner": owner, "other": other, "staff": staff, "operator": logged_in(staff)}


@pytest.mark.parametrize(
    ("model", "url", "words"),
    [
        (ConsentEvent, "/backoffice/preferences/consentevent/{pk}/change/", "een toestemming die u gaf of introk"),
        (Delivery, "/backoffice/notifications/delivery/{pk}/change/", "de verzending van een melding aan u"),
        (
            DeliveryReceipt,
            "/backoffice/notifications/deliveryreceipt/{pk}/change/",
            "het ontvangstbewijs van een melding aan u",
        ),
        (SubjectRequest, "/backoffice/subject_requests/subjectrequest/{pk}/change/", "uw verzoek als betrokkene"),
    ],
)
def test_a_staff_members_look_at_one_citizens_record_shows_in_that_citizens_access_log_only(
    scene: dict[str, Any], model: Any, url: str, words: str
) -> None:
    owner, staff = scene["owner"], scene["staff"]
    owned = {"delivery__citizen": owner} if model is DeliveryReceipt else {"citizen": owner}
    record = model.objects.filter(**owned).order_by("pk").first()
    assert record is not None
    before_owner, before_other = _access_log(INSZ), _access_log(OTHER_INSZ)
    assert words not in before_owner

    since = _last()
    assert scene["operator"].get(url.format(pk=record.pk)).status_code == 200

    events = list(AuditEvent.objects.filter(pk__gt=since))
    assert len(events) == 1
    event = events[0]
    assert (event.object_type, event.object_id) == ("citizens.Citizen", str(owner.pk))
    assert (event.actor_type, event.actor_id) == ("staff", str(staff.user.pk))
    # Which record, by kind and id; no value of it.
    assert event.detail == {"record": model._meta.label, "ids": [str(record.pk)]}

    page = _access_log(INSZ)
    assert f"Een medewerker van het platform bekeek {words}" in page
    assert "Medewerker van het platform" in page
    assert staff.user.get_username() not in page and staff.user.email not in page
    english = _access_log(INSZ, "en")
    assert "A platform staff member viewed" in english and f"bekeek {words}" not in english
    assert _access_log(OTHER_INSZ) == before_other  # the other citizen's log did not change


def test_a_list_page_records_one_event_per_citizen_shown_each_seen_only_by_that_citizen(
    scene: dict[str, Any],
) -> None:
    owner, other = scene["owner"], scene["other"]
    since = _last()
    assert scene["operator"].get("/backoffice/preferences/consentevent/").status_code == 200
    events = list(AuditEvent.objects.filter(pk__gt=since).order_by("object_id"))
    shown = {
        str(c): sorted(str(pk) for pk in ConsentEvent.objects.filter(citizen_id=c).values_list("pk", flat=True))
        for c in (owner.pk, other.pk)
    }
    assert {e.object_id for e in events} == set(shown)
    for event in events:
        assert event.action == AuditAction.BACKOFFICE_CONSENTEVENT_LISTED
        assert event.object_type == "citizens.Citizen"
        assert event.detail == {"record": "preferences.ConsentEvent", "ids": shown[event.object_id]}
    assert "ander@example.org" not in json.dumps([e.detail for e in events])

    for insz in (INSZ, OTHER_INSZ):
        page = _access_log(insz)
        assert page.count("Een medewerker van het platform zag een toestemming van u in een lijst") == 1


def _insz(i: int) -> str:
    first = f"750101{100 + 2 * i:03d}"
    return f"{first}{97 - int(first) % 97:02d}"


def test_the_per_citizen_list_events_cost_the_same_queries_for_two_citizens_as_for_forty_two(
    scene: dict[str, Any],
) -> None:
    """One event per citizen shown is cheap: built in memory, written in one statement."""
    url = "/backoffice/preferences/consentevent/"
    agency_id = ConsentEvent.objects.values_list("agency_id", flat=True).first()
    queries, citizens = [], []
    for extra in (0, 40):
        for i in range(extra):
            consent(citizen_with_contact(insz=_insz(i), email=f"x{i}@example.org"), int(agency_id or 0), "email")
        since = _last()
        with CaptureQueriesContext(connection) as ctx:
            assert scene["operator"].get(url).status_code == 200
        queries.append(len(ctx))
        citizens.append(AuditEvent.objects.filter(pk__gt=since, object_type="citizens.Citizen").count())
    assert citizens == [2, 42]
    assert queries[0] == queries[1], queries
