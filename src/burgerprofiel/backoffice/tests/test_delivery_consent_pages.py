"""Issue 16, item 7: read-only pages for deliveries of meldingen and the consent register, without
message text, recipient or citizen."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from burgerprofiel.agencies.models import Agency
from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.notifications.models import Delivery
from burgerprofiel.notifications.services import notification_create
from burgerprofiel.notifications.tests.factories import INSZ, PRODUCT, citizen_with_contact, consent
from burgerprofiel.preferences.models import ConsentEvent

pytestmark = pytest.mark.django_db

DELIVERIES = "/backoffice/notifications/delivery/"
CONSENTS = "/backoffice/preferences/consentevent/"


@pytest.fixture
def sent(agency: Any) -> Delivery:
    org = Agency.objects.get(pk=agency.agency_id)
    consent(citizen_with_contact(email="geheim.adres@example.org"), org.pk, "email")
    notification_create(
        agency=org, insz=INSZ, message="Uw premie is goedgekeurd", ipdc_product=PRODUCT, actor=TEST_ACTOR
    )
    return Delivery.objects.get(kind=Delivery.Kind.NOTIFICATION)


@pytest.mark.parametrize("who", ["auditor_client", "operator_client"])
def test_deliveries_are_listed_and_shown_without_text_or_recipient(who: str, request: Any, sent: Delivery) -> None:
    client: Client = request.getfixturevalue(who)
    listing = client.get(DELIVERIES)
    detail = client.get(f"{DELIVERIES}{sent.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    for page in (listing.content.decode(), detail.content.decode()):
        assert "Uw premie is goedgekeurd" not in page
        assert "geheim.adres@example.org" not in page
        assert INSZ not in page
    assert "Agentschap Opgroeien" in detail.content.decode()
    assert str(sent.notification_id) in detail.content.decode()


def test_deliveries_filter_by_status_channel_and_agency(auditor_client: Client, sent: Delivery, agency: Any) -> None:
    def ids(**params: str) -> set[Any]:
        return {d.pk for d in auditor_client.get(DELIVERIES, params).context["cl"].result_list}

    assert ids(status__exact=sent.status) == {sent.pk}
    assert ids(status__exact="permanent-failure") == set()
    assert ids(channel__exact="email") == {sent.pk}
    assert ids(channel__exact="sms") == set()
    assert ids(instantie=str(agency.agency_id)) == {sent.pk}
    assert ids(instantie=str(agency.agency_id + 1000)) == set()


def test_deliveries_and_consents_cannot_be_changed(operator_client: Client, sent: Delivery) -> None:
    event = ConsentEvent.objects.get()
    assert operator_client.get(f"{DELIVERIES}add/").status_code == 403
    assert operator_client.post(f"{DELIVERIES}{sent.pk}/delete/", {"post": "yes"}).status_code == 403
    assert operator_client.post(f"{CONSENTS}{event.pk}/change/", {"action": "withdrawn"}).status_code == 403
    assert Delivery.objects.filter(pk=sent.pk).exists()


def test_the_consent_register_is_listed_with_filters_and_without_the_citizen(
    auditor_client: Client, sent: Delivery
) -> None:
    event = ConsentEvent.objects.get()
    listing = auditor_client.get(CONSENTS, {"action__exact": "granted"})
    detail = auditor_client.get(f"{CONSENTS}{event.pk}/change/").content.decode()

    assert [e.pk for e in listing.context["cl"].result_list] == [event.pk]
    assert list(auditor_client.get(CONSENTS, {"action__exact": "withdrawn"}).context["cl"].result_list) == []
    assert PRODUCT in detail
    assert event.text_sha256 in detail
    assert INSZ not in detail and "geheim.adres@example.org" not in detail


def test_receipts_are_viewable(auditor_client: Client, sent: Delivery) -> None:
    assert auditor_client.get("/backoffice/notifications/deliveryreceipt/").status_code == 200
