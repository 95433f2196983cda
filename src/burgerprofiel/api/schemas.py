from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import ConfigDict, Field

# Text the services accept, as patterns the documents declare and pydantic enforces: no control
# characters but tab and line breaks, and (required text) at least one character that is not blank.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"
REQUIRED_TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*[^\s\x00-\x1f][^\x00-\x08\x0b\x0c\x0e-\x1f]*$"
# Characters that NFKC turns into '/', '?', '#', '@' or ':' (such as U+2100 and the full-width forms):
# urlsplit refuses a host holding one (a test compares this list with unicodedata's).
NFKC_URL_DELIMITERS = (
    r"\u2047\u2048\u2049\u2100\u2101\u2105\u2106\u2a74\ufe13\ufe16\ufe55\ufe56\ufe5f\ufe6b\uff03\uff0f\uff1a"
    r"\uff1f\uff20"
)
# An absolute http(s) address with a host name or IPv4 address (no user part, no IPv6 literal, no control
# character, none of the characters above in the host).
HTTP_URL_PATTERN = rf"^https?://[^\s\x00-\x1f/?#\[\]@{NFKC_URL_DELIMITERS}]+([/?#][^\x00-\x1f]*)?$"


class Strict(Schema):
    """Input schemas refuse unknown fields: a typo must not be silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None


class ComponentOut(Schema):
    component: str
    label: str
    data_categories: list[str]
    retention_days: int


class OrderOut(Schema):
    processing_order_id: int
    version: int
    state: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    components: list[ComponentOut]


class MeOut(Schema):
    agency_id: int
    agency_name: str
    kbo: str
    client_id: str
    scopes: list[str]
    processing_order: OrderOut


class OrderCheckOut(Schema):
    allowed: bool
    component: str
    data_categories: list[str]
    order_version: int


class ContactPersonOut(Schema):
    id: int
    name: str
    email: str
    role: str
    phone: str
    authorised_from: dt.date
    authorised_until: dt.date | None


class AuditEventOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor_type: str
    actor_id: str
    action: str
    outcome: str
    object_type: str
    object_id: str
    purpose: str
    request_id: str
    order_version_id: int | None
    leaf_index: int | None


class TreeHeadOut(Schema):
    tree_size: int
    root_hash: str
    signed_at: dt.datetime
    signed_tree_head: str
    key_id: str


class InclusionProofOut(Schema):
    event_id: int
    leaf_index: int
    leaf_hash: str
    tree_size: int
    root_hash: str
    audit_path: list[str]
    signed_tree_head: str


class TreeRef(Schema):
    tree_size: int
    root_hash: str
    signed_tree_head: str


class ConsistencyProofOut(Schema):
    first: TreeRef
    second: TreeRef
    consistency_path: list[str]


class WitnessHeadIn(Schema):
    signed_tree_head: str = Field(
        min_length=1,
        max_length=4000,
        description="Een ondertekende boomkop (compacte JWS) zoals u hem van /audit/tree-heads/latest kreeg.",
    )


class WitnessedHeadOut(Schema):
    tree_size: int
    root_hash: str
    signed_tree_head: str
    recorded_at: dt.datetime
    consistent: bool = Field(description="Of de boom van het platform deze kop nog bevat.")
    latest: TreeRef | None = Field(description="De laatste ondertekende boomkop, waartegen het bewijs loopt.")
    consistency_path: list[str] = Field(description="RFC 9162-consistentiebewijs van deze kop naar `latest`.")
