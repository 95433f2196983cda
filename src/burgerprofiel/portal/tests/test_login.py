"""The OIDC login against the real provider (node oidc-provider), driven without a browser."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.citizens.selectors import citizen_by_insz
from burgerprofiel.conftest import login_citizen
from burgerprofiel.portal.auth import SESSION_ACR, SESSION_CITIZEN, session_unseal
from burgerprofiel.portal.oidc import SESSION_ID_TOKEN
from burgerprofiel.portal.tests.conftest import provider_login

AN = "85073003328"


def _login(client: Client, *, who: str = "an", method: str = "eid", next_url: str = "/") -> Any:
    start = client.get("/aanmelden/start", {"next": next_url})
    assert start.status_code == 302
    callback = provider_login(start["Location"], who=who, method=method)
    path = urlsplit(callback)
    return client.get(path.path, parse_qs(path.query) and {k: v[0] for k, v in parse_qs(path.query).items()})


def test_login_through_the_provider_creates_the_citizen_from_the_rrn_claim(client: Client, oidc: str) -> None:
    response = _login(client)
    assert response.status_code == 302 and response["Location"] == "/"
    citizen = citizen_by_insz(insz=AN)
    assert citizen is not None
    assert client.session[SESSION_CITIZEN] == citizen.pk
    assert client.session[SESSION_ACR] == "eid"
    page = client.get("/")
    assert "Welkom, An Peeters" in page.content.decode()
    assert AuditEvent.objects.filter(action="portal.login", object_id=str(citizen.pk)).exists()


def test_the_authorization_request_carries_pkce_state_and_nonce(client: Client, oidc: str) -> None:
    start = client.get("/aanmelden/start")
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0]
    assert "code_verifier" not in query


def test_login_rotates_the_session_key(client: Client, oidc: str) -> None:
    client.get("/aanmelden/start")
    before = client.session.session_key
    _login(client)
    assert client.session.session_key != before


def test_a_callback_with_a_forged_state_logs_nobody_in(client: Client, oidc: str) -> None:
    start = client.get("/aanmelden/start")
    callback = provider_login(start["Location"])
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    query["state"] = "forged"
    response = client.get("/oidc/callback", query)
    assert response.status_code == 400
    assert "state" in response.content.decode()
    assert SESSION_CITIZEN not in client.session


def test_logout_ends_the_session_and_sends_the_browser_to_the_provider(client: Client, oidc: str) -> None:
    _login(client)
    id_token = session_unseal(client.session[SESSION_ID_TOKEN])
    response = client.post("/afmelden")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert response["Location"].startswith(f"{oidc}/session/end")
    assert parse_qs(location.query)["id_token_hint"] == [id_token]
    assert client.get("/overzicht").status_code == 302
    assert SESSION_CITIZEN not in client.session


def test_the_stored_session_holds_neither_the_insz_nor_the_name_in_clear(client: Client, oidc: str) -> None:
    from django.contrib.sessions.models import Session

    _login(client)
    stored = Session.objects.get(session_key=client.session.session_key).get_decoded()
    flat = repr(stored)
    assert AN not in flat
    assert "Peeters" not in flat
    assert session_unseal(stored[SESSION_ID_TOKEN]).count(".") == 2  # the ID token itself, sealed


def test_logout_refuses_get(client: Client, oidc: str) -> None:
    _login(client)
    assert client.get("/afmelden").status_code == 405
    assert SESSION_CITIZEN in client.session


def test_a_page_needing_a_higher_level_sends_a_weak_session_to_step_up(client: Client, oidc: str) -> None:
    _login(client, method="sms")
    response = client.get("/attesten/1/2026/nl/download")
    assert response.status_code == 302
    assert response["Location"].startswith("/aanmelden/start?")
    assert "niveau=3" in response["Location"]
    start = client.get(response["Location"])
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["acr_values"] == ["eid itsme app"]
    assert query["prompt"] == ["login"]
    callback = provider_login(start["Location"], method="app")
    path = urlsplit(callback)
    back = client.get(path.path, {k: v[0] for k, v in parse_qs(path.query).items()})
    assert back.status_code == 302 and back["Location"] == "/attesten/1/2026/nl/download"
    assert client.session[SESSION_ACR] == "app"


def test_the_provider_offers_only_strong_enough_methods_on_step_up(client: Client, oidc: str) -> None:
    _login(client, method="sms")
    start = client.get("/aanmelden/start", {"niveau": "3", "next": "/"})
    with pytest.raises(AssertionError):  # sms is not offered, so the provider refuses it
        provider_login(start["Location"], method="sms")
    assert client.session[SESSION_ACR] == "sms"


@pytest.mark.django_db
def test_the_session_ends_after_fifteen_minutes_of_inactivity(client: Client, settings: Any) -> None:
    with time_machine.travel(time.time(), tick=False) as traveller:
        login_citizen(client, AN)
        assert client.get("/overzicht").status_code == 200
        traveller.shift(14 * 60)
        assert client.get("/overzicht").status_code == 200  # activity restarts the clock
        traveller.shift(14 * 60)
        assert client.get("/overzicht").status_code == 200
        traveller.shift(15 * 60 + 1)
        response = client.get("/overzicht")
        assert response.status_code == 302
        assert "verlopen=1" in response["Location"]
        assert SESSION_CITIZEN not in client.session


@pytest.mark.django_db
def test_the_session_ends_eight_hours_after_login_even_when_active(client: Client) -> None:
    with time_machine.travel(time.time(), tick=False) as traveller:
        login_citizen(client, AN)
        for _ in range(8 * 6 + 1):  # a request every ten minutes, until just past eight hours
            traveller.shift(10 * 60)
            if client.get("/overzicht").status_code != 200:
                break
        assert client.get("/overzicht").status_code == 302
        assert SESSION_CITIZEN not in client.session


@pytest.mark.django_db
def test_the_session_cookie_is_httponly_and_samesite(client: Client) -> None:
    login_citizen(client, AN)
    response = client.post("/taal", {"taal": "en", "next": "/"})
    assert response.cookies["bp_taal"]["httponly"]
    client.get("/overzicht")
    cookie = client.cookies["bp_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
