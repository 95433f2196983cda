"""JSON log lines that never carry personal data in clear (DESIGN rule 3).

Structured fields are emitted as given, but every string, message included, goes through
``redact``: INSZ-shaped numbers, e-mail addresses, IBANs and phone numbers are masked. Message
texts must never be logged at all; redaction is the safety net, not the policy.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from burgerprofiel.common.requestid import current_request_id

_PATTERNS = [
    # INSZ: 11 digits, possibly written as YY.MM.DD-XXX.CC
    (re.compile(r"(?<!\d)\d{2}[.\s]?\d{2}[.\s]?\d{2}[-\s]?\d{3}[.\s]?\d{2}(?!\d)"), "[insz]"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "[email]"),
    (re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b"), "[iban]"),
    (re.compile(r"(?<![\w+])(?:\+|00)\d[\d ]{7,15}\d(?!\d)"), "[phone]"),
    (re.compile(r"(?<![\w-])04\d{2}[ /.]?\d{2}[ .]?\d{2}[ .]?\d{2}(?!\d)"), "[phone]"),
]

_TRUSTED = {"time", "level", "logger", "request_id"}
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(value: str) -> str:
    for pattern, replacement in _PATTERNS:
        value = pattern.sub(replacement, value)
    return value


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        cleaned = {k: (v if k in _TRUSTED else _clean(v)) for k, v in entry.items()}
        return json.dumps(cleaned, ensure_ascii=False, default=str)
