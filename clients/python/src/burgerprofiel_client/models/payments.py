"""Payments (component betalingen): a payment request to a citizen, its status, refunds."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# ``created`` until the citizen starts paying (``started``), then what the provider says: ``success``
# (paid), ``failed`` (canceled, expired, refused: see ``failure_reason``); ``submitted`` and ``error`` too.
PaymentStatusName = Literal["created", "started", "submitted", "success", "failed", "error"]
FINAL_STATUSES: frozenset[str] = frozenset({"success", "failed", "error"})


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PaymentRequest(BaseModel):
    """A payment request to one citizen (``insz``), shown under "Betalingen" in the portal with an EPC
    QR code for a transfer to ``creditor_iban`` and a button to pay online. The platform makes a
    structured reference (OGM/VCS) when none is given; one the agency already used is a ``Conflict``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    insz: str = Field(min_length=1, max_length=32)
    amount_cents: int = Field(gt=0, le=100_000_000)
    description: str = Field(min_length=1, max_length=140)
    due_date: dt.date
    creditor_iban: str = Field(min_length=1, max_length=42)
    creditor_name: str | None = Field(default=None, max_length=70)
    structured_reference: str | None = Field(default=None, max_length=24)
    dossier_id: str | None = Field(default=None, max_length=200)
    ipdc_product: str | None = Field(default=None, max_length=200)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class Refund(_Out):
    id: uuid.UUID
    amount_cents: int
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime


class Payment(_Out):
    """A payment request as the platform holds it. ``status`` is a :data:`PaymentStatusName`."""

    id: uuid.UUID
    status: str
    failure_reason: str | None = None
    amount_cents: int
    currency: str
    structured_reference: str
    due_date: dt.date
    dossier_id: str | None = None
    ipdc_product: str | None = None
    creditor_iban: str
    creditor_name: str
    method: str | None = None
    fee_cents: int
    refunded_cents: int
    created_at: dt.datetime
    paid_at: dt.datetime | None = None
    refunds: list[Refund] = Field(default_factory=list)

    @property
    def paid(self) -> bool:
        return self.status == "success"

    @property
    def final(self) -> bool:
        """No status follows this one (``success``, ``failed`` or ``error``)."""
        return self.status in FINAL_STATUSES
