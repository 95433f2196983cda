"""The contactvoorkeuren component: an agency reads a citizen's preferences within its own scope.

The citizen is named in the body of a POST (``/preferences/lookup``), never in the URL: paths end up
in access logs, proxies and browser histories, and an INSZ must reach none of them. The earlier
``GET /preferences/{insz}`` is gone (issue 11 item 6).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.api.auth import AgencyAuth, agency_request_actor, order_version_of, principal_of
from burgerprofiel.citizens.insz import Insz
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


class PreferencesLookupIn(Schema):
    insz: Insz  # spaces, dots and dashes may separate the digits; the pattern and format say how


class PreferencesOut(Schema):
    email: str | None
    mobile: str | None
    iban: str | None
    consents: list[ConsentOut]
    ledger: list[LedgerEntryOut]


@router.post(
    "/lookup",
    response=PreferencesOut,
    auth=AgencyAuth(component=Component.CONTACTVOORKEUREN, categories=("insz", "toestemming")),
    summary="Contactvoorkeuren en toestemmingen van een burger voor uw instantie",
    description=(
        "De INSZ staat in de body, nooit in het adres. Een burger die uw instantie geen enkele toestemming gaf, "
        "krijgt hetzelfde antwoord als een onbekende INSZ: geen gegevens. Het rekeningnummer alleen met de "
        "toestemming van de burger voor uw instantie en de categorie `rekeningnummer` in uw verwerkingsopdracht."
    ),
)
def preferences_lookup(request: HttpRequest, payload: PreferencesLookupIn) -> dict[str, Any]:
    return preferences_read_by_agency(
        insz=payload.insz,
        agency_id=principal_of(request).agency_id,
        categories=set(order_version_of(request).categories_for(Component.CONTACTVOORKEUREN)),
        actor=agency_request_actor(request),
    )
