"""``burgerprofiel dosis``: DOSIS sources and the retention purge, without clicking."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import time_machine
from django.core.management import call_command

from burgerprofiel.conftest import OnboardedAgency
from burgerprofiel.dossiers.models import Dossier
from burgerprofiel.dossiers.tests.conftest import Upload
from burgerprofiel.dossiers.tests.test_retention import upload_closed_and_open


def test_purge_command_purges_and_reports(upload: Upload) -> None:
    upload_closed_and_open(upload)
    out = StringIO()

    with time_machine.travel(dt.datetime(2026, 6, 1, tzinfo=dt.UTC), tick=False):
        call_command("dosis", "purge", stdout=out)

    assert json.loads(out.getvalue()) == {"purged": 1}
    assert Dossier.objects.count() == 1


def test_source_command_registers_a_bron_for_an_agency(agency: OnboardedAgency) -> None:
    out = StringIO()

    call_command(
        "dosis", "source", "add", "--agency", str(agency.agency_id), "--uri", "https://x.example/b", stdout=out
    )
    listed = StringIO()
    call_command("dosis", "source", "list", "--agency", str(agency.agency_id), stdout=listed)

    assert json.loads(out.getvalue())["uri"] == "https://x.example/b"
    assert json.loads(listed.getvalue()) == ["https://x.example/b"]
