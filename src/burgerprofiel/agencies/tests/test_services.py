from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from burgerprofiel.agencies.models import Agency, ApiClient, ProcessingOrder, ProcessingOrderVersion
from burgerprofiel.agencies.services import (
    agency_onboard,
    api_client_secret_matches,
    processing_order_change,
    processing_order_suspend,
)
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.errors import Conflict, ValidationError
from burgerprofiel.conftest import TEST_ACTOR

pytestmark = pytest.mark.django_db


def test_onboarding_creates_agency_client_and_active_order_with_bijlage_1_categories():
    result = agency_onboard(name="Stad Gent", kbo="0207.451.227", components=["dosis"], actor=TEST_ACTOR)
    assert result.agency.kbo == "0207451227"
    version = result.order_version
    assert version.state == ProcessingOrderVersion.State.ACTIVE
    assert version.number == 1
    assert "vereiste_acties" in version.categories_for("dosis")
    assert version.retention_for("dosis") == 90
    assert result.client_secret and result.client.secret_hash.startswith("$argon2")
    assert result.client_secret not in result.client.secret_hash
    assert api_client_secret_matches(client=result.client, secret=result.client_secret)
    assert not api_client_secret_matches(client=result.client, secret="wrong")
    assert AuditEvent.objects.filter(action="agency.onboarded", agency_id=result.agency.pk).exists()


def test_onboarding_refuses_an_invalid_kbo_number_and_stores_nothing():
    with pytest.raises(ValidationError) as error:
        agency_onboard(name="Fout", kbo="0123.456.789", components=["dosis"], actor=TEST_ACTOR)
    assert "KBO" in error.value.detail
    assert Agency.objects.count() == 0


def test_onboarding_refuses_unknown_components():
    with pytest.raises(ValidationError) as error:
        agency_onboard(name="Fout", kbo="0207451227", components=["dosis", "kaas"], actor=TEST_ACTOR)
    assert error.value.extra["unknown"] == ["kaas"]
    assert Agency.objects.count() == 0 and ApiClient.objects.count() == 0


def test_a_second_agency_with_the_same_kbo_is_refused():
    agency_onboard(name="Stad Gent", kbo="0207451227", components=["dosis"], actor=TEST_ACTOR)
    with pytest.raises(Conflict):
        agency_onboard(name="Gent bis", kbo="BE0207451227", components=["dosis"], actor=TEST_ACTOR)


def test_every_order_change_makes_a_new_version_and_keeps_history(agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    processing_order_change(order=order, actor=TEST_ACTOR, note="DOSIS langer bewaren", retention_days={"dosis": 180})
    processing_order_suspend(order=order, reason="Onderzoek naar rechtsgrond", actor=TEST_ACTOR)
    versions = list(order.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[0].retention_for("dosis") == 90
    assert versions[1].retention_for("dosis") == 180
    assert versions[2].state == "suspended" and versions[2].state_reason == "Onderzoek naar rechtsgrond"
    assert versions[2].retention_for("dosis") == 180
    changes = AuditEvent.objects.filter(action="processing_order.version_created", agency_id=agency.agency_id)
    assert changes.count() == 3
    assert changes.order_by("-id").first().detail["changed"] == ["state", "state_reason"]


def test_a_suspension_without_reason_is_refused(agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    with pytest.raises(ValidationError):
        processing_order_change(order=order, actor=TEST_ACTOR, note="", state="suspended")
    assert order.versions.count() == 1


def test_categories_outside_bijlage_1_are_refused(agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    with pytest.raises(ValidationError) as error:
        processing_order_change(
            order=order, actor=TEST_ACTOR, note="", data_categories={"dosis": ["dossier_id", "bloedgroep"]}
        )
    assert error.value.extra["unknown"] == ["bloedgroep"]


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


def test_demo_seed_is_repeatable_and_gives_the_first_demo_citizen_two_dossiers():
    from burgerprofiel.agencies.management.commands.demo import DEMO_CITIZENS
    from burgerprofiel.citizens.selectors import citizen_by_insz
    from burgerprofiel.dossiers.selectors import dossiers_for_citizen

    call_command("demo", "seed", stdout=io.StringIO())
    call_command("demo", "seed", stdout=io.StringIO())
    assert Agency.objects.count() == 1
    citizen = citizen_by_insz(insz=DEMO_CITIZENS[0])
    dossiers = list(dossiers_for_citizen(citizen=citizen))
    assert len(dossiers) == 2
    assert dossiers[0].action_needed  # the dossier waiting for the citizen comes first
