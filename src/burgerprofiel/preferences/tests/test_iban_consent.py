"""The IBAN goes to an agency only with the citizen's explicit consent for that agency (Bijlage 1,
"Contactvoorkeuren ... met expliciete toestemming"), given in the portal and kept in the ledger."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import ValidationError
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, bearer, login_citizen, make_agency
from burgerprofiel.notifications.tests.factories import INSZ, OTHER_INSZ, citizen_with_contact
from burgerprofiel.preferences import consent_texts
from burgerprofiel.preferences.models import Consent, ConsentEvent
from burgerprofiel.preferences.services import iban_consent_set, iban_set

pytestmark = pytest.mark.django_db

IBAN = "BE68539007547034"


def iban_consent(citizen: Citizen, agency_id: int, *, granted: bool = True) -> None:
    iban_consent_set(
        citizen=citizen,
        agency=Agency.objects.get(pk=agency_id),
        granted=granted,
        text_version=consent_texts.IBAN_CURRENT_VERSION,
        method=ConsentEvent.Method.PORTAL,
        actor=TEST_ACTOR,
    )


def _lookup(client: Client, agency: OnboardedAgency, insz: str) -> Any:
    return client.post(
        "/api/v1/preferences/lookup",
        json.dumps({"insz": insz}),
        content_type="application/json",
        **bearer(client, agency),
    )


@pytest.fixture
def prefs_agency(db: Any) -> OnboardedAgency:
    return make_agency(name="Agentschap Opgroeien", kbo="0316380841", components="notificaties,contactvoorkeuren")


@pytest.fixture
def citizen_with_iban(db: Any) -> Citizen:
    citizen = citizen_with_contact()
    iban_set(citizen=citizen, iban="BE68 5390 0754 7034", actor=TEST_ACTOR)
    return citizen


def test_an_agency_without_the_citizens_iban_consent_gets_no_iban(client, prefs_agency, citizen_with_iban):
    response = _lookup(client, prefs_agency, INSZ)
    assert response.status_code == 200
    assert response.json()["iban"] is None


def test_a_citizen_who_gave_the_agency_no_consent_is_answered_exactly_like_an_unknown_insz(
    client, prefs_agency, citizen_with_iban
):
    known = _lookup(client, prefs_agency, INSZ)
    unknown = _lookup(client, prefs_agency, OTHER_INSZ)
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json() == {"email": None, "mobile": None, "iban": None, "consents": [], "ledger": []}


def test_the_iban_consent_of_one_agency_does_not_open_the_iban_to_another(client, prefs_agency, citizen_with_iban):
    other = make_agency(name="Departement Mobiliteit", kbo="0887010362", components="contactvoorkeuren")
    iban_consent(citizen_with_iban, other.agency_id)
    assert _lookup(client, other, INSZ).json()["iban"] == IBAN
    assert _lookup(client, prefs_agency, INSZ).json()["iban"] is None


def test_iban_consent_given_in_the_portal_is_in_the_ledger_and_opens_the_iban_until_withdrawn(
    client, prefs_agency, citizen_with_iban
):
    portal = Client()
    login_citizen(portal, INSZ)
    page = portal.get("/contactvoorkeuren").content.decode()
    assert "Wie mag uw rekeningnummer opvragen?" in page
    assert "Agentschap Opgroeien" in page
    assert consent_texts.consent_text(version=consent_texts.IBAN_CURRENT_VERSION, agency="Agentschap Opgroeien") in page

    def answer(granted: bool) -> None:
        response = portal.post(
            "/contactvoorkeuren/rekeningnummer/toestemming",
            {
                "agency": prefs_agency.agency_id,
                "granted": "1" if granted else "0",
                "text_version": consent_texts.IBAN_CURRENT_VERSION,
            },
        )
        assert response.status_code == 302

    answer(True)
    body = _lookup(client, prefs_agency, INSZ).json()
    assert body["iban"] == IBAN
    assert [(e["channel"], e["action"], e["text_version"]) for e in body["ledger"]] == [
        ("iban", "granted", consent_texts.IBAN_CURRENT_VERSION)
    ]
    answer(False)
    assert _lookup(client, prefs_agency, INSZ).json()["iban"] is None
    ledger = ConsentEvent.objects.filter(citizen=citizen_with_iban, channel="iban")
    assert [e.action for e in ledger] == ["granted", "withdrawn"]
    assert {e.text_sha256 for e in ledger} == {consent_texts.consent_text_sha256(consent_texts.IBAN_CURRENT_VERSION)}
    assert list(
        AuditEvent.objects.filter(action__startswith="preferences.iban_consent_").values_list("action", flat=True)
    ) == [
        "preferences.iban_consent_granted",
        "preferences.iban_consent_withdrawn",
    ]
    assert "rekeningnummer · Agentschap Opgroeien (tekstversie" in portal.get("/contactvoorkeuren").content.decode()


def test_iban_consent_needs_the_iban_text_and_a_message_consent_text_does_not_give_it(prefs_agency, citizen_with_iban):
    agency = Agency.objects.get(pk=prefs_agency.agency_id)
    with pytest.raises(ValidationError):
        iban_consent_set(
            citizen=citizen_with_iban,
            agency=agency,
            granted=True,
            text_version=consent_texts.CURRENT_VERSION,
            method=ConsentEvent.Method.PORTAL,
            actor=TEST_ACTOR,
        )
    from burgerprofiel.preferences.services import consent_set

    with pytest.raises(ValidationError):
        consent_set(
            citizen=citizen_with_iban,
            agency=agency,
            ipdc_product="Groeipakket",
            channel="iban",
            granted=True,
            text_version=consent_texts.IBAN_CURRENT_VERSION,
            method=ConsentEvent.Method.PORTAL,
            actor=TEST_ACTOR,
        )
    assert Consent.objects.count() == 0 and ConsentEvent.objects.count() == 0


def test_an_agency_whose_order_lacks_the_iban_category_is_not_offered_in_the_portal(db):
    make_agency(name="Agentschap Zonder IBAN", kbo="0316380841", components="notificaties")
    portal = Client()
    login_citizen(portal, INSZ)
    page = portal.get("/contactvoorkeuren").content.decode()
    assert "Agentschap Zonder IBAN" not in page
