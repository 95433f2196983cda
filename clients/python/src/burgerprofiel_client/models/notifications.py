"""Notifications (meldingen): what an agency sends, and what the platform answers about it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Notification(BaseModel):
    """One melding to one citizen (``insz``), about an IPDC product, in plain text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    insz: str = Field(min_length=1, max_length=32)
    message: str = Field(min_length=1)
    ipdc_product: str = Field(min_length=1, max_length=200)
    dossier_id: str | None = Field(default=None, max_length=200)
    action_required: bool = False
    action_url: str | None = Field(default=None, max_length=2000)
    responsible_org: str | None = Field(default=None, max_length=200)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class Delivery(_Out):
    """One channel of a melding (portal, e-mail, SMS) and how far it got."""

    channel: str
    status: str
    attempts: int
    final_at: dt.datetime | None = None


class NotificationAccepted(_Out):
    id: uuid.UUID
    deliveries: list[Delivery]


class NotificationStatus(_Out):
    id: uuid.UUID
    ipdc_product: str
    dossier_id: str
    action_required: bool
    created_at: dt.datetime
    read: bool
    content_purged: bool
    deliveries: list[Delivery]


class BulkAccepted(BaseModel):
    """Every melding a bulk or campaign accepted, over every request it took."""

    count: int = 0
    ids: list[uuid.UUID] = Field(default_factory=list)
    requests: int = 0


class Receipt(_Out):
    """A signed delivery receipt: ``receipt`` is a JWS (ES256) by the platform, checkable with /oauth/jwks."""

    id: int
    notification_id: uuid.UUID
    channel: str
    status: str
    receipt: str
    created_at: dt.datetime
