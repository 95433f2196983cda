"""The citizen's export as a readable PDF (weasyprint): the same data as the JSON, laid out as tables."""

from __future__ import annotations

from typing import Any


def citizen_export_pdf(data: dict[str, Any]) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML  # a heavy import (pango, fonts): only where a PDF is made

    return bytes(HTML(string=render_to_string("subject_requests/export.html", {"data": data})).write_pdf())
