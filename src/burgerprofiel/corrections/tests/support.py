"""Test support: a DOSIS dossier of a citizen, uploaded through the real v2 API."""

from __future__ import annotations

import json

from django.test import Client

from burgerprofiel.agencies.models import Agency
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, bearer
from burgerprofiel.dossiers.models import Dossier
from burgerprofiel.dossiers.services import dosis_source_register
from burgerprofiel.dossiers.tests.conftest import BRON, UPLOAD_URL, full_payload


def dossier_for(client: Client, agency: OnboardedAgency, insz: str, number: str = "KO-2026-0001") -> int:
    dosis_source_register(agency=Agency.objects.get(pk=agency.agency_id), uri=BRON, actor=TEST_ACTOR)
    payload = full_payload(
        Identificatie={"Bron": BRON, "DossierNummer": number},
        Agenten=[{"Identificatie": insz, "Toegangsrechten": [{"Code": "Raadpleger"}]}],
    )
    answer = client.post(UPLOAD_URL, json.dumps(payload), content_type="application/json", **bearer(client, agency))
    assert answer.status_code == 200, answer.content
    return Dossier.objects.get(number=number).pk
