"""INSZ: the national number (rijksregisternummer) or BIS number, checked with python-stdnum."""

from __future__ import annotations

import functools

from stdnum.be import bis, nn
from stdnum.exceptions import ValidationError as StdnumError

from burgerprofiel.common.errors import ValidationError
from burgerprofiel.crypto.fields import blind_index


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
