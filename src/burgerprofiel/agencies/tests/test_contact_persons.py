"""Authorised contact persons (charter 3.3): kept by the operators, read by the API, and an
authorisation counts only while it runs."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from burgerprofiel.agencies.models import Agency, ContactPerson
from burgerprofiel.agencies.selectors import contact_persons_authorised
from burgerprofiel.agencies.services import contact_person_add
from burgerprofiel.api.tests.helpers import assert_problem
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.errors import ValidationError
from burgerprofiel.conftest import TEST_ACTOR

pytestmark = pytest.mark.django_db

URL = "/api/v1/contact-persons"


def _add(agency_id: int, name: str, **kwargs) -> ContactPerson:
    return contact_person_add(
        agency=Agency.objects.get(pk=agency_id),
        name=name,
        email=f"{name.lower().replace(' ', '.')}@opgroeien.be",
        role="DPO",
        actor=TEST_ACTOR,
        **kwargs,
    )


def test_an_api_client_cannot_add_an_authorised_contact_person(client, auth_headers):
    body = {"name": "Mallory", "email": "mallory@example.org", "role": "DPO"}
    response = client.post(URL, json.dumps(body), content_type="application/json", **auth_headers)
    assert_problem(response, 405, "method-not-allowed")
    assert response["Allow"] == "GET"
    assert ContactPerson.objects.count() == 0
    assert "post" not in client.get("/api/v1/openapi.json").json()["paths"][URL]


def test_the_api_lists_only_the_contact_persons_authorised_today(client, agency, auth_headers):
    today = timezone.localdate()
    _add(agency.agency_id, "An Actief", authorised_from=today - dt.timedelta(days=30))
    _add(agency.agency_id, "Tot Vandaag", authorised_from=today - dt.timedelta(days=30), authorised_until=today)
    _add(
        agency.agency_id,
        "Ex Medewerker",
        authorised_from=today - dt.timedelta(days=30),
        authorised_until=today - dt.timedelta(days=1),
    )
    _add(agency.agency_id, "Nog Niet", authorised_from=today + dt.timedelta(days=1))

    names = [p["name"] for p in client.get(URL, **auth_headers).json()]

    assert names == ["An Actief", "Tot Vandaag"]


def test_an_expired_authorisation_no_longer_counts(agency):
    today = timezone.localdate()
    person = _add(agency.agency_id, "Ex Medewerker", authorised_from=today - dt.timedelta(days=9))
    assert contact_persons_authorised(agency_id=agency.agency_id) == [person]
    ContactPerson.objects.filter(pk=person.pk).update(authorised_until=today - dt.timedelta(days=1))
    assert contact_persons_authorised(agency_id=agency.agency_id) == []
    assert not ContactPerson.objects.get(pk=person.pk).is_authorised_on(today)
    assert contact_persons_authorised(agency_id=agency.agency_id, on=today - dt.timedelta(days=2)) != []


def test_another_agencys_contact_persons_are_not_listed(client, agency, other_agency, auth_headers):
    _add(other_agency.agency_id, "Van Elders")
    assert client.get(URL, **auth_headers).json() == []


def test_an_authorisation_that_ends_before_it_starts_is_refused_and_nothing_is_stored(agency):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        _add(agency.agency_id, "Verkeerd Om", authorised_from=today, authorised_until=today - dt.timedelta(days=1))
    assert ContactPerson.objects.count() == 0


def test_an_operator_registers_a_contact_person_with_the_cli(agency):
    out = io.StringIO()
    call_command(
        "agency",
        "contact",
        "--agency", str(agency.agency_id),
        "--name", "Jan Peeters",
        "--email", "jan.peeters@opgroeien.be",
        "--role", "informatieveiligheidsconsulent",
        "--authorised-until", "2099-12-31",
        stdout=out,
    )  # fmt: skip
    result = json.loads(out.getvalue())
    person = ContactPerson.objects.get(pk=result["contact_person_id"])
    assert (person.name, person.authorised_until) == ("Jan Peeters", dt.date(2099, 12, 31))
    event = AuditEvent.objects.get(action="contact_person.added")
    assert event.actor_type == "staff" or event.actor_id.startswith("cli")
    assert "Peeters" not in json.dumps(event.detail)
