"""Masking personal data in free text: the safety net under the rule that logs hold none (DESIGN rule 3).

It errs on the side of masking: any 11-digit number is taken for an INSZ, any Belgian or
international number for a phone. What it must not mask are the values logs are made of:
timestamps, dates and durations. A hex hash that happens to hold a run of exactly eleven digits
loses that run (a few in a hundred do); request ids are generated so that none does.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from stdnum.be import bis, nn
from stdnum.exceptions import ValidationError as StdnumError

# The INSZ validator (python-stdnum's ``compact``) drops every space, dot and hyphen anywhere, so
# "85--07--30--033--28" and "8 5 0 7 3 0 0 3 3 2 8" are INSZ numbers as much as "85073003328". A run of
# digits joined by any number of those separators is read as a whole: eleven digits are an INSZ; in a
# longer run, each eleven-digit stretch that passes the INSZ check (mod 97, as a national or BIS
# number) is one, so an INSZ followed by another number is still caught.
_DIGIT_RUN = re.compile(r"\d(?:[ .-]*\d)*")
_INSZ_DIGITS = 11


def _is_insz(digits: str) -> bool:
    for module in (nn, bis):
        try:
            module.validate(digits)
        except StdnumError:
            continue
        return True
    return False


def _insz_in_run(match: re.Match[str]) -> str:
    text = match.group(0)
    positions = [i for i, char in enumerate(text) if "0" <= char <= "9"]
    if len(positions) < _INSZ_DIGITS:
        return text
    if len(positions) == _INSZ_DIGITS:
        return "[insz]"
    digits = "".join(text[i] for i in positions)
    # Every stretch that checks out, overlapping ones merged: a chance match next to a real INSZ
    # must not leave part of the real one in clear.
    spans: list[list[int]] = []
    for k in range(len(digits) - _INSZ_DIGITS + 1):
        if _is_insz(digits[k : k + _INSZ_DIGITS]):
            start, end = positions[k], positions[k + _INSZ_DIGITS - 1] + 1
            if spans and start < spans[-1][1]:
                spans[-1][1] = end
            else:
                spans.append([start, end])
    for start, end in reversed(spans):
        text = text[:start] + "[insz]" + text[end:]
    return text


# IBAN length per country (ISO 13616 registry).
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def _lower_case_iban(match: re.Match[str]) -> str:
    """Lower-case letters followed by digits are also how hashes and ids look, so a lower-case IBAN is masked
    only when it has its country's length and passes the check (ISO 7064 mod 97-10)."""
    text = match.group(0)
    length = _IBAN_LENGTHS.get(text[:2].upper())
    # The pattern may run on into the next word: the IBAN ends where its country's length is reached.
    ends = [i + 1 for i, char in enumerate(text) if char.isalnum()]
    if length is None or len(ends) < length:
        return text
    end = ends[length - 1]
    rest = text[end:]
    if rest[:1].isalnum():
        return text
    compact = re.sub(r"\s", "", text[:end]).upper()
    digits = "".join(str(int(c, 36)) for c in compact[4:] + compact[:4])
    return "[iban]" + rest if int(digits) % 97 == 1 else text


# Order matters: a phone number with its country code holds 11 digits and would otherwise read as an INSZ,
# and the tail of a spaced INSZ (07 30 033 28) would read as a landline.
_PATTERNS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # e-mail, with internationalised local parts and domains
    (re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}"), "[email]"),
    # IBAN: country, check digits, 11 to 30 more characters, optionally in groups of four
    (re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b"), "[iban]"),
    (re.compile(r"\b[a-z]{2}\d{2}(?:\s?[a-z0-9]{4}){2,7}(?:\s?[a-z0-9]{1,4})?\b"), _lower_case_iban),
    # international phone: +32 470 12 34 56, 0032 470/12.34.56, +32 (0)470 12 34 56
    (re.compile(r"(?<![\w+])(?:\+|00)\d{1,3}(?:[ ./-]?(?:\(0\))?[ ./-]?\d){7,13}(?!\d)"), "[phone]"),
    # INSZ (or BIS): 85073003328, 85.07.30-033.28, 850730 033 28, 85--07--30--033--28 (see _DIGIT_RUN)
    (_DIGIT_RUN, _insz_in_run),
    # Belgian mobile: 0470 12 34 56, 0470/12.34.56, 0470123456
    (re.compile(r"(?<![\w-])04\d{2}[ /.]?\d{2}[ .]?\d{2}[ .]?\d{2}(?!\d)"), "[phone]"),
    # Belgian landline: 02 553 12 34, 09/123 45 67 (nine digits; dots are left to dates)
    (re.compile(r"(?<![\w./-])0[1-9](?:[ /]?\d){7}(?![\w./-])"), "[phone]"),
]


def redact(value: str) -> str:
    for pattern, replacement in _PATTERNS:
        value = pattern.sub(replacement, value)
    return value


def holds_personal_data(value: str) -> bool:
    return redact(value) != value
