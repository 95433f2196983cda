"""The compliance documents as PDF (weasyprint), from the same data as their JSON."""

from __future__ import annotations

import json
from typing import Any


def _text(value: Any) -> str:
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False, indent=1) if value else "—"
    return "—" if value in (None, "") else str(value)


def _rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Nested objects as rows with children; anything else as text (lists as indented JSON)."""
    return [
        {"label": str(k).replace("_", " "), "children": _rows(v)}
        if isinstance(v, dict) and v
        else {"label": str(k).replace("_", " "), "text": _text(v if not isinstance(v, dict) else None)}
        for k, v in data.items()
    ]


def document_pdf(*, title: str, data: dict[str, Any]) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML  # a heavy import (pango, fonts): only where a PDF is made

    html = render_to_string("compliance_reports/document.html", {"title": title, "rows": _rows(data)})
    return bytes(HTML(string=html).write_pdf())
