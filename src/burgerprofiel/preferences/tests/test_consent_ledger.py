"""Consent is explicit and provable: every grant and withdrawal is in an append-only ledger."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError, transaction
from django.test import Client

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.agencies.services import processing_order_change
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conftest import TEST_ACTOR, bearer, login_citizen, make_agency
from burgerprofiel.notifications.tests.factories import INSZ, PRODUCT, citizen_with_contact, consent
from burgerprofiel.preferences import consent_texts
from burgerprofiel.preferences.models import Consent, ConsentEvent

pytestmark = pytest.mark.django_db


def _portal_consent(portal: Client, agency_id: int, granted: bool, version: str = consent_texts.CURRENT_VERSION):
    return portal.post(
        "/contactvoorkeuren/toestemming",
        {
            "agency": agency_id,
            "ipdc_product": PRODUCT,
            "channel": "email",
            "granted": "1" if granted else "0",
            "text_version": version,
        },
    )


def _lookup(client: Client, insz: str, headers: dict[str, str]):
    return client.post(
        "/api/v1/preferences/lookup", json.dumps({"insz": insz}), content_type="application/json", **headers
    )


@pytest.fixture
def prefs_agency(db):
    return make_agency(name="Agentschap Opgroeien", kbo="0316380841", components="notificaties,contactvoorkeuren")


def test_grant_withdraw_and_grant_again_are_three_ledger_entries_with_their_text_versions(client, prefs_agency):
    portal = Client()
    citizen = login_citizen(portal, INSZ)
    for granted in (True, False, True):
        assert _portal_consent(portal, prefs_agency.agency_id, granted).status_code == 302
    ledger = list(ConsentEvent.objects.filter(citizen=citizen))
    assert [e.action for e in ledger] == ["granted", "withdrawn", "granted"]
    assert {e.text_version for e in ledger} == {consent_texts.CURRENT_VERSION}
    assert {e.text_sha256 for e in ledger} == {consent_texts.consent_text_sha256(consent_texts.CURRENT_VERSION)}
    assert Consent.objects.get(citizen=citizen).granted is True
    assert AuditEvent.objects.filter(action__startswith="preferences.consent_").count() == 3

    body = _lookup(client, INSZ, bearer(client, prefs_agency)).json()
    assert [(e["action"], e["text_version"], e["method"]) for e in body["ledger"]] == [
        ("granted", consent_texts.CURRENT_VERSION, "portal"),
        ("withdrawn", consent_texts.CURRENT_VERSION, "portal"),
        ("granted", consent_texts.CURRENT_VERSION, "portal"),
    ]
    page = portal.get("/contactvoorkeuren").content.decode()
    assert page.count("tekstversie " + consent_texts.CURRENT_VERSION) == 3


def test_the_ledger_refuses_to_be_rewritten(prefs_agency):
    citizen = citizen_with_contact()
    consent(citizen, prefs_agency.agency_id, "email")
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentEvent.objects.update(action="withdrawn")
    assert ConsentEvent.objects.get().action == "granted"


def test_an_unknown_text_version_is_refused_and_nothing_is_recorded(prefs_agency):
    portal = Client()
    citizen = login_citizen(portal, INSZ)
    response = _portal_consent(portal, prefs_agency.agency_id, True, version="bedacht-v9")
    assert response.status_code == 302
    assert ConsentEvent.objects.filter(citizen=citizen).count() == 0
    assert Consent.objects.count() == 0


def test_an_agency_sees_only_its_own_consents_and_contact_data(client, prefs_agency):
    other = make_agency(name="Departement Mobiliteit", kbo="0887010362", components="notificaties,contactvoorkeuren")
    citizen = citizen_with_contact(email="burger@example.org", mobile="+32470123456")
    consent(citizen, other.agency_id, "email")
    consent(citizen, other.agency_id, "sms")

    own = _lookup(client, INSZ, bearer(client, prefs_agency)).json()
    assert own["consents"] == [] and own["ledger"] == []
    assert own["email"] is None and own["mobile"] is None  # no consent for this agency: no address

    theirs = _lookup(client, INSZ, bearer(client, other)).json()
    assert {c["channel"] for c in theirs["consents"]} == {"email", "sms"}
    assert theirs["email"] == "burger@example.org" and theirs["mobile"] == "+32470123456"
    assert AuditEvent.objects.filter(action="preferences.read_by_agency").count() == 2


def test_the_iban_is_shown_only_when_the_order_allows_the_rekeningnummer_category(client, prefs_agency):
    from burgerprofiel.preferences.services import iban_set
    from burgerprofiel.preferences.tests.test_iban_consent import iban_consent

    citizen = citizen_with_contact()
    iban_set(citizen=citizen, iban="BE68 5390 0754 7034", actor=TEST_ACTOR)
    iban_consent(citizen, prefs_agency.agency_id)
    headers = bearer(client, prefs_agency)
    assert _lookup(client, INSZ, headers).json()["iban"] == "BE68539007547034"

    order = ProcessingOrder.objects.get(pk=prefs_agency.order_id)
    categories = dict(order.current.data_categories)
    categories["contactvoorkeuren"] = [c for c in categories["contactvoorkeuren"] if c != "rekeningnummer"]
    processing_order_change(order=order, actor=TEST_ACTOR, note="zonder IBAN", data_categories=categories)
    assert _lookup(client, INSZ, headers).json()["iban"] is None


def test_an_agency_without_contactvoorkeuren_gets_403(client, agency):
    response = _lookup(client, INSZ, bearer(client, agency))
    assert response.status_code == 403
    assert response.json()["type"].endswith("component-not-ordered")


def test_an_invalid_insz_is_refused_with_422(client, prefs_agency):
    response = _lookup(client, "12345678901", bearer(client, prefs_agency))
    assert response.status_code == 422
