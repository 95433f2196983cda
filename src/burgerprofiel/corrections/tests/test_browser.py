"""Done when (issue 12, item 2), in a real browser: a citizen reports an error on an item of "Uw
gegevens" with a PDF attached; the agency's receiver gets a delivery that verifies with the Python
and the npm Standard Webhooks libraries; the agency sets "Gecorrigeerd" through the API; the
citizen sees it, and a melding arrives. axe checks every page of the way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from playwright.sync_api import Page, expect

from burgerprofiel.common.tests.http_peer import HttpPeer
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, bearer, make_agency
from burgerprofiel.corrections.models import ErrorReport
from burgerprofiel.corrections.tests.conftest import COMPONENTS, PDF
from burgerprofiel.personal_data.devpeers import DemoServer, Spec
from burgerprofiel.personal_data.tests.factories import register
from burgerprofiel.portal.tests.conftest import REPO
from burgerprofiel.webhooks.dispatch import webhook_deliveries_dispatch
from burgerprofiel.webhooks.events import EventType
from burgerprofiel.webhooks.services import webhook_endpoint_register
from burgerprofiel.webhooks.tests.support import Case, node_verifies, python_verifies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = REPO / "var" / "test-artifacts"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def check(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"foutmelding-{name}.png"), full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture
def agency_with_source(live_server: Any) -> Iterator[OnboardedAgency]:
    agency = make_agency(name="Agentschap Opgroeien", kbo="0316380841", components=COMPONENTS)
    server = DemoServer(
        {"gezin": Spec("uw_gegevens", "U en uw gezin")}, jwks_url=f"{live_server.url}/oauth/jwks"
    ).start()
    register(server, "gezin", agency.agency_id)
    yield agency
    server.stop()


@pytest.fixture
def receiver() -> Iterator[HttpPeer]:
    peer = HttpPeer().start()
    yield peer
    peer.stop()


def test_an_error_report_with_a_pdf_reaches_the_agency_signed_and_its_correction_reaches_the_citizen(
    page: Page, live_server: Any, oidc: str, agency_with_source: OnboardedAgency, receiver: HttpPeer, tmp_path: Any
) -> None:
    agency = agency_with_source
    _, secret = webhook_endpoint_register(
        agency_id=agency.agency_id,
        url=receiver.url("/hooks"),
        event_types=[EventType.FOUTMELDING_INGEDIEND, EventType.FOUTMELDING_BERICHT],
        actor=TEST_ACTOR,
    )
    page.set_viewport_size({"width": 320, "height": 800})  # reflow: the whole path at 320 CSS pixels
    page.goto(live_server.url + "/aanmelden")
    page.get_by_role("link", name="Aanmelden met de digitale sleutel").click()
    page.get_by_label("An Peeters").check()
    page.get_by_label("eID-kaartlezer").check()
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, An Peeters")

    page.goto(live_server.url + "/uw-gegevens")
    expect(page.get_by_text("Havenlaan 88, 1000 Brussel")).to_be_visible()
    check(page, "uw-gegevens")
    page.get_by_role("link", name="Meld een fout in Domicilieadres").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meld een fout")
    check(page, "formulier")

    page.get_by_role("button", name="Foutmelding versturen").click()  # nothing filled in
    expect(page.get_by_role("alert")).to_contain_text("Vul in: wat is er fout.")
    expect(page.get_by_label("Wat is er fout?")).to_have_attribute("aria-invalid", "true")
    check(page, "formulier-fout")

    page.get_by_label("Wat is er fout?").fill("Ik woon sinds maart in Gent.")
    page.get_by_label("Wat zou het moeten zijn?").fill("Veldstraat 1, 9000 Gent")
    page.get_by_label("Bijlage (niet verplicht)").set_input_files(
        {"name": "huurcontract.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Foutmelding versturen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Foutmelding: Domicilieadres")
    expect(page.locator("#status")).to_have_text("Ingediend")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    check(page, "ingediend")

    # The agency's receiver gets the report, signed as Standard Webhooks says.
    webhook_deliveries_dispatch()  # the test settings' task backend may have sent it already, at commit
    (delivery,) = receiver.requests
    case = Case.of(delivery, secret)
    assert python_verifies(case)
    assert node_verifies([case])[0]["ok"] is True
    data = json.loads(case.body)["data"]
    assert (data["subject"]["label"], data["should_be"], data["attachment"]["content_type"]) == (
        "Domicilieadres",
        "Veldstraat 1, 9000 Gent",
        "application/pdf",
    )
    report = ErrorReport.objects.get()
    assert data["id"] == str(report.pk)

    # The agency fetches the attachment and sets "Gecorrigeerd" through the API.
    api = Client()
    headers = bearer(api, agency)
    attachment = api.get(f"/api/v1/error-reports/{report.pk}/attachment", **headers)
    assert attachment.status_code == 200 and attachment.content == PDF
    moved = api.post(
        f"/api/v1/error-reports/{report.pk}/status",
        {"status": "gecorrigeerd"},
        content_type="application/json",
        **headers,
    )
    assert moved.status_code == 200, moved.content

    page.reload()
    expect(page.locator("#status")).to_have_text("Gecorrigeerd")
    page.get_by_role("navigation").get_by_role("link", name="Meldingen 1 ongelezen").click()
    page.get_by_role("link", name="Agentschap Opgroeien · Foutmelding").click()
    expect(
        page.get_by_text("Uw foutmelding over 'Domicilieadres' heeft een nieuwe status: Gecorrigeerd.")
    ).to_be_visible()
    check(page, "melding")
