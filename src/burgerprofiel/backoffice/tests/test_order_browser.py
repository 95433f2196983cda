"""Issue 16 in a real browser (Chromium): terminate with its confirmation page, the read-only order page
and its "Geschiedenis", with axe on each. Screenshots go to var/test-artifacts/.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.backoffice.tests.conftest import make_staff, totp_token
from burgerprofiel.conftest import make_agency
from burgerprofiel.portal.tests.conftest import REPO, browser_type_launch_args

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ARTIFACTS = REPO / "var" / "test-artifacts"
CHANGELIST = "/backoffice/agencies/processingorder/"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in the test's thread

__all__ = ["browser_type_launch_args"]


def _login(page: Page, base: str, role: str, username: str) -> None:
    staff = make_staff(role, username)
    page.goto(f"{base}/backoffice/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(staff.password)
    page.locator("input[name=otp_token]").fill(totp_token(staff.device))
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.locator("#user-tools")).to_be_visible()


def _axe_clean(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"backoffice-{name}.png"), full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_operator_terminates_an_order_with_confirmation_and_an_auditor_reads_it(live_server: Any, page: Page) -> None:
    agency = make_agency()
    base = live_server.url
    _login(page, base, "operator", "olivia.operator")
    page.goto(f"{base}{CHANGELIST}")
    page.locator(f"input[name=_selected_action][value='{agency.order_id}']").check()
    page.locator("select[name=action]").select_option("terminate_orders")
    page.get_by_role("button", name="Uitvoeren").click()
    expect(page.get_by_text("Beëindigen is definitief")).to_be_visible()
    _axe_clean(page, "terminate-confirm")
    page.get_by_label("Reden van de beëindiging (charter 13)").fill("Overeenkomst opgezegd")
    page.get_by_role("button", name="Beëindigen").click()
    expect(page.locator(".messagelist")).to_contain_text("beëindigd")
    assert ProcessingOrder.objects.get(pk=agency.order_id).current.state == "terminated"

    page.goto(f"{base}{CHANGELIST}{agency.order_id}/change/")
    expect(page.get_by_role("heading", name="Versie in voege")).to_be_visible()
    expect(page.get_by_text("Nieuwe versie")).to_have_count(0)
    expect(page.get_by_text("None", exact=True)).to_have_count(0)
    _axe_clean(page, "order-terminated")

    page.goto(f"{base}{CHANGELIST}{agency.order_id}/history/")
    expect(page.get_by_text("Status: actief → beëindigd (reden: Overeenkomst opgezegd)")).to_be_visible()
    expect(page.get_by_role("cell", name="olivia.operator")).to_be_visible()
    _axe_clean(page, "order-history")

    page.context.clear_cookies()
    _login(page, base, "auditor", "arne.auditor")
    page.goto(f"{base}{CHANGELIST}{agency.order_id}/change/")
    expect(page.get_by_text("DOSIS (dossieropvolging)").first).to_be_visible()
    _axe_clean(page, "order-auditor")
