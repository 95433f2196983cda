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


def test_agency_list_shows_every_agency_with_its_orders_as_a_table_and_as_json(agency, other_agency):
    out = io.StringIO()
    call_command("agency", "list", stdout=out)
    text = out.getvalue()
    assert f"Instantie {agency.agency_id}:" in text and f"Instantie {other_agency.agency_id}:" in text
    assert "opdracht  status" in text
    assert "Actief" in text and "dosis, notificaties" in text and "onbepaald" in text
    assert "None" not in text

    out = io.StringIO()
    call_command("agency", "list", "--json", stdout=out)
    rows = {row["agency_id"]: row for row in json.loads(out.getvalue())}
    order = rows[agency.agency_id]["orders"][0]
    assert order["processing_order_id"] == agency.order_id
    assert (order["state"], order["version"], order["components"]) == ("active", 1, ["dosis", "notificaties"])
    assert set(order) >= {"valid_from", "valid_until"}


def test_agency_show_shows_one_agency_and_refuses_an_unknown_one(agency, other_agency):
    out = io.StringIO()
    call_command("agency", "show", "--agency", str(agency.agency_id), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["agency_id"] == agency.agency_id
    assert [o["processing_order_id"] for o in data["orders"]] == [agency.order_id]

    out = io.StringIO()
    call_command("agency", "show", "--agency", str(agency.agency_id), stdout=out)
    assert f"Instantie {other_agency.agency_id}" not in out.getvalue()
    with pytest.raises(CommandError, match="bestaat niet"):
        call_command("agency", "show", "--agency", "999999")


def _terminate(agency, *extra: str) -> io.StringIO:
    out = io.StringIO()
    call_command(
        "agency", "terminate", "--order", str(agency.order_id), "--reason", "Einde contract", *extra, stdout=out
    )
    return out


def test_terminate_asks_for_the_agency_name_and_does_nothing_without_it(agency, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda: "ja")
    with pytest.raises(CommandError, match="Niet bevestigd"):
        _terminate(agency)
    assert ProcessingOrder.objects.get(pk=agency.order_id).current.state == "active"

    name = Agency.objects.get(pk=agency.agency_id).name
    monkeypatch.setattr("builtins.input", lambda: name)
    out = _terminate(agency)
    assert "Typ de naam van de instantie" in out.getvalue()
    assert ProcessingOrder.objects.get(pk=agency.order_id).current.state == "terminated"


def test_terminate_with_yes_does_not_ask(agency, monkeypatch):
    def no_input() -> str:
        raise AssertionError("asked")

    monkeypatch.setattr("builtins.input", no_input)
    out = _terminate(agency, "--yes")
    assert json.loads(out.getvalue())["state"] == "terminated"


@pytest.mark.parametrize(
    ("first", "verb", "state"),
    [
        (None, "resume", "actief"),
        (None, "activate", "actief"),
        ("suspend", "suspend", "opgeschort"),
        ("suspend", "activate", "opgeschort"),
        ("terminate", "suspend", "beëindigd"),
        ("terminate", "resume", "beëindigd"),
        ("terminate", "terminate", "beëindigd"),
    ],
)
def test_the_cli_refuses_every_illegal_transition_with_a_dutch_message(agency, first, verb, state):
    if first:
        yes = ["--yes"] if first == "terminate" else []
        call_command("agency", first, "--order", str(agency.order_id), "--reason", "Eerst", *yes, stdout=io.StringIO())
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    before = order.versions.count()
    args = ["--reason", "Nogmaals"] if verb in ("suspend", "terminate") else []
    if verb == "terminate":
        args.append("--yes")
    with pytest.raises(CommandError, match=f"is {state} en kan dus niet"):
        call_command("agency", verb, "--order", str(agency.order_id), *args, stdout=io.StringIO())
    assert order.versions.count() == before


@pytest.mark.parametrize(("verb", "state"), [("suspend", "ontwerp"), ("resume", "ontwerp")])
def test_the_cli_refuses_to_suspend_or_resume_a_draft(agency, verb, state):
    from burgerprofiel.agencies.services import processing_order_create

    draft = processing_order_create(
        agency=Agency.objects.get(pk=agency.agency_id), components=["dosis"], state="draft", actor=TEST_ACTOR
    ).order
    args = ["--reason", "Waarom"] if verb == "suspend" else []

    with pytest.raises(CommandError, match=f"is {state} en kan dus niet"):
        call_command("agency", verb, "--order", str(draft.pk), *args, stdout=io.StringIO())
    assert draft.versions.count() == 1
    call_command("agency", "activate", "--order", str(draft.pk), stdout=io.StringIO())
    assert draft.current.state == "active"


def test_the_cli_does_not_activate_a_terminated_order(agency):
    call_command(
        "agency", "terminate", "--order", str(agency.order_id), "--reason", "Einde", "--yes", stdout=io.StringIO()
    )

    with pytest.raises(CommandError, match="is beëindigd en kan dus niet geactiveerd worden"):
        call_command("agency", "activate", "--order", str(agency.order_id), stdout=io.StringIO())
    assert ProcessingOrder.objects.get(pk=agency.order_id).versions.count() == 2


def test_a_transition_on_an_unknown_order_says_so(db):
    with pytest.raises(CommandError, match="Verwerkingsopdracht 999 bestaat niet"):
        call_command("agency", "resume", "--order", "999", stdout=io.StringIO())
