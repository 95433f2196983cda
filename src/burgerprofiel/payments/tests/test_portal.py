"""The portal's "Betalingen": the citizen's own payments, paying, coming back, and the PDF with its QR code."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conftest import login_citizen
from burgerprofiel.payments.fake.mollie import FakeMollie
from burgerprofiel.payments.models import Payment, PaymentStatus
from burgerprofiel.payments.receipts import epc_qr
from burgerprofiel.payments.tests.support import IBAN, INSZ, checkout_choose, payment_body, pdf_qr_codes, pdf_text

pytestmark = pytest.mark.django_db
OTHER_INSZ = "90020200197"


def _request(client: Client, headers: dict[str, str], **overrides: Any) -> Payment:
    response = client.post("/api/v1/payments", payment_body(**overrides), content_type="application/json", **headers)
    assert response.status_code == 201, response.content
    return Payment.objects.get(pk=response.json()["id"])


def test_the_citizen_sees_their_open_payment_with_a_pay_button(client: Client, pay_headers: dict[str, str]) -> None:
    payment = _request(client, pay_headers)
    login_citizen(client, INSZ)
    page = client.get("/betalingen").content.decode()
    assert "<h1>Betalingen</h1>" in page and "Retributie parkeerkaart 2027" in page
    assert "€ 25,50" in page and f"/betalingen/{payment.pk}/betalen" in page
    assert AuditEvent.objects.filter(action="payment.listed").count() == 1
    detail = client.get(f"/betalingen/{payment.pk}").content.decode()
    assert "+++" in detail and 'src="data:image/svg+xml' in detail


def test_another_citizens_payment_is_not_found(client: Client, pay_headers: dict[str, str]) -> None:
    payment = _request(client, pay_headers)
    login_citizen(client, OTHER_INSZ)
    assert "Retributie" not in client.get("/betalingen").content.decode()
    assert client.get(f"/betalingen/{payment.pk}").status_code == 404
    assert client.post(f"/betalingen/{payment.pk}/betalen").status_code == 404
    assert client.get(f"/betalingen/{payment.pk}/betalingsbewijs.pdf").status_code == 404


def test_paying_sends_the_citizen_to_the_checkout_and_back_to_a_checked_status(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie
) -> None:
    payment = _request(client, pay_headers)
    login_citizen(client, INSZ)
    response = client.post(f"/betalingen/{payment.pk}/betalen")
    assert response.status_code == 303 and response["Location"].startswith(fake_mollie.endpoint + "/checkout/")
    assert client.post(f"/betalingen/{payment.pk}/betalen")["Location"] == response["Location"]  # a double click
    back = checkout_choose(response["Location"], "paid")
    assert back.headers["location"] == f"http://testserver/betalingen/{payment.pk}/terug"
    # No webhook came (none is configured here): coming back, the portal asks the provider itself.
    returned = client.get(f"/betalingen/{payment.pk}/terug", follow=True)
    assert "Bedankt, uw betaling is ontvangen." in returned.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS


def test_coming_back_without_paying_changes_nothing(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie
) -> None:
    payment = _request(client, pay_headers)
    login_citizen(client, INSZ)
    client.post(f"/betalingen/{payment.pk}/betalen")
    page = client.get(f"/betalingen/{payment.pk}/terug", follow=True).content.decode()
    assert "wordt nog verwerkt" in page
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.STARTED


def test_the_pdf_holds_the_ogm_and_an_epc_qr_code_with_amount_iban_and_reference(
    client: Client, pay_headers: dict[str, str]
) -> None:
    payment = _request(client, pay_headers, amount_cents=123456, structured_reference="+++010/8068/17183+++")
    login_citizen(client, INSZ)
    response = client.get(f"/betalingen/{payment.pk}/betalingsbewijs.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert "+++010/8068/17183+++" in pdf_text(pdf) and "€ 1.234,56" in pdf_text(pdf)
    (code,) = pdf_qr_codes(pdf)
    lines = code.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]  # version 002, UTF-8, SEPA credit transfer
    assert lines[6] == IBAN and lines[7] == "EUR1234.56" and lines[9] == "010806817183"
    assert Decimal(lines[7][3:]) * 100 == payment.amount_cents
    assert AuditEvent.objects.filter(action="payment.receipt_downloaded", object_id=str(payment.pk)).count() == 1


def test_the_epc_payload_names_the_agency_as_beneficiary(client: Client, pay_headers: dict[str, str]) -> None:
    payment = _request(client, pay_headers, creditor_name="Stad Gent – Financiën")
    text = epc_qr(payment).matrix  # encodes without error (UTF-8 name)
    assert text
