"""Property tests for every parser of outside input (hypothesis).

For each parser: values generated valid are accepted and normalised, and normalising again changes
nothing; values mutated out of validity are refused with the parser's own clear error; and
arbitrary input never raises anything else. The parsers: INSZ, KBO, IBAN, mobile numbers, the DOSIS
payload, NDJSON bulk lines, the answers of certificate sources (list and download) and the answers
of "Uw gegevens" pull sources.

Examples per property come from the hypothesis profile (``conftest.py``): modest in ``make test``,
``HYPOTHESIS_PROFILE=thorough`` for many more.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.be import bis, nn
from stdnum.be import vat as be_vat

from burgerprofiel.agencies.services import kbo_normalise
from burgerprofiel.citizens.insz import INSZ_PATTERN, insz_normalise
from burgerprofiel.common.errors import ValidationError
from burgerprofiel.documents.services import _decode, parse_certificates
from burgerprofiel.dossiers.models import Phase
from burgerprofiel.dossiers.services import BulkTooLarge, DosisValidationError, dosis_upload_parse, ndjson_lines
from burgerprofiel.personal_data.pull import PullProblem
from burgerprofiel.personal_data.services import parse_items
from burgerprofiel.preferences.services import iban_normalise, mobile_normalise

# Anything a caller could send: text of every kind, JSON of every shape.
any_text = st.text(max_size=60)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def mutated_digit(number: str, draw_index: int, draw_delta: int) -> str:
    digits = [i for i, c in enumerate(number) if c.isdigit()]
    index = digits[draw_index % len(digits)]
    changed = str((int(number[index]) + 1 + draw_delta % 9) % 10)
    return number[:index] + changed + number[index + 1 :]


# -- INSZ --------------------------------------------------------------------------------------------


@st.composite
def insz_numbers(draw: Any) -> str:
    """A national number (born 1920-2025) or a BIS number (month + 20 or + 40), as stdnum checks them."""
    born = draw(st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2025, 12, 31)))
    month = born.month + draw(st.sampled_from([0, 0, 20, 40]))
    base = f"{born.year % 100:02d}{month:02d}{born.day:02d}{draw(st.integers(1, 997)):03d}"
    check = 97 - int(("2" if born.year >= 2000 else "") + base) % 97
    return base + f"{check:02d}"


def laid_out(number: str, separators: list[str]) -> str:
    """The number with a separator (or none) after each digit, as people write it (85.07.30-033.28)."""
    return "".join(
        digit + (separators[i % len(separators)] if i < len(number) - 1 else "") for i, digit in enumerate(number)
    )


@given(insz_numbers(), st.lists(st.sampled_from(["", "", ".", "-", " "]), min_size=1, max_size=10))
def test_a_valid_insz_in_any_layout_is_accepted_as_its_eleven_digits_and_stays_so(number: str, seps: list[str]) -> None:
    written = laid_out(number, seps)
    assert re.fullmatch(INSZ_PATTERN, written)  # what the API documents declare, too
    normalised = insz_normalise(written)
    assert normalised == number
    assert insz_normalise(normalised) == normalised
    assert nn.is_valid(normalised) or bis.is_valid(normalised)


@given(insz_numbers(), st.integers(0, 10), st.integers(0, 8))
def test_an_insz_with_one_digit_changed_is_refused_with_a_clear_error(number: str, index: int, delta: int) -> None:
    wrong = mutated_digit(number, index, delta)
    assume(not (nn.is_valid(wrong) or bis.is_valid(wrong)))  # another valid number by chance (1 in ~97)
    with pytest.raises(ValidationError) as refused:
        insz_normalise(wrong)
    assert refused.value.extra["field"] == "insz"
    assert "INSZ" in refused.value.detail


@given(any_text)
def test_any_text_as_insz_is_either_a_valid_number_or_a_validation_error(text: str) -> None:
    try:
        normalised = insz_normalise(text)
    except ValidationError:
        return
    assert re.fullmatch(r"[0-9]{11}", normalised) and (nn.is_valid(normalised) or bis.is_valid(normalised))


# -- KBO ---------------------------------------------------------------------------------------------


@st.composite
def kbo_numbers(draw: Any) -> str:
    base = draw(st.sampled_from("01")) + f"{draw(st.integers(1_000_000, 9_999_999)):07d}"
    return base + f"{97 - int(base) % 97:02d}"


@given(kbo_numbers(), st.sampled_from(["{}", "BE{}", "BE {}", "{0}.{1}.{2}"]))
def test_a_valid_kbo_number_in_any_usual_layout_is_accepted_as_ten_digits_and_stays_so(
    number: str, layout: str
) -> None:
    written = layout.format(number) if "{0}" not in layout else layout.format(number[:4], number[4:7], number[7:])
    normalised = kbo_normalise(written)
    assert normalised == number
    assert kbo_normalise(normalised) == normalised


@given(kbo_numbers(), st.integers(0, 9), st.integers(0, 8))
def test_a_kbo_number_with_one_digit_changed_is_refused_with_a_clear_error(number: str, index: int, delta: int) -> None:
    wrong = mutated_digit(number, index, delta)
    assume(not be_vat.is_valid(wrong))
    with pytest.raises(ValidationError) as refused:
        kbo_normalise(wrong)
    assert refused.value.extra["field"] == "kbo"


@given(any_text)
def test_any_text_as_kbo_is_either_a_valid_number_or_a_validation_error(text: str) -> None:
    try:
        normalised = kbo_normalise(text)
    except ValidationError:
        return
    assert be_vat.is_valid(normalised) and len(normalised) == 10


# -- IBAN --------------------------------------------------------------------------------------------


@st.composite
def belgian_ibans(draw: Any) -> str:
    """BE, two ISO 7064 check digits, then ten digits and their mod-97 national check."""
    account = draw(st.integers(1, 9_999_999_999))
    national = account % 97 or 97
    bban = f"{account:010d}{national:02d}"
    check = 98 - int(bban + "111400") % 97  # B=11, E=14, then 00
    return f"BE{check:02d}{bban}"


@given(belgian_ibans(), st.booleans(), st.booleans())
def test_a_valid_iban_written_as_people_write_it_is_accepted_compact_and_stays_so(
    iban: str, grouped: bool, lower: bool
) -> None:
    written = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if grouped else iban
    written = written.lower() if lower else written
    normalised = iban_normalise(written)
    assert normalised == iban
    assert iban_normalise(normalised) == normalised


@given(belgian_ibans(), st.integers(0, 13), st.integers(0, 8))
def test_an_iban_with_one_digit_changed_is_refused_with_a_clear_error(iban: str, index: int, delta: int) -> None:
    with pytest.raises(ValidationError) as refused:
        iban_normalise(mutated_digit(iban, index, delta))  # mod 97 catches every single-digit change
    assert refused.value.extra["field"] == "iban"


@given(any_text)
def test_any_text_as_iban_is_either_an_iban_or_a_validation_error(text: str) -> None:
    try:
        normalised = iban_normalise(text)
    except ValidationError:
        return
    assert re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+", normalised)


# -- mobile numbers ----------------------------------------------------------------------------------


@given(
    st.sampled_from(["46", "47", "48", "49"]),
    st.integers(0, 9_999_999),
    st.sampled_from(["0{}", "+32{}", "0032{}", "+32 {}"]),
)
def test_a_belgian_mobile_number_in_any_usual_form_becomes_e164_and_stays_so(prefix: str, rest: int, form: str) -> None:
    national = f"{prefix}{rest:07d}"
    normalised = mobile_normalise(form.format(national))
    assert normalised == f"+32{national}"
    assert mobile_normalise(normalised) == normalised


@given(st.integers(0, 99_999_999))
def test_a_belgian_landline_is_refused_as_a_mobile_number(number: int) -> None:
    with pytest.raises(ValidationError) as refused:
        mobile_normalise(f"02{number:07d}"[:9])  # Brussels, fixed line
    assert refused.value.extra["field"] == "mobile"


@given(any_text)
def test_any_text_as_mobile_number_is_either_e164_or_a_validation_error(text: str) -> None:
    try:
        normalised = mobile_normalise(text)
    except ValidationError:
        return
    assert re.fullmatch(r"\+[0-9]{8,15}", normalised)


# -- the DOSIS payload -------------------------------------------------------------------------------

words = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=30).filter(
    str.strip
)


@st.composite
def dosis_payloads(draw: Any) -> dict[str, Any]:
    agent = {"Identificatie": draw(insz_numbers()), "Toegangsrechten": [{"Code": "Raadpleger"}]}
    payload: dict[str, Any] = {
        "Identificatie": {
            "Bron": "https://bron.example/" + draw(st.from_regex(r"[a-z]{1,10}", fullmatch=True)),
            "DossierNummer": draw(words),
        },
        "Naam": draw(words),
        "WijzigingsDatum": draw(
            st.datetimes(
                min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 1, 1), timezones=st.just(dt.UTC)
            )
        ).isoformat(),
        "Status": {"VlaamsCode": draw(words), "VlaamsFase": draw(st.sampled_from(Phase.values))},
        "Agenten": [agent, *draw(st.lists(st.builds(lambda k: {"Identificatie": k}, kbo_numbers()), max_size=2))],
    }
    if draw(st.booleans()):
        payload["UploadId"] = draw(words)[:100]
    if draw(st.booleans()):
        payload["Producten"] = [{"Id": draw(words)}]
    if draw(st.booleans()):
        payload["Doorverwijzing"] = "https://loket.example/" + draw(st.from_regex(r"[a-z0-9]{0,12}", fullmatch=True))
    return payload


@given(dosis_payloads())
def test_a_valid_dosis_payload_is_accepted_and_parsing_its_own_output_changes_nothing(payload: dict[str, Any]) -> None:
    parsed = dosis_upload_parse(json.dumps(payload))
    again = dosis_upload_parse(parsed.model_dump_json())
    assert again == parsed
    assert parsed.Identificatie.Bron == payload["Identificatie"]["Bron"]
    assert parsed.WijzigingsDatum.tzinfo is not None


@given(dosis_payloads(), st.sampled_from(["Identificatie", "Naam", "WijzigingsDatum", "Status", "Agenten"]))
def test_a_dosis_payload_without_a_required_field_is_refused_naming_that_field(
    payload: dict[str, Any], field: str
) -> None:
    del payload[field]
    with pytest.raises(DosisValidationError) as refused:
        dosis_upload_parse(json.dumps(payload))
    assert field in [e["field"] for e in refused.value.errors]


@given(dosis_payloads())
def test_a_dosis_payload_where_nobody_may_consult_is_refused(payload: dict[str, Any]) -> None:
    for agent in payload["Agenten"]:
        agent["Toegangsrechten"] = []
    with pytest.raises(DosisValidationError):
        dosis_upload_parse(json.dumps(payload))


@given(json_values | st.binary(max_size=80).map(lambda b: b))
def test_any_body_as_dosis_payload_is_refused_in_dosis_format_and_nothing_else(body: Any) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body)
    with pytest.raises(DosisValidationError) as refused:
        dosis_upload_parse(raw)
    assert all(set(e) == {"code", "message", "description", "field"} for e in refused.value.errors)


# -- NDJSON bulk lines -------------------------------------------------------------------------------

lines_of_json = st.lists(json_values.map(lambda v: json.dumps(v).encode()), min_size=0, max_size=12)


@given(lines_of_json, st.lists(st.sampled_from([b"", b" ", b"\r", b"\t "]), max_size=12), st.integers(1, 64))
def test_ndjson_yields_exactly_the_non_blank_lines_whatever_the_chunk_boundaries(
    lines: list[bytes], blanks: list[bytes], chunk: int
) -> None:
    body = b"\n".join(line + b"\n" + blanks[i % len(blanks)] if blanks else line for i, line in enumerate(lines))
    with mock.patch("burgerprofiel.dossiers.services.accept.NDJSON_CHUNK_BYTES", chunk):
        got = list(ndjson_lines(io.BytesIO(body), max_bytes=len(body) + 1, max_lines=len(lines) + 1))
    assert [g.strip() for g in got] == [line.strip() for line in lines]


@given(lines_of_json.filter(lambda lines: len(lines) >= 2))
def test_ndjson_refuses_one_line_more_than_allowed_before_yielding_it(lines: list[bytes]) -> None:
    body = b"\n".join(lines)
    with pytest.raises(BulkTooLarge):
        list(ndjson_lines(io.BytesIO(body), max_bytes=len(body) + 1, max_lines=len(lines) - 1))


@given(st.binary(min_size=2, max_size=200))
def test_ndjson_refuses_a_body_over_the_byte_limit_whatever_it_holds(body: bytes) -> None:
    with pytest.raises(BulkTooLarge):
        list(ndjson_lines(io.BytesIO(body), max_bytes=len(body) - 1, max_lines=10_000))


# -- certificate sources -----------------------------------------------------------------------------

certificates = st.lists(
    st.fixed_dictionaries(
        {"year": st.integers(1900, 2100), "language": st.sampled_from(["nl", "fr", "de", "en", "NL"]), "name": words},
        optional={"id": words, "_links": st.just({"self": {"href": "https://bron.example/x"}})},
    ),
    max_size=5,
)


@given(certificates, st.sampled_from(["page", "pageMetadata", None]))
def test_a_valid_certificate_list_is_read_entry_by_entry(entries: list[dict[str, Any]], paging: str | None) -> None:
    answer: dict[str, Any] = {"_embedded": {"certificates": entries}}
    if paging:
        answer[paging] = {"size": 10, "totalElements": len(entries), "totalPages": 1, "number": 0}
    parsed = parse_certificates(answer)
    assert [(c["year"], c["language"], c["name"]) for c in parsed] == [
        (e["year"], e["language"].lower(), e["name"][:300]) for e in entries
    ]
    assert parse_certificates({"_embedded": {"certificates": parsed}}) == parsed  # its own output reads the same


@given(json_values)
def test_any_certificate_list_answer_is_read_or_refused_as_malformed(answer: Any) -> None:
    try:
        parsed = parse_certificates(answer)
    except PullProblem as problem:
        assert problem.kind == "malformed"
        return
    assert all(re.fullmatch("[a-z]{2}", c["language"]) for c in parsed)


SOURCE = SimpleNamespace(agency=SimpleNamespace(name="Agentschap Opgroeien"))


@given(
    st.binary(max_size=200), st.sampled_from(["application/pdf", "application/pdf; charset=binary", "APPLICATION/PDF"])
)
def test_a_pdf_download_is_decoded_to_exactly_its_bytes(tail: bytes, content_type: str) -> None:
    pdf = b"%PDF-1.7\n" + tail
    answer = {"contentType": content_type, "attest": base64.b64encode(pdf).decode()}
    download = _decode(answer, status=200, source=SOURCE, year=2025, language="nl")
    assert download.content == pdf
    assert download.content_type == "application/pdf"
    assert download.filename.endswith(".pdf")


@given(json_values, st.sampled_from([200, 404]))
def test_any_download_answer_is_a_pdf_or_a_pull_problem(answer: Any, status: int) -> None:
    try:
        download = _decode(answer, status=status, source=SOURCE, year=2025, language="nl")
    except PullProblem as problem:
        assert problem.kind in ("not-found", "malformed", "content-type", "oversized")
        return
    assert download.content.startswith(b"%PDF-")


@given(st.binary(min_size=1, max_size=60).filter(lambda b: not b.startswith(b"%PDF-")))
def test_a_download_that_is_no_pdf_is_refused_whatever_it_claims(content: bytes) -> None:
    answer = {"contentType": "application/pdf", "attest": base64.b64encode(content).decode()}
    with pytest.raises(PullProblem) as refused:
        _decode(answer, status=200, source=SOURCE, year=2025, language="nl")
    assert refused.value.kind == "content-type"


# -- "Uw gegevens" pull sources ----------------------------------------------------------------------

INSZ = "85073003328"
items = st.lists(
    st.fixed_dictionaries(
        {"id": words | st.integers(1, 10**6), "label": words},
        optional={
            "value": words | st.integers() | st.floats(allow_nan=False, allow_infinity=False),
            "category": words,
            "updatedAt": st.dates().map(dt.date.isoformat),
        },
    ),
    max_size=6,
)


@given(items)
def test_a_valid_pull_answer_is_read_item_by_item(entries: list[dict[str, Any]]) -> None:
    parsed = parse_items({"subject": INSZ, "items": entries}, insz=INSZ, default_category="algemeen")
    assert [(i.id, i.label) for i in parsed] == [(str(e["id"])[:100], e["label"][:200]) for e in entries]
    assert all(i.category == (e.get("category") or "algemeen")[:80] for i, e in zip(parsed, entries, strict=True))
    assert all(
        i.updated_at == (dt.date.fromisoformat(e["updatedAt"]) if "updatedAt" in e else None)
        for i, e in zip(parsed, entries, strict=True)
    )


@given(items, insz_numbers())
def test_a_pull_answer_about_another_person_is_refused(entries: list[dict[str, Any]], other: str) -> None:
    assume(other != INSZ)
    with pytest.raises(PullProblem) as refused:
        parse_items({"subject": other, "items": entries}, insz=INSZ, default_category="algemeen")
    assert refused.value.kind == "other-subject"


@given(json_values | st.fixed_dictionaries({"subject": st.just(INSZ), "items": st.lists(json_values, max_size=4)}))
def test_any_pull_answer_is_read_or_refused_as_a_pull_problem(answer: Any) -> None:
    try:
        parse_items(answer, insz=INSZ, default_category="algemeen")
    except PullProblem as problem:
        assert problem.kind in ("malformed", "other-subject")
