"""The request id travels in a context variable so every log line and audit event carries it.

A caller's id is taken over when it is well-formed, for correlation across systems. It ends up
in logs and in the audit log, so an id that looks like personal data (an INSZ, a phone number)
is not taken over but replaced.
"""

from __future__ import annotations

import re
from contextvars import ContextVar

from burgerprofiel.common.randomness import random_uuid
from burgerprofiel.common.redaction import holds_personal_data

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def current_request_id() -> str | None:
    return _request_id.get()


# Whatever ``holds_personal_data`` masks in 32 hex digits needs a run of ten digits or more: an INSZ
# eleven, a phone number ten or more from the start; an e-mail address and an upper-case IBAN need
# characters hex lacks, and a lower-case IBAN would need a country whose IBAN has 32 characters and
# whose code is hex (none). Only an id with such a run (about one in five) goes through the full check.
_LONG_DIGIT_RUN = re.compile(r"\d{10}")


def _generated() -> str:
    # About one uuid in fifty has a run of exactly eleven digits, which logs would mask as an INSZ.
    while _LONG_DIGIT_RUN.search(value := random_uuid().hex) and holds_personal_data(value):
        pass
    return value


def is_acceptable_request_id(value: str | None) -> bool:
    return bool(value and _VALID.match(value) and not holds_personal_data(value))


def new_request_id(incoming: str | None = None) -> str:
    """Accept a caller's id when it is well-formed and carries no personal data, else make one."""
    value = incoming if incoming is not None and is_acceptable_request_id(incoming) else _generated()
    _request_id.set(value)
    return value


def clear_request_id() -> None:
    _request_id.set(None)
