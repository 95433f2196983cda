"""JSON log lines that never carry personal data in clear (DESIGN rule 3).

Structured fields are emitted as given, but every string, message included, goes through
``redact``: INSZ-shaped numbers, e-mail addresses, IBANs and phone numbers are masked. So do
numbers (an INSZ passed as an int) and the keys of dicts. Message texts must never be logged at
all; redaction is the safety net, not the policy.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from burgerprofiel.common.redaction import redact
from burgerprofiel.common.requestid import current_request_id

__all__ = ["JsonFormatter", "redact"]

# Written by the formatter itself, never from caller data.
_TRUSTED = {"time", "level", "logger"}
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        text = str(value)
        return value if redact(text) == text else redact(text)
    if isinstance(value, float):
        return value
    if isinstance(value, dict):
        return {_clean(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v) for v in value]
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
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        cleaned = {k: (v if k in _TRUSTED else _clean(v)) for k, v in entry.items()}
        return json.dumps(cleaned, ensure_ascii=False, default=str)
