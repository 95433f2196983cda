"""Paying in a real browser (Chromium): the agency asks, the citizen pays at the (fake) provider's
checkout, the platform learns the outcome by fetching it, the agency gets its signed webhook, and the
PDF carries the OGM and an EPC QR code that decodes to the amount, IBAN and reference.

Screenshots go to var/test-artifacts/.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from playwright.sync_api import Page, expect

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.tests.http_peer import HttpPeer
from burgerprofiel.conftest import OnboardedAgency, bearer, make_agency
from burgerprofiel.payments.fake.mollie import FakeMollie, serve
from burgerprofiel.payments.models import Payment, PaymentStatus
from burgerprofiel.payments.tests.support import IBAN, PAY_COMPONENTS, pdf_qr_codes, pdf_text
from burgerprofiel.portal.tests.conftest import REPO
from burgerprofiel.webhooks.dispatch import webhook_deliveries_dispatch
from burgerprofiel.webhooks.tests.support import Case, node_verifies, python_verifies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = REPO / "var" / "test-artifacts"
AN = "85073003328"  # An Peeters at the dev OIDC provider

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in the test's thread


@pytest.fixture
def live_fake_mollie(settings: Any, live_server: Any) -> Iterator[FakeMollie]:
    """The fake provider, calling the live platform's webhook as Mollie would."""
    server = serve(refund_delay=0.05)
    settings.MOLLIE_API_ENDPOINT = server.endpoint
    settings.MOLLIE_API_KEY = "test_fakefakefakefakefakefake1234"
    settings.PAYMENTS_WEBHOOK_URL = f"{live_server.url}/betaaldienst/webhook"
    # The pay button's answer redirects to the checkout: allowed as a form target (CSP form-action).
    settings.CONTENT_SECURITY_POLICY = settings.CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {server.endpoint}"
    )
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def agency_receiver() -> Iterator[HttpPeer]:
    peer = HttpPeer().start()
    yield peer
    peer.stop()


def check(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"payments-{name}.png"), full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def reflows_at_320(page: Page) -> None:
    """WCAG 1.4.10: at 320 CSS pixels wide nothing needs scrolling sideways."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    if size:
        page.set_viewport_size(size)


def test_a_citizen_pays_at_the_checkout_and_the_agency_and_the_receipt_agree(
    page: Page, live_server: Any, oidc: str, live_fake_mollie: FakeMollie, agency_receiver: HttpPeer, tmp_path: Path
) -> None:
    client = Client()
    agency: OnboardedAgency = make_agency(name="Stad Gent", kbo="0207451227", components=PAY_COMPONENTS)
    headers = bearer(client, agency)
    endpoint = client.post(
        "/api/v1/webhooks/endpoints",
        {"url": agency_receiver.url("/betalingen"), "event_types": ["betaling.status_gewijzigd"]},
        content_type="application/json",
        **headers,
    )
    assert endpoint.status_code == 201, endpoint.content
    secret = endpoint.json()["secret"]
    created = client.post(
        "/api/v1/payments",
        {
            "insz": AN,
            "amount_cents": 4250,
            "description": "Retributie bewonerskaart",
            "due_date": "2099-12-31",
            "creditor_iban": IBAN,
            "structured_reference": "+++010/8068/17183+++",
            "dossier_id": "BK-2027-7",
        },
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    payment_id = created.json()["id"]

    # The citizen logs in and finds the payment under "Betalingen".
    page.goto(live_server.url + "/aanmelden")
    page.get_by_role("link", name="Aanmelden met de digitale sleutel").click()
    page.get_by_label("An Peeters").check()
    page.get_by_label("eID-kaartlezer").check()
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, An Peeters")
    page.get_by_role("navigation").get_by_role("link", name="Betalingen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Betalingen")
    expect(page.get_by_text("€ 42,50", exact=True)).to_be_visible()
    check(page, "lijst")
    reflows_at_320(page)
    page.get_by_role("link", name="Retributie bewonerskaart").click()
    expect(page.get_by_text("+++010/8068/17183+++").first).to_be_visible()
    check(page, "detail-open")
    reflows_at_320(page)

    # Pay at the fake provider's hosted checkout, with Bancontact.
    page.get_by_role("button", name="Betaal € 42,50 online").click()
    expect(page).to_have_url(re.compile(re.escape(live_fake_mollie.endpoint + "/checkout/tr_")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nep-betaaldienst (fake Mollie)")
    page.get_by_label("Bancontact").check()
    page.get_by_role("button", name="Betalen (geslaagd)").click()

    # Back in the portal: paid.
    expect(page.get_by_text("Bedankt, uw betaling is ontvangen.")).to_be_visible()
    expect(page.locator("dd.status")).to_have_attribute("data-status", "success")
    check(page, "detail-betaald")
    payment = Payment.objects.get(pk=payment_id)
    assert payment.status == PaymentStatus.SUCCESS and payment.provider_method == "bancontact"

    # Established by fetching: the provider's webhook named only the payment, and the platform asked
    # the provider's API for it; the move to success was made by the webhook's handler after that GET.
    calls = live_fake_mollie.store.calls
    assert ("GET", f"/v2/payments/{payment.provider_payment_id}?embed=refunds") in calls
    moved = AuditEvent.objects.get(action="payment.status_changed", object_id=payment_id, detail__to="success")
    assert moved.actor_id == "betaaldienst:mollie"

    # The agency's signed webhook: created, started, success, in order, verifiable in Python and node.
    webhook_deliveries_dispatch()
    received = [r for r in agency_receiver.requests if r.path == "/betalingen"]
    bodies = [json.loads(r.body) for r in received]
    assert [b["data"]["status"] for b in bodies] == ["created", "started", "success"]
    assert [b["sequence"] for b in bodies] == [1, 2, 3]
    assert bodies[-1]["data"]["amount_cents"] == 4250 and bodies[-1]["data"]["fee_cents"] == 39
    cases = [Case.of(r, secret) for r in received]
    assert all(python_verifies(c) for c in cases)
    assert all(result["ok"] for result in node_verifies(cases)), node_verifies(cases)

    # The receipt: the OGM, and an EPC QR code with the amount, IBAN and reference.
    with page.expect_download() as info:
        page.get_by_role("link", name="Betalingsbewijs downloaden (PDF)").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    pdf = saved.read_bytes()
    text = pdf_text(pdf)
    assert "Betalingsbewijs" in text and "+++010/8068/17183+++" in text
    (code,) = pdf_qr_codes(pdf)
    lines = code.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]
    assert (lines[6], lines[7], lines[9]) == (IBAN, "EUR42.5", "010806817183")
