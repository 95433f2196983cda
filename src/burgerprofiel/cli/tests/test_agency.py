"""``burgerprofiel agency``: onboarding, order versions and pull sources, without clicking."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from burgerprofiel.agencies.models import Agency, ApiClient, ProcessingOrder
from burgerprofiel.conftest import TEST_ACTOR

pytestmark = pytest.mark.django_db


def test_onboard_command_prints_the_json_the_automation_contract_promises(tmp_path):
    from joserfc.jwk import RSAKey

    jwks_file = tmp_path / "jwks.json"
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
    jwks_file.write_text(json.dumps({"keys": [key.as_dict(private=False)]}))
    out = io.StringIO()
    call_command(
        "agency",
        "onboard",
        "--name",
        "Agentschap Wonen",
        "--kbo",
        "0316380841",
        "--components",
        "dosis,notificaties",
        "--valid-from",
        "2026-01-01",
        "--jwks",
        str(jwks_file),
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert set(data) == {"agency_id", "client_id", "client_secret", "processing_order_id"}
    client = ApiClient.objects.get(client_id=data["client_id"])
    assert client.agency_id == data["agency_id"]
    assert client.jwks["keys"][0]["kid"] == "k1"
    assert ProcessingOrder.objects.get(pk=data["processing_order_id"]).current.valid_from.isoformat() == "2026-01-01"


def test_onboard_command_refuses_a_private_key_in_the_jwks(tmp_path):
    from joserfc.jwk import RSAKey

    jwks_file = tmp_path / "jwks.json"
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
    jwks_file.write_text(json.dumps({"keys": [key.as_dict(private=True)]}))
    with pytest.raises(CommandError):
        call_command(
            "agency", "onboard", "--name", "X", "--kbo", "0316380841", "--components", "dosis", "--jwks", str(jwks_file)
        )
    assert Agency.objects.count() == 0


def test_suspend_command_makes_a_suspended_version(agency):
    out = io.StringIO()
    call_command("agency", "suspend", "--order", str(agency.order_id), "--reason", "Charter 2.3", stdout=out)
    assert json.loads(out.getvalue())["state"] == "suspended"


def test_onboard_command_registers_dosis_sources_and_refuses_one_owned_by_another_agency(agency):
    from burgerprofiel.dossiers.models import DosisSource
    from burgerprofiel.dossiers.services import dosis_source_register

    out = io.StringIO()
    call_command(
        "agency",
        "onboard",
        "--name",
        "Stad Gent",
        "--kbo",
        "0207451227",
        "--components",
        "dosis",
        "--dosis-source",
        "https://gent.example/dosis/bouw",
        "--dosis-source",
        "https://gent.example/dosis/milieu",
        stdout=out,
    )
    agency_id = json.loads(out.getvalue())["agency_id"]
    assert sorted(DosisSource.objects.filter(agency_id=agency_id).values_list("uri", flat=True)) == [
        "https://gent.example/dosis/bouw",
        "https://gent.example/dosis/milieu",
    ]
    dosis_source_register(
        agency=Agency.objects.get(pk=agency.agency_id), uri="https://taken.example/b", actor=TEST_ACTOR
    )
    with pytest.raises(CommandError):
        call_command(
            "agency",
            "onboard",
            "--name",
            "Stad Brugge",
            "--kbo",
            "0207529718",
            "--components",
            "dosis",
            "--dosis-source",
            "https://taken.example/b",
        )
    assert not Agency.objects.filter(name="Stad Brugge").exists()


def test_agency_source_add_registers_a_pull_source_as_the_automation_contract_says(agency):
    from burgerprofiel.personal_data.models import PullSource

    out = io.StringIO()
    call_command(
        "agency",
        "source",
        "add",
        "--agency",
        str(agency.agency_id),
        "--component",
        "uw_gegevens",
        "--url",
        "http://127.0.0.1:9/uw-gegevens",
        "--theme",
        "Mobiliteit",
        "--timeout",
        "1.5",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    source = PullSource.objects.get(pk=data["source_id"])
    assert source.agency_id == agency.agency_id
    assert data["theme"] == "Mobiliteit" and data["timeout_seconds"] == 1.5
