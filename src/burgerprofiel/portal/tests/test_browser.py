"""The citizen's path through the portal in a real browser (Chromium), with axe on every page.

Logs in through the real OIDC provider, sees the overview, opens "Uw gegevens" with one source
down, lists and downloads a certificate, reads the access log and logs out. Screenshots of every
page go to var/test-artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from burgerprofiel.personal_data.devpeers import DemoServer, Spec
from burgerprofiel.personal_data.tests.factories import make_pull_agency, register
from burgerprofiel.portal.tests.conftest import REPO

# serialized_rollback: the flush after each test would otherwise also remove what migrations put in
# the database (the back-office roles), and every later test would run without it.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ARTIFACTS = REPO / "var" / "test-artifacts"


@pytest.fixture
def sources(live_server: Any) -> Iterator[DemoServer]:
    agency = make_pull_agency(name="Agentschap Opgroeien")
    server = DemoServer(
        {
            "gezin": Spec("uw_gegevens", "U en uw gezin"),
            "mobiliteit": Spec("uw_gegevens", "Mobiliteit", "hang"),
            "attesten": Spec("attesten", "U en uw gezin"),
        },
        jwks_url=f"{live_server.url}/oauth/jwks",
    ).start()
    register(server, "gezin", agency.agency_id, loket_url="https://www.groeipakket.be")
    register(server, "mobiliteit", agency.agency_id)
    register(server, "attesten", agency.agency_id)
    yield server
    server.stop()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"portal-{name}.png"), full_page=True)


def check(page: Page, name: str) -> None:
    """No axe violation on this page (axe runs as JavaScript in it); a screenshot as the artifact."""
    shot(page, name)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_citizen_logs_in_sees_their_data_and_certificates_and_logs_out(
    page: Page, live_server: Any, oidc: str, sources: DemoServer, tmp_path: Path
) -> None:
    page.goto(live_server.url + "/")
    check(page, "welkom")
    page.get_by_role("link", name="Aanmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden bij Mijn Burgerprofiel")
    check(page, "aanmelden")
    page.get_by_role("link", name="Aanmelden met de digitale sleutel").click()

    # The provider's own login page (not ours): choose a demo citizen and eID.
    expect(page).to_have_url(re.compile(re.escape(f"{oidc}/interaction/")))
    page.get_by_label("An Peeters").check()
    page.get_by_label("eID-kaartlezer").check()
    page.get_by_role("button", name="Aanmelden").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, An Peeters")
    expect(page.get_by_role("heading", name="Wat vraagt uw aandacht")).to_be_visible()
    check(page, "overzicht")

    # One source hangs: the page still comes, with that source's part marked unavailable (no
    # wall-clock bound here; the pull's own tests check that the timeout is applied).
    page.get_by_role("navigation").get_by_role("link", name="Uw gegevens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw gegevens")
    expect(page.get_by_text("Gezinssamenstelling")).to_be_visible()
    expect(page.get_by_text("Tijdelijk niet beschikbaar.")).to_be_visible()
    expect(page.get_by_role("link", name="Naar het loket van Agentschap Opgroeien")).to_have_attribute(
        "href", "https://www.groeipakket.be"
    )
    check(page, "uw-gegevens")

    page.get_by_role("navigation").get_by_role("link", name="Attesten").click()
    expect(page.get_by_role("cell", name="Attest van woonst", exact=True)).to_be_visible()
    check(page, "attesten")
    page.get_by_label("Zoek op titel").fill("woonst")
    page.get_by_role("button", name="Filteren").click()  # htmx swaps the results in place
    expect(page.get_by_role("cell", name="Attest gezinssamenstelling", exact=True)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/attesten\?zoek=woonst"))
    with page.expect_download() as info:
        page.get_by_role("link", name="Download Attest van woonst (PDF)").click()
    download = info.value
    assert download.suggested_filename == "attest-agentschap-opgroeien-2025-nl.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")

    page.get_by_role("navigation").get_by_role("link", name="Wie bekeek mijn gegevens").click()
    expect(page.get_by_role("cell", name="Attest gedownload")).to_be_visible()
    expect(page.get_by_role("cell", name="Uw gegevens opgevraagd bij de bron").first).to_be_visible()
    expect(page.get_by_role("cell", name="Agentschap Opgroeien").first).to_be_visible()
    check(page, "wie-bekeek-mijn-gegevens")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who looked at my data")
    check(page, "access-log-en")
    page.get_by_role("button", name="Nederlands").click()

    page.get_by_role("button", name="Afmelden").click()
    page.get_by_role("button", name="Ja, afmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("U bent afgemeld")
    check(page, "afgemeld")
    page.goto(live_server.url + "/overzicht")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelden bij Mijn Burgerprofiel")


def test_every_core_path_works_without_javascript_and_in_english(
    browser: Browser, live_server: Any, oidc: str, sources: DemoServer
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/aanmelden")
        page.get_by_role("link", name="Aanmelden met de digitale sleutel").click()
        page.get_by_label("Jan Janssens").check()
        page.get_by_label("itsme").check()
        page.get_by_role("button", name="Aanmelden").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Jan Janssens")

        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Jan Janssens")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        shot(page, "zonder-js-overview-en")

        page.get_by_role("navigation").get_by_role("link", name="Certificates").click()
        page.get_by_label("Search by title").fill("woonst")
        page.get_by_role("button", name="Filter").click()  # a plain GET form without JavaScript
        expect(page).to_have_url(re.compile(r"/attesten\?zoek=woonst"))
        expect(page.get_by_role("cell", name="Attest van woonst", exact=True)).to_be_visible()
        expect(page.get_by_role("cell", name="Attest gezinssamenstelling", exact=True)).to_have_count(0)
        shot(page, "zonder-js-certificates-en")

        page.get_by_role("navigation").get_by_role("link", name="Your data").click()
        expect(page.get_by_text("Temporarily unavailable.")).to_be_visible()
        shot(page, "zonder-js-your-data-en")

        page.get_by_role("navigation").get_by_role("link", name="Who looked at my data").click()
        expect(page.get_by_role("cell", name="Your data requested from the source").first).to_be_visible()
        shot(page, "zonder-js-access-log-en")

        page.get_by_role("button", name="Log out").click()
        page.get_by_role("button", name="Ja, afmelden").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("You are logged out")
    finally:
        context.close()
