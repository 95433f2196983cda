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
}
CURRENT_VERSION = "2026-11-v1"


def consent_text(*, version: str, agency: str, product: str, channel: str) -> str:
    return CONSENT_TEXTS[version].format(agency=agency, product=product, channel=channel)


def consent_text_sha256(version: str) -> str:
    return hashlib.sha256(CONSENT_TEXTS[version].encode()).hexdigest()
