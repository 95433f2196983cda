"""``burgerprofiel subprocessor``: the register scripted, through the same services as the back-office."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from burgerprofiel.compliance.subprocessors.models import SubProcessorChange, TransferPermission

pytestmark = pytest.mark.django_db


def run(*args: str) -> dict:
    out = StringIO()
    call_command("subprocessor", *args, stdout=out)
    return json.loads(out.getvalue())


def test_list_shows_the_register():
    listed = run("list")
    assert "CRONOS PUBLIC SERVICES NV" in [sp["name"] for sp in listed["subprocessors"]]
    assert listed["planned_changes"] == []


def test_plan_then_withdraw_a_change(agency):
    when = (timezone.localdate() + dt.timedelta(days=45)).isoformat()
    planned = run(
        "plan", "--kind", "add", "--effective-on", when, "--name", "Sms Centrale NV", "--identifier", "0203201340",
        "--address", "Wetstraat 1, 1000 Brussel", "--country", "BE", "--role", "sms", "--category", "gsm",
        "--contract-date", "2026-01-15", "--endpoint", "smsc.example.be",
    )  # fmt: skip
    assert planned["subprocessor"]["endpoints"] == ["smsc.example.be"]
    assert run("list")["planned_changes"][0]["id"] == planned["id"]
    assert run("withdraw", "--change", planned["id"])["state"] == "withdrawn"
    assert SubProcessorChange.objects.get().state == "withdrawn"


def test_plan_sooner_than_thirty_days_fails_with_the_reason():
    when = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    with pytest.raises(CommandError, match="30 dagen"):
        run("plan", "--kind", "remove", "--effective-on", when, "--target", "1")


def test_transfer_allow_and_revoke(agency):
    allowed = run("transfer-allow", "--order", str(agency.order_id), "--country", "US", "--legal-ground", "SCC art. 46")
    assert TransferPermission.objects.get().country == "US"
    assert run("transfer-revoke", "--id", str(allowed["id"]))["revoked_at"]
