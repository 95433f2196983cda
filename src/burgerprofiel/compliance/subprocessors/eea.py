"""The European Economic Area: the 27 EU member states, Iceland, Liechtenstein and Norway (charter 10).

ISO 3166-1 alpha-2 codes. Greece is ``GR`` here (the EU's own lists say ``EL``; both are accepted).
"""

from __future__ import annotations

EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
EEA = EU | frozenset({"IS", "LI", "NO"})


def country_normalise(country: str) -> str:
    code = (country or "").strip().upper()
    return "GR" if code == "EL" else code


def in_eea(country: str) -> bool:
    return country_normalise(country) in EEA
