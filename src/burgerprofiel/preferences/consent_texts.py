"""The consent texts a citizen is shown, by version (the ledger records which one was seen).

A text is never edited once published: a new wording is a new version, so the ledger can always
show exactly what the citizen agreed to.
"""

from __future__ import annotations

import hashlib

CONSENT_TEXTS: dict[str, str] = {
    "2026-11-v1": (
        "Ik geef {agency} toestemming om mij via {channel} te verwittigen wanneer er in Mijn Burgerprofiel een "
        "nieuw bericht over '{product}' voor mij klaarstaat. Ik kan deze toestemming altijd intrekken."
    ),
    "2026-11-iban-v1": (
        "Ik geef {agency} toestemming om het rekeningnummer (IBAN) dat ik in Mijn Burgerprofiel bewaar op te "
        "vragen, om er bedragen op te storten of terug te betalen. Ik kan deze toestemming altijd intrekken."
    ),
}
CURRENT_VERSION = "2026-11-v1"  # e-mail and SMS, per agency × IPDC product
IBAN_CURRENT_VERSION = "2026-11-iban-v1"  # the IBAN, per agency
IBAN_VERSIONS = frozenset({"2026-11-iban-v1"})


def is_iban_version(version: str) -> bool:
    return version in IBAN_VERSIONS


def consent_text(*, version: str, agency: str, product: str = "", channel: str = "") -> str:
    return CONSENT_TEXTS[version].format(agency=agency, product=product, channel=channel)


def consent_text_sha256(version: str) -> str:
    return hashlib.sha256(CONSENT_TEXTS[version].encode()).hexdigest()
