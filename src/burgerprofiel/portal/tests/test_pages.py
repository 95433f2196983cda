"""The portal's pages without a browser: overview, access log, language, security headers, CSRF."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.conftest import OnboardedAgency, login_citizen

AN = "85073003328"
JAN = "90022742191"
pytestmark = pytest.mark.django_db


def _read_by(agency: OnboardedAgency, citizen_pk: int, purpose: str = "Dossier opvolgen") -> None:
    audit_record(
        actor=Actor(kind="agency_client", id=agency.client_id, agency_id=agency.agency_id),
        action=AuditAction.PREFERENCES_READ_BY_AGENCY,
        target=Citizen,
        object_id=citizen_pk,
        purpose=purpose,
    )


def test_the_access_log_lists_agency_and_staff_accesses_with_agency_and_purpose(
    client: Client, agency: OnboardedAgency
) -> None:
    citizen = login_citizen(client, AN)
    _read_by(agency, citizen.pk, purpose="Groeipakket berekenen")
    audit_record(
        actor=Actor(kind="staff", id="7"),
        action=AuditAction.BACKOFFICE_AGENCY_VIEWED,
        target=citizen,
        purpose="Vraag van de burger",
    )
    page = client.get("/wie-bekeek-mijn-gegevens").content.decode()
    assert "Agentschap Opgroeien" in page
    assert "Groeipakket berekenen" in page
    assert "Systeem van de instantie" in page
    assert "Medewerker van het platform" in page and "Vraag van de burger" in page


def test_the_access_log_names_each_act_in_words_in_the_citizens_language_never_by_its_code(
    client: Client, agency: OnboardedAgency
) -> None:
    citizen = login_citizen(client, AN)
    _read_by(agency, citizen.pk)
    dutch = client.get("/wie-bekeek-mijn-gegevens").content.decode()
    assert "Contactvoorkeuren opgevraagd door de instantie" in dutch
    assert "preferences.read_by_agency" not in dutch and "portal.login" not in dutch

    client.cookies["bp_taal"] = "en"
    english = client.get("/wie-bekeek-mijn-gegevens").content.decode()
    assert "Contact preferences read by the agency" in english
    assert "preferences.read_by_agency" not in english and "Contactvoorkeuren opgevraagd" not in english


def test_the_access_log_never_shows_another_citizens_events(client: Client, agency: OnboardedAgency) -> None:
    from burgerprofiel.citizens.services import citizen_get_or_create

    other = citizen_get_or_create(insz=JAN)
    _read_by(agency, other.pk, purpose="Over iemand anders")
    login_citizen(client, AN)
    page = client.get("/wie-bekeek-mijn-gegevens").content.decode()
    assert "Over iemand anders" not in page
    assert "Nog niemand raadpleegde uw gegevens." in page


def test_the_overview_counts_accesses_of_the_last_thirty_days(client: Client, agency: OnboardedAgency) -> None:
    citizen = login_citizen(client, AN)
    for _ in range(3):
        _read_by(agency, citizen.pk)
    response = client.get("/")
    assert response.status_code == 200
    sections = {s.key: s for s in response.context["sections"]}
    assert sections["toegang"].count == 3


def test_the_welcome_page_is_shown_to_anonymous_visitors(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "Welkom bij Mijn Burgerprofiel" in response.content.decode()


def test_the_portal_speaks_dutch_even_to_an_english_browser(client: Client) -> None:
    response = client.get("/aanmelden", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert '<html lang="nl">' in response.content.decode()
    assert response["Content-Language"] == "nl"


def test_the_language_switch_gives_the_english_portal(client: Client) -> None:
    login_citizen(client, AN)
    switched = client.post("/taal", {"taal": "en", "next": "/wie-bekeek-mijn-gegevens"})
    assert switched.status_code == 302 and switched["Location"] == "/wie-bekeek-mijn-gegevens"
    page = client.get("/wie-bekeek-mijn-gegevens").content.decode()
    assert '<html lang="en">' in page
    assert "Who looked at my data" in page
    assert "Wie bekeek mijn gegevens" not in page


def test_the_language_switch_does_not_redirect_off_site(client: Client) -> None:
    response = client.post("/taal", {"taal": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize("path", ["/", "/aanmelden", "/afgemeld"])
def test_portal_pages_carry_the_security_headers(client: Client, path: str) -> None:
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_production_sends_hsts_and_uses_secure_host_only_session_cookies(tmp_path: Any) -> None:
    import base64
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("BURGERPROFIEL", "DATABASE"))}
    env.update(
        BURGERPROFIEL_PROFILE="production",
        BURGERPROFIEL_BASE_DIR=str(tmp_path),
        SECRET_KEY="x" * 50,
        KEY_ENCRYPTION_KEYS="p1:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        BLIND_INDEX_KEY="y" * 40,
        OIDC_CLIENT_SECRET="z" * 30,
        MOLLIE_API_KEY="live_" + "z" * 30,
        METRICS_TOKEN="m" * 32,
        OIDC_ISSUER="https://idp.example",
        ALLOWED_HOSTS="burgerprofiel.example",
        DATABASE_URL="sqlite:///:memory:",
        DJANGO_SETTINGS_MODULE="burgerprofiel.conf.settings",
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_NAME, s.PULL_PRIVATE_ALLOWLIST); "
        "print(s.CONTENT_SECURITY_POLICY)"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    first, csp = result.stdout.strip().splitlines()
    assert first == "63072000 True __Host-bp_session []"
    assert "form-action 'self' https://idp.example" in csp and "unsafe-inline" not in csp


def test_logout_without_a_csrf_token_is_refused(agency: OnboardedAgency) -> None:
    client = Client(enforce_csrf_checks=True)
    login_citizen(client, AN)
    response = client.post("/afmelden")
    assert response.status_code == 403
    assert client.get("/overzicht").status_code == 200


def test_every_portal_form_carries_a_csrf_token(client: Client) -> None:
    login_citizen(client, AN)
    page = client.get("/").content.decode()
    assert page.count('method="post"') == page.count('name="csrfmiddlewaretoken"') >= 2


def test_every_portal_message_has_an_english_translation() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for app in ("portal", "personal_data", "documents"):
        po = (root / app / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
        entries = re.findall(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', po, flags=re.M)
        assert len(entries) > 5
        untranslated = [i for i, s in entries[1:] if s.strip() == '""']
        assert not untranslated, f"{app}: {untranslated}"
        assert "#, fuzzy" not in po
        assert (root / app / "locale" / "en" / "LC_MESSAGES" / "django.mo").stat().st_mtime >= 0


def test_a_request_with_too_many_parameters_gets_the_portals_own_400_page(client: Client) -> None:
    # Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters; its bare 400 page said only "Bad Request".
    query = "&".join(f"p{i}=1" for i in range(1001))
    response = client.get(f"/aanmelden?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Deze aanvraag kunnen we niet lezen" in page
    assert 'class="brand"' in page  # the portal's layout
    assert response["Content-Language"] == "nl"
