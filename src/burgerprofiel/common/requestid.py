"""The request id travels in a context variable so every log line and audit event carries it."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def current_request_id() -> str | None:
    return _request_id.get()


def new_request_id(incoming: str | None = None) -> str:
    """Accept a caller's id when it is well-formed (correlation across systems), else make one."""
    value = incoming if incoming and _VALID.match(incoming) else uuid.uuid4().hex
    _request_id.set(value)
    return value


def clear_request_id() -> None:
    _request_id.set(None)
