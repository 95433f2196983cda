"""The citizen's document for a payment: a PDF (weasyprint) with an EPC QR code (segno).

For an open payment it is the invitation to pay, with the bank-transfer alternative; for a paid
one it is the receipt. Either way it carries the structured reference (OGM/VCS) and an EPC QR code
("SEPA credit transfer", EPC069-12 version 002) that a banking app reads: the beneficiary's name
and IBAN, the amount in euro and the OGM's twelve digits as the structured remittance reference,
as Belgian banking apps fill them in.
"""

from __future__ import annotations

from decimal import Decimal

import segno
import segno.helpers
from django.template.loader import render_to_string
from django.utils import timezone

from burgerprofiel.payments.models import Payment, PaymentStatus
from burgerprofiel.payments.services import refunded_cents, structured_reference_format


def euro_text(cents: int) -> str:
    """Dutch notation: ``€ 1.234,50``."""
    whole, rest = divmod(abs(cents), 100)
    grouped = f"{whole:,}".replace(",", ".")
    return f"{'-' if cents < 0 else ''}€ {grouped},{rest:02d}"


def epc_qr(payment: Payment) -> segno.QRCode:
    return segno.helpers.make_epc_qr(
        name=payment.creditor_name,
        iban=payment.creditor_iban,
        amount=Decimal(payment.amount_cents) / 100,
        reference=payment.structured_reference,
        encoding="utf-8",  # EPC069-12 character set 1: what every banking app reads
    )


def epc_qr_svg_uri(payment: Payment, *, scale: int = 4) -> str:
    return str(epc_qr(payment).svg_data_uri(scale=scale, border=4))


def payment_document_context(payment: Payment) -> dict[str, object]:
    return {
        "payment": payment,
        "paid": payment.status == PaymentStatus.SUCCESS,
        "amount": euro_text(payment.amount_cents),
        "refunded": euro_text(refunded_cents(payment)) if refunded_cents(payment) else "",
        "reference": structured_reference_format(payment.structured_reference),
        "iban": " ".join(payment.creditor_iban[i : i + 4] for i in range(0, len(payment.creditor_iban), 4)),
        "qr": epc_qr_svg_uri(payment),
        "printed_at": timezone.localtime(),
    }


def payment_receipt_pdf(payment: Payment) -> bytes:
    from weasyprint import HTML  # a heavy import (pango, fonts): only where a PDF is made

    html = render_to_string("payments/receipt.html", payment_document_context(payment))
    return bytes(HTML(string=html).write_pdf())
