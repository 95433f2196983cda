"""In a real browser (Chromium, 320 CSS px wide): a citizen files a data-subject request for one agency
from "Uw rechten", sees it forwarded with its deadline, and downloads the export of everything the
platform holds on them as JSON and PDF. axe finds no violation on any page; nothing scrolls sideways."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.compliance.notices.models import AgencyNotice
from burgerprofiel.compliance.subject_requests.models import SubjectRequest
from burgerprofiel.conftest import make_agency
from burgerprofiel.portal.auth import (
    SESSION_ACR,
    SESSION_CITIZEN,
    SESSION_LOGIN_AT,
    SESSION_NAME,
    SESSION_SEEN_AT,
    session_seal,
)
from burgerprofiel.portal.tests.conftest import REPO, browser_type_launch_args

__all__ = ["browser_type_launch_args"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
ARTIFACTS = REPO / "var" / "test-artifacts"
AN = "85073003328"


def check(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"uw-rechten-{name}.png"), full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"{name}: scrolls sideways at 320 px ({width})"


@pytest.fixture
def narrow(browser: Browser, live_server: Any) -> Iterator[BrowserContext]:
    """320 CSS px wide, logged in as An (the OIDC login has its own browser tests)."""
    citizen = citizen_get_or_create(insz=AN)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_CITIZEN] = citizen.pk
    session[SESSION_ACR] = "eid"
    session[SESSION_LOGIN_AT] = session[SESSION_SEEN_AT] = int(time.time())
    session[SESSION_NAME] = session_seal(citizen, "An Peeters")
    session.save()
    context = browser.new_context(viewport={"width": 320, "height": 800}, accept_downloads=True)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}])
    yield context
    context.close()


def test_a_citizen_files_a_request_and_downloads_everything_held_on_them(
    narrow: BrowserContext, live_server: Any, tmp_path: Path
) -> None:
    first = make_agency(name="Agentschap Opgroeien", kbo="0316380841", components="dosis,notificaties")
    make_agency(name="Departement Mobiliteit", kbo="0316380940", components="dosis")
    page = narrow.new_page()
    page.goto(live_server.url + "/uw-rechten")
    expect(page.get_by_role("heading", level=1)).to_have_text("Uw rechten")
    check(page, "start")

    page.get_by_role("link", name="Een verzoek indienen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Een verzoek indienen")
    check(page, "formulier")
    # Sent without a choice: the error summary names what is missing, and the form keeps working.
    page.get_by_role("button", name="Verzoek versturen").click()
    expect(page.get_by_role("alert")).to_contain_text("Kies wat u vraagt.")
    check(page, "formulier-fouten")
    page.get_by_label("Rechtzetting van onjuiste gegevens (AVG art. 16)").check()
    page.get_by_label("Agentschap Opgroeien").check()
    page.get_by_label("Toelichting").fill("Mijn gezinssamenstelling klopt niet: twee kinderen, niet drie.")
    page.get_by_role("button", name="Verzoek versturen").click()

    expect(page.get_by_role("status")).to_contain_text("Uw verzoek is doorgestuurd naar Agentschap Opgroeien")
    expect(page.get_by_text("Doorgestuurd naar de instantie")).to_be_visible()
    check(page, "ingediend")
    request = SubjectRequest.objects.get()
    assert request.agency_id == first.agency_id and request.kind == "rectificatie"
    notice = AgencyNotice.objects.get(kind="betrokkene_verzoek")
    assert notice.agency_id == first.agency_id and notice.data["insz"] == AN

    with page.expect_download() as info:
        page.get_by_role("link", name="Download als JSON (om mee te nemen)").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    exported = json.loads(saved.read_text(encoding="utf-8"))
    assert exported["citizen"]["insz"] == AN
    assert "twee kinderen, niet drie" in json.dumps(exported, ensure_ascii=False)
    assert any(e["what"] for e in exported["access_log"])

    with page.expect_download() as info:
        page.get_by_role("link", name="Download als PDF (leesbaar)").click()
    pdf = tmp_path / info.value.suggested_filename
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="citizen.export_downloaded").count() == 2

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your rights")
    expect(page.get_by_text("Forwarded to the agency")).to_be_visible()
    check(page, "english")
