"""A citizen's contact preferences as far as they concern the calling agency (contactvoorkeuren)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Consent(_Out):
    """The citizen's current answer: ``channel`` is ``email``, ``sms`` (per IPDC product) or ``iban``
    (for the whole agency, ``ipdc_product`` empty)."""

    ipdc_product: str
    channel: str
    granted: bool
    text_version: str
    updated_at: dt.datetime


class LedgerEntry(_Out):
    """One grant or withdrawal, with the version (and hash) of the text the citizen was shown."""

    ipdc_product: str
    channel: str
    action: str
    text_version: str
    text_sha256: str
    method: str
    recorded_at: dt.datetime


class ContactPreferences(_Out):
    """Addresses only when verified and consented for us; the IBAN only with the citizen's IBAN consent
    for us. A citizen who gave us no consent at all reads exactly like an unknown INSZ: all empty."""

    email: str | None
    mobile: str | None
    iban: str | None
    consents: list[Consent]
    ledger: list[LedgerEntry]
