"""INSZ: the national number (rijksregisternummer) or BIS number, checked with python-stdnum."""

from __future__ import annotations

import functools
from typing import Annotated

from pydantic import Field
from stdnum.be import bis, nn
from stdnum.exceptions import ValidationError as StdnumError

from burgerprofiel.common.errors import ValidationError
from burgerprofiel.crypto.fields import blind_index

# What the agency API accepts as an INSZ, and its documents declare: eleven digits, which spaces, dots
# and dashes may separate (85.07.30-033.28), as ``insz_normalise`` reads them. Which months exist and
# the check digits are the format "insz": a JSON Schema cannot compute mod 97.
INSZ_PATTERN = r"^[\s.-]*[0-9]([ .-]*[0-9]){10}[\s.-]*$"
INSZ_HELP = (
    "INSZ (rijksregister- of BIS-nummer): 11 cijfers, eventueel gescheiden door spaties, punten of streepjes "
    "(85.07.30-033.28). Cijfers 3-4: de maand 0-12, of + 20 of + 40 voor een BIS-nummer; de laatste twee: het "
    "controlegetal 97 - (de eerste negen, of 2 gevolgd door de eerste negen voor wie vanaf 2000 geboren is, mod 97)."
)
INSZ_SCHEMA = {"format": "insz", "description": INSZ_HELP}
Insz = Annotated[str, Field(pattern=INSZ_PATTERN, json_schema_extra=INSZ_SCHEMA)]


def insz_normalise(value: str) -> str:
    """Eleven digits, valid as a national number or a BIS number; else a ValidationError."""
    normalised = _insz_checked(value or "")
    if normalised is None:
        raise ValidationError("Dit is geen geldig INSZ-nummer (rijksregister- of BIS-nummer).", extra={"field": "insz"})
    return normalised


@functools.lru_cache(maxsize=4096)
def _insz_checked(value: str) -> str | None:
    # Remembered: a bulk upload names the same people many times (both parents on every dossier of a
    # family), and stdnum's check costs more than the rest of a line's validation together.
    compact = nn.compact(value)
    for module in (nn, bis):
        try:
            return str(module.validate(compact))
        except StdnumError:
            continue
    return None


def insz_index(value: str) -> str:
    return blind_index(insz_normalise(value), purpose="insz")
