"""The contactvoorkeuren component: an agency reads a citizen's preferences within its own scope."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.api.auth import AgencyAuth, agency_request_actor, order_version_of, principal_of
from burgerprofiel.preferences.services import preferences_read_by_agency

router = Router(tags=["contactvoorkeuren"])


class ConsentOut(Schema):
    ipdc_product: str
    channel: str
    granted: bool
    text_version: str
    updated_at: Any


class LedgerEntryOut(Schema):
    ipdc_product: str
    channel: str
    action: str
    text_version: str
    text_sha256: str
    method: str
    recorded_at: Any


class PreferencesOut(Schema):
    email: str | None
    mobile: str | None
    iban: str | None
    consents: list[ConsentOut]
    ledger: list[LedgerEntryOut]


@router.get(
    "/{insz}",
    response=PreferencesOut,
    auth=AgencyAuth(component=Component.CONTACTVOORKEUREN, categories=("insz", "toestemming")),
    summary="Contactvoorkeuren en toestemmingen van een burger voor uw instantie",
)
def preferences_get(request: HttpRequest, insz: str) -> dict[str, Any]:
    return preferences_read_by_agency(
        insz=insz,
        agency_id=principal_of(request).agency_id,
        categories=set(order_version_of(request).categories_for(Component.CONTACTVOORKEUREN)),
        actor=agency_request_actor(request),
    )
