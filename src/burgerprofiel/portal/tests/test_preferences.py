"""The "Contactvoorkeuren" and "Meldingen" pages: verification, IBAN, CSRF, and only one's own meldingen."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from burgerprofiel.agencies.models import Agency
from burgerprofiel.conftest import TEST_ACTOR, login_citizen
from burgerprofiel.notifications.models import Delivery, Notification
from burgerprofiel.notifications.services import notification_create
from burgerprofiel.notifications.tests.factories import INSZ, OTHER_INSZ, PRODUCT
from burgerprofiel.preferences.models import ContactPreference, Verification

pytestmark = pytest.mark.django_db


def _link_token(citizen) -> str:
    delivery = Delivery.objects.filter(citizen=citizen, kind="verify_email").latest("created_at")
    return delivery.payload["url"].rsplit("/", 1)[-1]


def test_forms_are_refused_without_a_csrf_token():
    portal = Client(enforce_csrf_checks=True)
    citizen = login_citizen(portal, INSZ)
    response = portal.post("/contactvoorkeuren/rekeningnummer", {"iban": "BE68539007547034"})
    assert response.status_code == 403
    assert not ContactPreference.objects.filter(citizen=citizen, iban__isnull=False).exists()
    page = portal.get("/contactvoorkeuren")
    token = page.cookies["csrftoken"].value
    response = portal.post(
        "/contactvoorkeuren/rekeningnummer", {"iban": "BE68539007547034", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert ContactPreference.objects.get(citizen=citizen).iban == "BE68539007547034"


def test_an_invalid_iban_or_email_or_mobile_is_refused_with_a_dutch_message_and_nothing_is_stored():
    portal = Client()
    citizen = login_citizen(portal, INSZ)
    for url, data in (
        ("/contactvoorkeuren/rekeningnummer", {"iban": "BE00 0000 0000 0000"}),
        ("/contactvoorkeuren/e-mail", {"email": "geen-adres"}),
        ("/contactvoorkeuren/gsm", {"mobile": "12"}),
    ):
        response = portal.post(url, data, follow=True)
        assert "geen geldig" in response.content.decode()
    assert not ContactPreference.objects.filter(citizen=citizen).exclude(iban=None).exists()
    assert Verification.objects.count() == 0 and Delivery.objects.count() == 0


def test_the_email_link_expires():
    portal = Client()
    citizen = login_citizen(portal, INSZ)
    portal.post("/contactvoorkeuren/e-mail", {"email": "an@example.org"})
    token = _link_token(citizen)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        later = Client()  # the session itself lives only 30 minutes
        login_citizen(later, INSZ)
        response = later.post(f"/contactvoorkeuren/e-mail/bevestigen/{token}", follow=True)
    assert "verlopen" in response.content.decode()
    assert not ContactPreference.objects.filter(citizen=citizen, email_verified_at__isnull=False).exists()
    login_citizen(portal, INSZ)
    portal.post(f"/contactvoorkeuren/e-mail/bevestigen/{token}")  # within the 24 hours: confirmed
    assert ContactPreference.objects.get(citizen=citizen).email == "an@example.org"


def test_another_citizens_email_link_does_not_verify_my_address():
    owner, intruder = Client(), Client()
    citizen = login_citizen(owner, INSZ)
    login_citizen(intruder, OTHER_INSZ)
    owner.post("/contactvoorkeuren/e-mail", {"email": "an@example.org"})
    intruder.post(f"/contactvoorkeuren/e-mail/bevestigen/{_link_token(citizen)}")
    assert not ContactPreference.objects.filter(email_verified_at__isnull=False).exists()


def test_the_sms_code_allows_five_wrong_attempts_then_a_new_code_is_needed():
    portal = Client()
    citizen = login_citizen(portal, INSZ)
    portal.post("/contactvoorkeuren/gsm", {"mobile": "+32 470 12 34 56"})
    code = Delivery.objects.get(citizen=citizen, kind="verify_mobile").payload["code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        portal.post("/contactvoorkeuren/gsm/bevestigen", {"code": wrong})
    assert Verification.objects.get(citizen=citizen).attempts == 5
    portal.post("/contactvoorkeuren/gsm/bevestigen", {"code": code})
    assert not ContactPreference.objects.filter(citizen=citizen, mobile_verified_at__isnull=False).exists()


def test_meldingen_show_the_unread_count_split_active_and_passive_and_can_be_marked_read(agency):
    portal = Client()
    citizen = login_citizen(portal, INSZ)
    org = Agency.objects.get(pk=agency.agency_id)
    active = notification_create(
        agency=org,
        insz=INSZ,
        message="Bezorg uw attest",
        ipdc_product=PRODUCT,
        action_required=True,
        action_url="https://opgroeien.example/dossier/1",
        actor=TEST_ACTOR,
    )
    notification_create(agency=org, insz=INSZ, message="Ter info", ipdc_product=PRODUCT, actor=TEST_ACTOR)
    page = portal.get("/meldingen").content.decode()
    assert "U hebt 2 ongelezen meldingen." in page
    assert 'aria-label="2 ongelezen"' in page  # the count in the header
    assert page.index("Actie nodig") < page.index(str(active.pk)) < page.index("Ter informatie")
    detail = portal.get(f"/meldingen/{active.pk}").content.decode()
    assert "https://opgroeien.example/dossier/1" in detail
    assert Notification.objects.filter(citizen=citizen, read_at__isnull=True).count() == 1
    portal.post("/meldingen/alles-gelezen")
    assert Notification.objects.filter(citizen=citizen, read_at__isnull=True).count() == 0


def test_a_citizen_cannot_see_or_mark_another_citizens_melding(agency):
    portal = Client()
    login_citizen(portal, INSZ)
    theirs = notification_create(
        agency=Agency.objects.get(pk=agency.agency_id),
        insz=OTHER_INSZ,
        message="Privé",
        ipdc_product=PRODUCT,
        actor=TEST_ACTOR,
    )
    assert portal.get(f"/meldingen/{theirs.pk}").status_code == 404
    portal.post(f"/meldingen/{theirs.pk}/gelezen")
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_pages_require_a_logged_in_citizen():
    response = Client().get("/contactvoorkeuren")
    assert response.status_code == 302 and "/aanmelden" in response["Location"]


def test_verification_requests_are_limited_per_hour_and_allowed_again_later(settings):
    settings.PREFERENCES_VERIFICATIONS_PER_HOUR = 2
    portal = Client()
    login_citizen(portal, INSZ)
    for _ in range(3):
        response = portal.post("/contactvoorkeuren/e-mail", {"email": "an@example.org"}, follow=True)
    assert "Probeer het later opnieuw" in response.content.decode()
    assert Verification.objects.filter(channel="email").count() == 2
    assert Delivery.objects.count() == 2  # the refused request sent no mail
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, minutes=1)):
        later = Client()  # the first session has timed out by now (15 idle minutes)
        login_citizen(later, INSZ)
        later.post("/contactvoorkeuren/e-mail", {"email": "an@example.org"})
    assert Verification.objects.filter(channel="email").count() == 3
