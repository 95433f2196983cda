"""The calling agency, its processing order, its contact persons."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class OrderComponent(_Out):
    component: str
    label: str
    data_categories: list[str]
    retention_days: int


class ProcessingOrder(_Out):
    """The version of the processing order (verwerkingsopdracht) in force."""

    processing_order_id: int
    version: int
    state: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    components: list[OrderComponent]


class Me(_Out):
    agency_id: int
    agency_name: str
    kbo: str
    client_id: str
    scopes: list[str]
    processing_order: ProcessingOrder


class OrderCheck(_Out):
    """The order allows ``component`` with ``data_categories`` (a refusal raises ``Forbidden`` instead)."""

    allowed: bool
    component: str
    data_categories: list[str]
    order_version: int


class ContactPerson(_Out):
    id: int
    name: str
    email: str
    role: str
    phone: str
    authorised_from: dt.date
    authorised_until: dt.date | None
