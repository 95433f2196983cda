"""The compliance documents as PDF (weasyprint), from the same data as their JSON."""

from __future__ import annotations

import json
from typing import Any


def _text(value: Any) -> str:
    if isinstance(value, list):
        if not value:
            return "—"
        if all(not isinstance(v, dict | list) for v in value):
            return ", ".join(str(v) for v in value)
        return json.dumps(value, ensure_ascii=False, indent=1)
    return "—" if value in (None, "") else str(value)


def _row(label: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and value:
        return {"label": label, "children": _rows(value)}
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        # A list of objects (order versions, purges, breaches): one numbered group each.
        return {"label": label, "children": [_row(str(n), item) for n, item in enumerate(value, 1)]}
    return {"label": label, "text": _text(value if not isinstance(value, dict) else None)}


def _rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Nested objects and lists of objects as rows with children; anything else as text."""
    return [_row(str(k).replace("_", " "), v) for k, v in data.items()]


def document_pdf(*, title: str, data: dict[str, Any]) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML  # a heavy import (pango, fonts): only where a PDF is made

    html = render_to_string("compliance_reports/document.html", {"title": title, "rows": _rows(data)})
    return bytes(HTML(string=html).write_pdf())
