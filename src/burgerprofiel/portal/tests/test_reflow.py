"""WCAG 2.2 success criterion 1.4.10 Reflow: every portal page at 320 CSS px, without sideways scrolling.

320 CSS px is a 1280 px wide window zoomed to 400 %. At that width content must reflow into one
column: no horizontal scroll bar on the page and nothing sticking out past the right edge (which
would be cut off instead of scrolled). Tables reflow into stacked rows, long words wrap. axe must
stay clean at that width too. The pages are filled with realistic data: long dossier and
certificate titles, a consent table, an access log with many kinds of events.

Screenshots of every page at 320 px go to var/test-artifacts/reflow-*.png.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, Page

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actors import Actor
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.cli.management.commands.demo import DEMO_CITIZENS, DEMO_KBO
from burgerprofiel.corrections.services import error_report_submit
from burgerprofiel.corrections.subjects import subject_for_dossier
from burgerprofiel.dossiers.models import Dossier
from burgerprofiel.notifications.models import Notification
from burgerprofiel.notifications.services import notification_create
from burgerprofiel.personal_data.devpeers import DemoServer, Spec
from burgerprofiel.personal_data.tests.factories import make_pull_agency, register
from burgerprofiel.portal.auth import (
    SESSION_ACR,
    SESSION_CITIZEN,
    SESSION_LOGIN_AT,
    SESSION_NAME,
    SESSION_SEEN_AT,
    session_seal,
)
from burgerprofiel.portal.tests.conftest import REPO
from burgerprofiel.service_requests.selectors import requestable_services_offered
from burgerprofiel.service_requests.services import service_request_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ARTIFACTS = REPO / "var" / "test-artifacts"
NARROW = {"width": 320, "height": 800}


# The widths of the page and of everything that sticks out past the viewport's right edge.
MEASURE = """() => {
  const doc = document.documentElement;
  const limit = doc.clientWidth;
  const wide = [];
  // Visually hidden text (clipped to 1 px, for screen readers) takes no room on screen.
  const clipped = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.clip !== 'auto' || s.clipPath !== 'none') return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (clipped(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > limit + 0.5) {
      wide.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
        + ' right=' + Math.round(r.right));
    }
    // A box of its own that scrolls sideways (a table in an overflow-x: auto wrapper) is the
    // same sideways scrolling, one level down.
    const ox = getComputedStyle(el).overflowX;
    if ((ox === 'auto' || ox === 'scroll') && !['TEXTAREA', 'SELECT', 'INPUT'].includes(el.tagName)
        && el.scrollWidth > el.clientWidth + 1) {
      wide.push(el.tagName.toLowerCase() + ' scrolls sideways: ' + el.scrollWidth + ' in ' + el.clientWidth);
    }
  }
  return {scrollWidth: doc.scrollWidth, clientWidth: limit, wide: wide.slice(0, 8),
          overflowX: getComputedStyle(document.body).overflowX + '/' + getComputedStyle(doc).overflowX};
}"""


@pytest.fixture
def citizen_data(live_server: Any) -> Iterator[dict[str, Any]]:
    """The first demo citizen with something on every page, the long words and wide tables included."""
    call_command("demo", "seed", stdout=open(os.devnull, "w"))  # noqa: SIM115
    demo = Agency.objects.get(kbo=DEMO_KBO)
    pull = make_pull_agency(name="Agentschap Opgroeien en Gezinsondersteuning", kbo="0887010362")
    server = DemoServer(
        {
            "gezin": Spec("uw_gegevens", "U en uw gezin"),
            "mobiliteit": Spec("uw_gegevens", "Mobiliteit", "hang"),
            "attesten": Spec("attesten", "U en uw gezin"),
        },
        jwks_url=f"{live_server.url}/oauth/jwks",
    ).start()
    register(server, "gezin", pull.agency_id, loket_url="https://www.groeipakket.be")
    register(server, "mobiliteit", pull.agency_id)
    register(server, "attesten", pull.agency_id)
    citizen = citizen_get_or_create(insz=DEMO_CITIZENS[0])
    actor = Actor(kind="agency_client", id="demo", agency_id=demo.pk)
    for product, action_url in (
        ("Omgevingsvergunningsaanvraagprocedure", "https://www.omgevingsloket.be/dossiers/OMV-2026-0142/aanvullen"),
        ("Groeipakket", ""),
    ):
        notification_create(
            agency=demo,
            insz=DEMO_CITIZENS[0],
            message="Uw aanvraag is onvolledig. Bezorg ons een situatieschets van het dak.",
            ipdc_product=product,
            action_required=bool(action_url),
            action_url=action_url,
            responsible_org="Departement Omgeving, afdeling Vergunningsbeleid",
            actor=actor,
        )
    # Issue 12: a report on a demo dossier and a request on the demo form, with long words.
    dossier = Dossier.objects.filter(agency=demo).order_by("pk").first()
    report = error_report_submit(
        citizen=citizen,
        subject=subject_for_dossier(citizen=citizen, dossier_id=dossier.pk),
        what_is_wrong="De naam van de aanvrager is verkeerd gespeld: Vandenbroucke-Vanderschuerenstraat.",
        should_be="Peeters-Vandenbroucke",
    )
    (form,) = requestable_services_offered()
    request = service_request_submit(
        citizen=citizen,
        service=form,
        answers={
            "nummerplaat": "1-ABC-123",
            "startdatum": "2026-12-01",
            "voertuig": "Personenwagen",
            "aantal_bewoners": 2,
            "akkoord": True,
            "opmerking": "Mijn oprit is niet bruikbaar door de verbouwingswerkzaamheden aan de voorgevel.",
        },
        applicant_name="An Peeters-Vandenbroucke",
    )
    try:
        yield {
            "citizen": citizen,
            "dossier": dossier,
            "notification": Notification.objects.filter(citizen=citizen).order_by("created_at").first(),
            "report": report,
            "form": form,
            "request": request,
        }
    finally:
        server.stop()


@pytest.fixture
def narrow(browser: Browser, live_server: Any, citizen_data: dict[str, Any]) -> Iterator[BrowserContext]:
    """A browser 320 CSS px wide, logged in as the demo citizen (the OIDC login has tests of its own)."""
    citizen = citizen_data["citizen"]
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_CITIZEN] = citizen.pk
    session[SESSION_ACR] = "eid"
    session[SESSION_LOGIN_AT] = session[SESSION_SEEN_AT] = int(time.time())
    session[SESSION_NAME] = session_seal(citizen, "An Peeters-Vandenbroucke")
    session.save()
    context = browser.new_context(viewport=NARROW)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}])
    yield context
    context.close()


def _portal_pages(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("overzicht", "/"),
        ("mijn-dossiers", "/mijn-dossiers/?filter=alle"),
        ("dossier", f"/mijn-dossiers/{data['dossier'].pk}/"),
        ("meldingen", "/meldingen"),
        ("melding", f"/meldingen/{data['notification'].pk}"),
        ("uw-gegevens", "/uw-gegevens"),
        ("attesten", "/attesten"),
        ("wie-bekeek-mijn-gegevens", "/wie-bekeek-mijn-gegevens"),
        ("contactvoorkeuren", "/contactvoorkeuren"),
        ("fout-melden", f"/mijn-dossiers/{data['dossier'].pk}/fout-melden"),
        ("foutmeldingen", "/foutmeldingen/"),
        ("foutmelding", f"/foutmeldingen/{data['report'].pk}/"),
        ("aanvragen", "/aanvragen/"),
        ("aanvraagformulier", f"/aanvragen/{data['form'].pk}/"),
        ("aanvraag", f"/aanvragen/ingediend/{data['request'].pk}/"),
    ]


def _measure(page: Page, name: str) -> dict[str, Any]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"reflow-{name}.png"), full_page=True)
    result: dict[str, Any] = page.evaluate(MEASURE)
    return result


def test_every_portal_page_reflows_at_320_css_pixels_without_horizontal_scrolling(
    narrow: BrowserContext, live_server: Any, citizen_data: dict[str, Any]
) -> None:
    page = narrow.new_page()
    too_wide = {}
    for name, path in _portal_pages(citizen_data):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        assert page.url.startswith(live_server.url + path.split("?")[0]), f"{path} went to {page.url}"
        measured = _measure(page, name)
        # Hiding the overflow would cut content off instead of reflowing it.
        assert "hidden" not in measured["overflowX"] and "clip" not in measured["overflowX"], (name, measured)
        if measured["scrollWidth"] > measured["clientWidth"] or measured["wide"]:
            too_wide[name] = measured
    assert not too_wide, json.dumps(too_wide, indent=1)


def test_the_public_pages_reflow_at_320_css_pixels(browser: Browser, live_server: Any) -> None:
    context = browser.new_context(viewport=NARROW)
    page = context.new_page()
    try:
        too_wide = {}
        for name, path in (("welkom", "/"), ("aanmelden", "/aanmelden?verlopen=1"), ("afgemeld", "/afgemeld")):
            page.goto(live_server.url + path)
            measured = _measure(page, name)
            if measured["scrollWidth"] > measured["clientWidth"] or measured["wide"]:
                too_wide[name] = measured
        assert not too_wide, json.dumps(too_wide, indent=1)
    finally:
        context.close()


def test_every_portal_page_stays_free_of_axe_violations_at_320_css_pixels(
    narrow: BrowserContext, live_server: Any, citizen_data: dict[str, Any]
) -> None:
    page = narrow.new_page()
    reports = {}
    for name, path in _portal_pages(citizen_data):
        page.goto(live_server.url + path)
        results = Axe().run(page)
        if results.violations_count:
            reports[name] = results.generate_report()
    assert not reports, "\n\n".join(f"{name}:\n{report}" for name, report in reports.items())
