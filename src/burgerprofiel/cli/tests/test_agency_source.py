"""``burgerprofiel agency_source add`` (also ``agency source add``): register a pull source."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from burgerprofiel.personal_data.models import PullSource
from burgerprofiel.personal_data.tests.factories import make_pull_agency


def test_the_cli_registers_a_source_and_prints_its_id(db: Any) -> None:
    agency = make_pull_agency()
    out = StringIO()
    call_command(
        "agency_source",
        "add",
        "--agency",
        str(agency.agency_id),
        "--component",
        "attesten",
        "--url",
        "http://127.0.0.1:9/attesten",
        "--timeout",
        "1.5",
        "--loket",
        "https://loket.example",
        stdout=out,
    )
    source = PullSource.objects.get()
    assert f'"source_id": {source.pk}' in out.getvalue()
    assert (source.component, source.timeout_seconds, source.loket_url) == ("attesten", 1.5, "https://loket.example")


def test_the_cli_refuses_an_unknown_theme(db: Any) -> None:
    agency = make_pull_agency()
    with pytest.raises(CommandError, match="Onbekend thema"):
        call_command(
            "agency_source",
            "add",
            "--agency",
            str(agency.agency_id),
            "--component",
            "uw_gegevens",
            "--url",
            "http://127.0.0.1:9/x",
            "--theme",
            "Sterrenkunde",
        )
    assert not PullSource.objects.exists()
