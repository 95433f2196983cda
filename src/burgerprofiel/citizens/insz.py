"""INSZ: the national number (rijksregisternummer) or BIS number, checked with python-stdnum."""

from __future__ import annotations

from stdnum.be import bis, nn
from stdnum.exceptions import ValidationError as StdnumError

from burgerprofiel.common.errors import ValidationError
from burgerprofiel.crypto.fields import blind_index


def insz_normalise(value: str) -> str:
    """Eleven digits, valid as a national number or a BIS number; else a ValidationError."""
    compact = nn.compact(value or "")
    for module in (nn, bis):
        try:
            return str(module.validate(compact))
        except StdnumError:
            continue
    raise ValidationError("Dit is geen geldig INSZ-nummer (rijksregister- of BIS-nummer).", extra={"field": "insz"})


def insz_index(value: str) -> str:
    return blind_index(insz_normalise(value), purpose="insz")
