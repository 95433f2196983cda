"""The citizen's receipt of a submitted request: a PDF (weasyprint) made from what was stored,
so it says exactly what the agency received."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from burgerprofiel.service_requests.forms import form_fields
from burgerprofiel.service_requests.models import ServiceRequest


def _shown(value: Any) -> str:
    if value is True:
        return "Ja"
    if value is False:
        return "Nee"
    return "" if value is None else str(value)


def receipt_rows(request: ServiceRequest) -> list[tuple[str, str]]:
    """(label, answer) per field of the form, in the form's order."""
    answers = request.answers or {}
    return [(f.label, _shown(answers.get(f.name, ""))) for f in form_fields(request.service.form_schema)]


def receipt_pdf(request: ServiceRequest) -> bytes:
    from weasyprint import HTML  # heavy import, only when a receipt is made

    html = render_to_string(
        "service_requests/receipt.html",
        {
            "request": request,
            "service": request.service,
            "agency_name": request.agency.name,
            "insz": request.citizen.insz,
            "rows": receipt_rows(request),
            "made_at": timezone.localtime(),
            "submitted_at": timezone.localtime(request.created_at),
        },
    )
    # No base_url: the receipt loads nothing from anywhere (no network, no files).
    return bytes(HTML(string=html).write_pdf())
