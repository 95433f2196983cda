"""Logs never hold an INSZ, e-mail, IBAN or phone number in clear (DESIGN rule 3)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import sys

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from burgerprofiel.api.routers import notifications as api_module
from burgerprofiel.common.logging import JsonFormatter
from burgerprofiel.common.redaction import redact

PERSONAL_DATA = [
    ("85073003328", "[insz]"),
    ("85.07.30-033.28", "[insz]"),
    ("850730 033 28", "[insz]"),
    ("85--07--30--033--28", "[insz]"),  # the INSZ validator drops any number of separators
    ("8 5 0 7 3 0 0 3 3 2 8", "[insz]"),
    (" 85.07.30.033.28 ", " [insz] "),
    ("jan.peeters@opgroeien.be", "[email]"),
    ("jürgen.müller@voorbeeld.be", "[email]"),
    ("BE71 0961 2345 6769", "[iban]"),
    ("BE71096123456769", "[iban]"),
    ("be71 0961 2345 6769", "[iban]"),
    ("0470 12 34 56", "[phone]"),
    ("0470/12.34.56", "[phone]"),
    ("0470123456", "[phone]"),
    ("+32 470 12 34 56", "[phone]"),
    ("+32470123456", "[phone]"),
    ("0032 470 12 34 56", "[phone]"),
    ("+32 (0)470 12 34 56", "[phone]"),
    ("02 553 12 34", "[phone]"),
]
NOT_PERSONAL = [
    "2024-05-17T10:15:30.123456+00:00",
    "2024-05-17 10:15:30,123",
    "2024-05-17",
    "17/05/2024",
    "01.02.2024",
    "Fri, 17 May 2024 10:15:30 GMT",
    "1715940930",
    "1715940930123",
    "20240517101530",
    "duration 12.3 ms",
    "51ebf26c3dc242cd93d2c18a19ebead9",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "KBO 0316.380.841",
]


def _format(message: str, *args: object, exc_info: object = None, **extra: object) -> dict:
    record = logging.LogRecord("burgerprofiel.test", logging.INFO, __file__, 1, message, args, exc_info)  # type: ignore[arg-type]
    record.__dict__.update(extra)
    return json.loads(JsonFormatter().format(record))


@pytest.mark.parametrize(("value", "mask"), PERSONAL_DATA)
def test_personal_data_is_masked_in_the_message_and_in_structured_fields(value, mask):
    line = _format("contact %s gewijzigd", value, contact=value, nested={"values": [value]})
    text = json.dumps(line, ensure_ascii=False)
    assert value not in text
    assert line["message"] == f"contact {mask} gewijzigd"
    assert line["contact"] == mask
    assert line["nested"] == {"values": [mask]}


def test_an_insz_passed_as_a_number_is_masked():
    assert _format("burger", insz=85073003328)["insz"] == "[insz]"


def test_personal_data_in_dict_keys_is_masked():
    line = _format("opzoeking", hits={"jan.peeters@opgroeien.be": 1})
    assert line["hits"] == {"[email]": 1}


def test_personal_data_in_an_exception_is_masked():
    try:
        raise ValueError("onbekende INSZ 85.07.30-033.28")
    except ValueError:
        line = _format("mislukt", exc_info=sys.exc_info())
    assert "85.07.30-033.28" not in line["exception"]
    assert "onbekende INSZ [insz]" in line["exception"]


@pytest.mark.parametrize("value", NOT_PERSONAL)
def test_timestamps_dates_and_ids_are_not_masked(value):
    assert redact(value) == value
    assert _format("%s", value, field=value)["field"] == value


def test_numbers_that_are_not_personal_data_stay_numbers():
    line = _format("klaar", status=201, duration_ms=12.5, count=3, ok=True)
    assert (line["status"], line["duration_ms"], line["count"], line["ok"]) == (201, 12.5, 3, True)


def test_a_log_line_is_one_json_object_with_time_level_logger_message_and_request_id():
    line = _format("hallo")
    assert set(line) == {"time", "level", "logger", "message", "request_id"}
    assert (line["level"], line["logger"], line["message"]) == ("info", "burgerprofiel.test", "hallo")
    assert line["time"].endswith("+00:00")


class CapturedLog:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[dict]:
        return [json.loads(raw) for raw in self.stream.getvalue().splitlines()]


@pytest.fixture
def captured_log():
    """Every line the application logs, as the JSON formatter writes it, down to DEBUG and SQL included."""
    captured = CapturedLog()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(JsonFormatter())
    root, sql = logging.getLogger(), logging.getLogger("django.db.backends")
    levels = (root.level, sql.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    sql.setLevel(logging.DEBUG)
    connection.force_debug_cursor = True  # log every SQL statement, parameters included
    try:
        yield captured
    finally:
        connection.force_debug_cursor = False
        root.removeHandler(handler)
        root.setLevel(levels[0])
        sql.setLevel(levels[1])


@pytest.mark.django_db
def test_posting_a_notification_leaves_no_insz_or_message_text_in_any_log_line(client, auth_headers, captured_log):
    # The contact-person POST that served here is gone (issue 11 item 10): a melding carries an INSZ
    # and a free text, the two things a log must never hold.
    body = {"insz": "85.07.30-033.28", "message": "Uw premie van Jan Peeters is goedgekeurd.", "ipdc_product": "1502"}
    response = client.post(
        "/api/v1/notifications",
        body,
        content_type="application/json",
        HTTP_X_REQUEST_ID="agency-run-0001",
        **auth_headers,
    )
    assert response.status_code == 202, response.content

    lines = captured_log.lines()
    request_lines = [line for line in lines if line["request_id"] == "agency-run-0001"]
    assert any(line["message"] == "request" for line in request_lines)
    assert any(line["logger"] == "django.db.backends" for line in request_lines)  # the SQL was logged too
    for line in lines:
        raw = json.dumps(line, ensure_ascii=False)
        assert "85073003328" not in raw and "85.07.30-033.28" not in raw
        assert "premie" not in raw
        assert "Peeters" not in raw  # names have no pattern to mask: they must simply never be logged


@pytest.mark.django_db
def test_every_log_line_written_while_answering_a_request_carries_its_request_id(
    client, auth_headers, captured_log, monkeypatch
):
    def explode(**kwargs):
        raise RuntimeError("kapot")

    monkeypatch.setattr(api_module, "notification_accept", explode)
    body = {"insz": "85073003328", "message": "Uw dossier is afgerond.", "ipdc_product": "1502"}
    response = client.post(
        "/api/v1/notifications",
        body,
        content_type="application/json",
        HTTP_X_REQUEST_ID="agency-run-0002",
        **auth_headers,
    )
    assert response.status_code == 500

    # The capture starts after the token was fetched: every line is from this one request.
    lines = captured_log.lines()
    assert {line["message"] for line in lines} >= {"unexpected error in the agency API", "request"}
    assert any(line["logger"] == "django.db.backends" for line in lines)
    assert {line["request_id"] for line in lines} == {"agency-run-0002"}


def _valid_insz(born: dt.date, serial: int) -> str:
    first = f"{born:%y%m%d}{serial:03d}"
    base = int(("2" if born.year >= 2000 else "") + first)
    return f"{first}{97 - base % 97:02d}"


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    born=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)),
    serial=st.integers(min_value=1, max_value=997),
    separators=st.lists(st.sampled_from(["", "", " ", ".", "-", "--", " . ", "-.", "  "]), min_size=12, max_size=12),
    before=st.sampled_from(["", "INSZ ", "dossier 42 van ", "/api/v1/preferences/"]),
    after=st.sampled_from(["", " gezien", " 7", ".", "?page=0"]),
)
def test_every_form_the_insz_validator_accepts_is_masked(born, serial, separators, before, after):
    from burgerprofiel.citizens.insz import insz_normalise

    insz = _valid_insz(born, serial)
    form = separators[0] + "".join(d + s for d, s in zip(insz, separators[1:], strict=True))
    assert insz_normalise(form) == insz  # the validator takes it, so the logs must not show it
    redacted = redact(before + form + after)
    assert insz not in re.sub(r"[ .-]", "", redacted)
    assert "[insz]" in redacted or "[phone]" in redacted  # "00..." (born in 2000) also reads as a phone number
