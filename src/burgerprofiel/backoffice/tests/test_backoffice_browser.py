"""Issue 16 in Chromium: every back-office page as operator and as auditor passes axe and fits a
1,280 px window; an auditor filters the audit browser and runs ``audit verify`` from it.

Screenshots go to var/test-artifacts/backoffice-*.png.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection
from django.test import Client
from playwright.sync_api import Page, expect

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.tests.conftest import logged_in, make_staff, totp_token
from burgerprofiel.backoffice.tests.samples import backoffice_pages, make_samples
from burgerprofiel.portal.tests.conftest import REPO, browser_type_launch_args

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ARTIFACTS = REPO / "var" / "test-artifacts"
WIDTH = 1280
AUDIT = "/backoffice/audit/auditevent/"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in the test's thread

__all__ = ["browser_type_launch_args"]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": WIDTH, "height": 900}}


def _login(page: Page, base: str, role: str, username: str) -> Any:
    staff = make_staff(role, username)
    page.goto(f"{base}/backoffice/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(staff.password)
    page.locator("input[name=otp_token]").fill(totp_token(staff.device))
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.locator("#user-tools")).to_be_visible()
    return staff


def _axe_clean(axe: Axe, page: Page) -> None:
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def _pages_for(role: str) -> list[str]:
    """The pages a member of ``role`` may open (a second account: a TOTP code counts only once)."""
    client: Client = logged_in(make_staff(role, f"{role}.walker"))
    return [url for url in backoffice_pages(client) if client.get(url).status_code != 403]


def _name(url: str) -> str:
    return url.strip("/").replace("/", "-") or "index"


# axe and the page width read the rendered HTML, which is the same on both databases, and the sweep is a
# quarter of a suite's time (about 0.6 s of axe per page, some 150 pages): it runs once per `make test`, in the
# SQLite suite. The PostgreSQL suite still opens every back-office page as both roles (test_labels: each one
# answers 200 in Dutch; test_read_audit: reading each model with personal data is audited).
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the axe sweep runs once per make test, in the SQLite suite")
@pytest.mark.parametrize("role", ["operator", "auditor"])
def test_every_backoffice_page_passes_axe_and_fits_1280_px(live_server: Any, page: Page, role: str) -> None:
    make_samples()
    urls = _pages_for(role)
    _login(page, live_server.url, role, f"{role}.axe")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    problems: dict[str, str] = {}
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            problems[url] = f"{width} px wide"
            page.screenshot(path=str(ARTIFACTS / f"backoffice-wide-{role}-{_name(url)}.png"), full_page=True)
        results = axe.run(page)
        if results.violations_count:
            problems[url] = problems.get(url, "") + results.generate_report()
    assert len(urls) > 25
    assert not problems, "\n\n".join(f"{url}: {text}" for url, text in problems.items())


def test_an_auditor_filters_the_audit_browser_and_runs_audit_verify(live_server: Any, page: Page) -> None:
    make_samples()
    base = live_server.url
    _login(page, base, "auditor", "arne.auditor")
    axe = Axe()
    page.goto(f"{base}{AUDIT}")
    expect(page.get_by_role("heading", name="Controle van het auditlog")).to_be_visible()
    expect(page.get_by_text("Het auditlog is nog niet gecontroleerd.")).to_be_visible()

    filters = page.locator("#changelist-filter")
    filters.get_by_role("link", name="Instanties", exact=True).click()
    expect(page).to_have_url(f"{base}{AUDIT}?actiegroep=agency")
    filters.get_by_role("link", name="Instantie aangesloten").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Instantie aangesloten")
    _axe_clean(axe, page)

    page.goto(f"{base}{AUDIT}")
    page.locator("#searchbar").fill("processing_order")
    page.locator("#searchbar").press("Enter")
    expect(rows.first).to_contain_text("processing_order.")
    expected = AuditEvent.objects.filter(action__startswith="processing_order.").count()
    expect(rows).to_have_count(expected)

    page.goto(f"{base}{AUDIT}")
    filters.get_by_role("link", name="Geweigerd").click()
    expect(page).to_have_url(f"{base}{AUDIT}?outcome__exact=refused")

    page.goto(f"{base}{AUDIT}")
    page.get_by_role("button", name="Auditlog nu controleren (audit verify)").click()
    expect(page.locator(".messagelist")).to_contain_text("De controle van het auditlog is gestart")
    expect(page.get_by_text("In orde")).to_be_visible()
    expect(page.locator(".bo-panel")).to_contain_text("arne.auditor")
    expect(page.locator(".bo-panel")).to_contain_text("Laatste ondertekende boomkop")
    page.screenshot(path=str(ARTIFACTS / "backoffice-audit-verified.png"), full_page=True)
    _axe_clean(axe, page)
    assert AuditEvent.objects.filter(action="audit.verified", outcome="success").count() == 1

    page.get_by_role("link", name="Details").click()
    expect(page.locator("pre.bo-detail")).to_contain_text('"events_checked"')
    _axe_clean(axe, page)
