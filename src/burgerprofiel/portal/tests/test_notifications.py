"""The citizen's "Meldingen" pages: what they show and what they record."""

from __future__ import annotations

import pytest
from django.test import Client

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, login_citizen
from burgerprofiel.notifications.services import notification_create

AN = "85073003328"
pytestmark = pytest.mark.django_db


def _melding(agency: OnboardedAgency, *, insz: str = AN, product: str = "Groeipakket") -> None:
    notification_create(
        agency=Agency.objects.get(pk=agency.agency_id),
        insz=insz,
        message="Uw groeipakket wordt uitbetaald.",
        ipdc_product=product,
        actor=TEST_ACTOR,
    )


def test_the_meldingen_list_records_one_view_per_agency_whose_meldingen_it_shows(
    client: Client, agency: OnboardedAgency, other_agency: OnboardedAgency
) -> None:
    _melding(agency)
    _melding(agency, product="Kinderopvang")
    _melding(other_agency, product="Rijbewijs")
    citizen = login_citizen(client, AN)
    assert client.get("/meldingen").status_code == 200
    events = AuditEvent.objects.filter(action="notification.list_viewed")
    assert {(e.agency_id, e.detail["count"]) for e in events} == {(agency.agency_id, 2), (other_agency.agency_id, 1)}
    assert {(e.actor_type, e.actor_id) for e in events} == {("citizen", str(citizen.pk))}


def test_an_empty_meldingen_list_still_records_that_the_citizen_looked(client: Client) -> None:
    login_citizen(client, AN)
    assert "U hebt geen ongelezen meldingen." in client.get("/meldingen").content.decode()
    event = AuditEvent.objects.get(action="notification.list_viewed")
    assert event.agency_id is None and event.detail == {"count": 0}
