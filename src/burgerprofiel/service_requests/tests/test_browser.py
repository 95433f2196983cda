"""Done when (issue 12, item 3), in a real browser, with JavaScript on and off: a form rendered from
the agency's JSON Schema; a Dutch validation error at its field; fixed and submitted; the receipt; the
agency answers with a dossier that appears in "Mijn dossiers". axe checks the pages (JavaScript on).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from burgerprofiel.conftest import OnboardedAgency, bearer, make_agency
from burgerprofiel.dossiers.tests.conftest import BRON, UPLOAD_URL, full_payload
from burgerprofiel.portal.tests.conftest import REPO
from burgerprofiel.service_requests.models import ServiceRequest
from burgerprofiel.service_requests.tests.conftest import AN, COMPONENTS
from burgerprofiel.service_requests.tests.factories import FORM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = REPO / "var" / "test-artifacts"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def shot(page: Page, name: str, *, axe: bool) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"aanvraag-{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "no reflow at 320 px"
    if axe:
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()


def publish(agency: OnboardedAgency) -> str:
    from burgerprofiel.agencies.models import Agency
    from burgerprofiel.conftest import TEST_ACTOR
    from burgerprofiel.dossiers.services import dosis_source_register

    dosis_source_register(agency=Agency.objects.get(pk=agency.agency_id), uri=BRON, actor=TEST_ACTOR)
    api = Client()
    created = api.post(
        "/api/v1/requestable-services",
        {
            "ipdc_product": "1502",
            "title": "Startbedrag groeipakket",
            "description": "Vraag het startbedrag aan bij de geboorte van uw kind.",
            "form_schema": FORM,
            "min_acr": "eid",
        },
        content_type="application/json",
        **bearer(api, agency),
    )
    assert created.status_code == 201, created.content
    return str(created.json()["id"])


def agency_answers_with_a_dossier(agency: OnboardedAgency, request_id: str, number: str) -> None:
    api = Client()
    headers = bearer(api, agency)
    answered = api.post(
        f"/api/v1/service-requests/{request_id}/dossier",
        {"dossier_number": number},
        content_type="application/json",
        **headers,
    )
    assert answered.status_code == 200, answered.content
    payload = full_payload(
        Identificatie={"Bron": BRON, "DossierNummer": number},
        UploadId=f"upl-{number}",
        Naam="Startbedrag groeipakket voor Lotte",
        Agenten=[{"Identificatie": AN, "Toegangsrechten": [{"Code": "Raadpleger"}]}],
    )
    uploaded = api.post(UPLOAD_URL, json.dumps(payload), content_type="application/json", **headers)
    assert uploaded.status_code == 200, uploaded.content


@pytest.mark.parametrize("javascript", [True, False], ids=["met-js", "zonder-js"])
def test_a_schema_driven_form_with_a_dutch_error_is_fixed_submitted_and_becomes_a_dossier(
    browser: Browser, live_server: Any, oidc: str, tmp_path: Path, javascript: bool
) -> None:
    agency = make_agency(name="Agentschap Opgroeien", kbo="0316380841", components=COMPONENTS)
    publish(agency)
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 320, "height": 900})
    page = context.new_page()
    label = "js" if javascript else "zonder-js"
    try:
        page.goto(live_server.url + "/aanmelden")
        page.get_by_role("link", name="Aanmelden met de digitale sleutel").click()
        page.get_by_label("An Peeters").check()
        page.get_by_label("eID-kaartlezer").check()
        page.get_by_role("button", name="Aanmelden").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, An Peeters")

        page.get_by_role("navigation").get_by_role("link", name="Aanvragen").click()
        page.get_by_role("link", name="Startbedrag groeipakket").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Startbedrag groeipakket")
        expect(page.get_by_label("Naam", exact=True)).to_have_value("An Peeters")
        expect(page.get_by_label("Naam", exact=True)).not_to_be_editable()
        expect(page.get_by_label("Rijksregisternummer")).to_have_value("85.07.30-033.28")
        expect(page.get_by_label("Rijksregisternummer")).not_to_be_editable()
        shot(page, f"formulier-{label}", axe=javascript)

        page.get_by_label("Naam van het kind").fill("Lotte Peeters")
        page.get_by_label("Geboortedatum van het kind").fill("2026-03-14")
        page.get_by_label("Aantal kinderen in het gezin").fill("twee")
        page.get_by_label("Onthaalouder").check()
        page.get_by_label("Ik verklaar dit naar waarheid ingevuld te hebben").check()
        page.get_by_role("button", name="Aanvraag indienen").click()

        message = "'Aantal kinderen in het gezin' moet een geheel getal zijn, bijvoorbeeld 3."
        expect(page.get_by_role("alert")).to_contain_text(message)
        field = page.get_by_label("Aantal kinderen in het gezin")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(f"Tel het kind van deze aanvraag mee. Fout: {message}")
        expect(page.get_by_label("Naam van het kind")).to_have_value("Lotte Peeters")  # the rest stays filled in
        shot(page, f"fout-{label}", axe=javascript)
        assert not ServiceRequest.objects.exists()

        field.fill("2")
        page.get_by_label("Ik verklaar dit naar waarheid ingevuld te hebben").check()
        page.get_by_role("button", name="Aanvraag indienen").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Aanvraag: Startbedrag groeipakket")
        shot(page, f"ingediend-{label}", axe=javascript)
        with page.expect_download() as info:
            page.get_by_role("link", name="Ontvangstbewijs downloaden (PDF)").click()
        saved = tmp_path / "ontvangstbewijs.pdf"
        info.value.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF-")

        request = ServiceRequest.objects.get()
        assert request.answers["aantal_kinderen"] == 2
        agency_answers_with_a_dossier(agency, str(request.pk), "SB-2026-0042")

        page.get_by_role("navigation").get_by_role("link", name="Mijn dossiers").click()
        expect(page.get_by_role("heading", name="Uw aanvragen met een dossier")).to_be_visible()
        expect(page.get_by_text("Agentschap Opgroeien · dossier SB-2026-0042").last).to_be_visible()
        page.get_by_role("link", name="Startbedrag groeipakket", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Startbedrag groeipakket voor Lotte")
        shot(page, f"dossier-{label}", axe=javascript)
    finally:
        context.close()
