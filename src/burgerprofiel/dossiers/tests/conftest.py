"""Fixtures of the DOSIS tests: sources, full v2 payloads, uploads over the real API."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from burgerprofiel.agencies.models import Agency
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, bearer, make_agency
from burgerprofiel.dossiers.models import DosisSource
from burgerprofiel.dossiers.services import dosis_source_register

PARENT_1 = "85073003328"
PARENT_2 = "90011512363"
STRANGER = "75120145609"
CHILD_BORN_2002 = "02030456784"
KBO_OWNER = "0207451227"

BRON = "https://opgroeien.example/dosis/kinderopvang"
OTHER_BRON = "https://mobiliteit.example/dosis/rijbewijs"
UPLOAD_URL = "/api/v2/dosis/dossiers"
BULK_URL = "/api/v2/dosis/dossiers/bulk"


def full_payload(**overrides: Any) -> dict[str, Any]:
    """Every field of the DOSIS v2 upload, as an agency connector sends it."""
    payload: dict[str, Any] = {
        "Identificatie": {"Bron": BRON, "DossierNummer": "KO-2026-0001"},
        "UploadId": "upl-0001",
        "Naam": "Aanvraag kinderbijslag voor Lotte Peeters",
        "WijzigingsDatum": "2026-11-02T09:30:00+01:00",
        "Status": {
            "VlaamsCode": "In behandeling",
            "VlaamsFase": "Behandeling",
            "Detail1": "Uw aanvraag wordt nagekeken door dossierbehandelaar Els Maes.",
            "Actie": {"ActieNodig": True, "Actie": "Bezorg ons het geboorteattest van Lotte."},
        },
        "Doorverwijzing": "https://loket.opgroeien.example/dossiers/KO-2026-0001",
        "TypeDossierCode": "KINDERBIJSLAG",
        "Producten": [{"Id": "1502"}],
        "DossierBeheerder": {
            "Naam": "Els Maes",
            "Dienst": "Team Groeipakket",
            "Telefoon": "+32 2 553 11 11",
            "Email": "els.maes@opgroeien.example",
            "Website": "https://opgroeien.example",
            "Adres": {"Straat": "Hallepoortlaan", "Nummer": "27", "Postcode": "1060", "Gemeente": "Sint-Gillis"},
        },
        "Agenten": [
            {"Identificatie": PARENT_1, "Toegangsrechten": [{"Code": "Raadpleger"}]},
            {"Identificatie": PARENT_2, "Toegangsrechten": [{"Code": "Raadpleger"}]},
        ],
    }
    for key, value in overrides.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return copy.deepcopy(payload)


def status(fase: str, code: str, *, detail: str = "", actie: bool = False, tekst: str = "") -> dict[str, Any]:
    return {"VlaamsCode": code, "VlaamsFase": fase, "Detail1": detail, "Actie": {"ActieNodig": actie, "Actie": tekst}}


@pytest.fixture
def source(agency: OnboardedAgency) -> DosisSource:
    return dosis_source_register(agency=Agency.objects.get(pk=agency.agency_id), uri=BRON, actor=TEST_ACTOR)


@pytest.fixture
def second_dosis_agency(db: Any) -> OnboardedAgency:
    other = make_agency(name="Departement Mobiliteit", kbo="0887010362", components="dosis")
    dosis_source_register(agency=Agency.objects.get(pk=other.agency_id), uri=OTHER_BRON, actor=TEST_ACTOR)
    return other


@pytest.fixture
def known_owners(db: Any) -> None:
    """Both parents known to the platform (as after their first login): a status change of their
    dossiers writes an outbox row for each, the melding's source (``filing_parts.outbox_notifiable``)."""
    from burgerprofiel.citizens.services import citizen_get_or_create

    for insz in (PARENT_1, PARENT_2):
        citizen_get_or_create(insz=insz)


@pytest.fixture
def agency_headers(client: Client, agency: OnboardedAgency, source: DosisSource) -> dict[str, str]:
    """A bearer token obtained with a private_key_jwt client assertion (RS256)."""
    return bearer(client, agency)


Upload = Callable[..., Any]


@pytest.fixture
def upload(client: Client, agency_headers: dict[str, str]) -> Upload:
    def send(payload: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        return client.post(
            UPLOAD_URL, json.dumps(payload), content_type="application/json", **(headers or agency_headers)
        )

    return send
