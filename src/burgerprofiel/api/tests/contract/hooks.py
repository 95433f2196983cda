"""Schemathesis hooks for the agency API's documents (``schemathesis.toml`` loads this module).

What a JSON Schema cannot say, the documents say in words and in a ``format``; here each of those
gets a generator, so that schemathesis's "a schema-valid request is accepted" check holds the
server to it instead of being switched off:

- ``format: insz`` / ``insz-of-kbo``: numbers with check digits (mod 97). A pattern states the
  syntax; only the check digits are left to the format. The fuzzing phase draws such values from the
  strategies below; the coverage phase builds its values from the pattern alone, so before each call
  a value of that format gets its check digits computed (``_check_digits``), keeping its form.
- Idempotency-Key: a key is one request; the same key with another body is refused (422, as the
  IETF idempotency-key draft asks). Generated keys are made unique per request, keeping their form.
- ``GET /api/v1/audit/consistency-proof``: ``first`` <= ``second`` (stated in the parameter's
  description); a generated pair is put in order.

And one check of our own: every error the API answers is RFC 9457 problem+json (DOSIS v2's
validation errors excepted: they keep DOSIS's own wire format, which the v2 document declares).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

import schemathesis
from hypothesis import strategies as st

IDEMPOTENCY_KEY_MAX_LENGTH = 200


def _with_mod97(base: str) -> str:
    return base + f"{97 - int(base) % 97:02d}"


@st.composite
def insz_numbers(draw: Any) -> str:
    """A national number (born before or after 2000) or a BIS number (month + 20 or + 40)."""
    year = draw(st.integers(0, 99))
    month = draw(st.integers(1, 12)) + draw(st.sampled_from([0, 0, 20, 40]))
    day = draw(st.integers(1, 28))
    serial = draw(st.integers(1, 997))
    base = f"{year:02d}{month:02d}{day:02d}{serial:03d}"
    # Born from 2000 on only up to this year: a birth year still to come makes no valid number (the check
    # digits of 2xx are then not accepted, as python-stdnum and so the platform read them).
    born_after_2000 = year <= dt.date.today().year - 2000 and draw(st.booleans())
    check = 97 - int(("2" if born_after_2000 else "") + base) % 97
    number = base + f"{check:02d}"
    if draw(st.booleans()):  # the official layout as well: 85.07.30-033.28
        return f"{number[:2]}.{number[2:4]}.{number[4:6]}-{number[6:9]}.{number[9:]}"
    return number


@st.composite
def kbo_numbers(draw: Any) -> str:
    """An enterprise number: 0 or 1, eight digits, check = 97 - (first eight mod 97)."""
    base = draw(st.sampled_from("01")) + f"{draw(st.integers(1_000_000, 99_999_999)):08d}"
    number = base[:8] + f"{97 - int(base[:8]) % 97:02d}"
    return number


schemathesis.openapi.format("insz", insz_numbers())
schemathesis.openapi.format("kbo", kbo_numbers())
schemathesis.openapi.format("insz-of-kbo", st.one_of(insz_numbers(), kbo_numbers()))

# NDJSON bodies (application/x-ndjson): the documents describe each line in words (a notification as
# POST /api/v1/notifications takes it; a DOSIS upload), which no schema of a string can carry. A DOSIS
# bulk refuses each bad line on its own (200 with per-line results), so these lines serve both.
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=40).filter(
    str.strip
)
_notification_line = st.fixed_dictionaries(
    {"insz": insz_numbers(), "message": _text, "ipdc_product": _text},
    optional={"dossier_id": _text, "action_required": st.booleans(), "responsible_org": _text},
)
schemathesis.openapi.media_type(
    "application/x-ndjson",
    st.lists(_notification_line, min_size=1, max_size=3).map(
        lambda lines: "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()
    ),
)


def _printable_ascii(value: str) -> bool:
    return all(" " <= c <= "~" for c in value)


_INSZ = re.compile(r"^[\s.-]*[0-9]([ .-]*[0-9]){10}[\s.-]*$")  # the documents' INSZ pattern
_SEPARATORS = re.compile(r"[\s./-]")


def _insz_checked(value: str) -> str:
    """The same INSZ, in the same layout, with a month that exists and the check digits of a birth
    year 19xx."""
    digits = _SEPARATORS.sub("", value)
    base = f"{digits[:2]}{int(digits[2:4]) % 13:02d}{digits[4:9]}"
    fixed = base + f"{97 - int(base) % 97:02d}"
    out, it = [], iter(fixed)
    for char in value:  # keep the separators where they were
        out.append(next(it) if char.isdigit() else char)
    return "".join(out)


def _agent_checked(value: str) -> str:
    """An INSZ or KBO number (``insz-of-kbo``) with valid check digits: 11 digits become an INSZ with a
    month in range, 9 or 10 digits a KBO number starting with 0 or 1."""
    digits = _SEPARATORS.sub("", value)
    if digits.upper().startswith("BE"):
        digits = digits[2:]
    if len(digits) == 11:
        month = int(digits[2:4]) % 13
        base = f"{digits[:2]}{month:02d}{digits[4:9]}"
        return base + f"{97 - int(base) % 97:02d}"
    if len(digits) in (9, 10):
        digits = digits.rjust(10, "0")
        base = ("0" if digits[0] not in "01" else digits[0]) + digits[1:8]
        if int(base) == 0:
            base = "00000001"
        return base + f"{97 - int(base) % 97:02d}"
    return value


def _check_digits(node: Any, key: str = "") -> Any:
    if isinstance(node, dict):
        for name, value in node.items():
            node[name] = _check_digits(value, name)
        return node
    if isinstance(node, list):
        return [_check_digits(item, key) for item in node]
    if isinstance(node, str):
        if key in ("insz", "recipients") and _INSZ.match(node):
            return _insz_checked(node)
        if key == "Identificatie" and re.fullmatch(r"[\sBbEe0-9./-]{9,40}", node):
            return _agent_checked(node)
    return node


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    _idempotency_key_unique(case)
    if case.path == "/api/v1/audit/consistency-proof":
        _consistency_proof_in_order(case)
    for container in ("path_parameters", "query", "body"):
        value = getattr(case, container, None)
        if isinstance(value, dict | list):
            setattr(case, container, _check_digits(value))


def _idempotency_key_unique(case: Any) -> None:
    # A valid Idempotency-Key stays valid (printable ASCII, at most 200 characters) and becomes unique:
    # reusing one for another body is a refusal the schema cannot state (see the module's note).
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and 0 < len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH and _printable_ascii(key):
        suffix = uuid.uuid4().hex
        headers["Idempotency-Key"] = key[: IDEMPOTENCY_KEY_MAX_LENGTH - len(suffix)] + suffix


def _consistency_proof_in_order(case: Any) -> None:
    # The parameters' relation (first <= second), stated in the document's description. Here and not in a
    # map_query hook: the coverage phase's boundary values do not pass through those.
    query = case.query or {}
    first, second = query.get("first"), query.get("second")
    numbers = [int(v) if isinstance(v, str) and v.isascii() and v.isdigit() else v for v in (first, second)]
    if all(isinstance(n, int) and not isinstance(n, bool) for n in numbers) and numbers[0] > numbers[1]:
        query["first"], query["second"] = second, first


@schemathesis.check
def problem_json_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx is application/problem+json (RFC 9457) with a stable type, except a DOSIS v2
    validation error (its own wire format, declared in the v2 document)."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0].split(";")[0]
    if case.path.startswith("/api/v2/") and response.status_code == 400 and content_type == "application/json":
        body = json.loads(response.content)
        assert body.get("code") and isinstance(body.get("errors"), list), body
        return True
    assert content_type == "application/problem+json", (
        f"{response.status_code} answered as {content_type!r}, not application/problem+json"
    )
    body = json.loads(response.content)
    assert body["status"] == response.status_code, body
    assert body["type"].startswith("https://burgerprofiel.example/problems/"), body
    return True
