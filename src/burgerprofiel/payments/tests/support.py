"""Test support for payments: a valid request body, paying at the fake, reading a receipt's QR code."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx

PAY_COMPONENTS = "betalingen,notificaties"
INSZ = "85073003328"
IBAN = "BE71096123456769"


def payment_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "insz": INSZ,
        "amount_cents": 2550,
        "description": "Retributie parkeerkaart 2027",
        "due_date": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "creditor_iban": IBAN,
        "dossier_id": "PK-2027-0042",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def checkout_choose(checkout_url: str, outcome: str, method: str = "bancontact") -> httpx.Response:
    """What a citizen does on the fake's hosted checkout page."""
    return httpx.post(checkout_url, data={"outcome": outcome, "method": method}, follow_redirects=False, timeout=10)


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=30
    ).stdout.decode()


def pdf_qr_codes(pdf: bytes) -> list[str]:
    """Every QR code on the PDF's pages, rendered at 150 dpi as a person's scanner would see them."""
    from PIL import Image
    from pyzbar.pyzbar import decode

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "receipt.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(Path(tmp) / "page")], check=True, timeout=60)
        found: list[str] = []
        for page in sorted(Path(tmp).glob("page*.png")):
            with Image.open(io.BytesIO(page.read_bytes())) as image:
                found += [symbol.data.decode("utf-8") for symbol in decode(image)]
    return found
