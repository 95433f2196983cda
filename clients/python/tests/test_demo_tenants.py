"""The two demo agencies of ``make run`` (``demo seed --second-agency``) are separate tenants: each has
its own client and components, and the second cannot read what the first pushed (404, as if unknown)."""

from __future__ import annotations

import json

import pytest

from burgerprofiel_client import AgencyClient, ClientSecret, NotFound
from burgerprofiel_client.models import Notification
from conftest import FAST_RETRIES
from live_platform import Platform

DEMO_CITIZEN = "85073003328"


def test_the_second_demo_agency_cannot_read_the_first_ones_melding(platform: Platform) -> None:
    platform.result(platform.cli("demo", "seed", "--without-dossiers", "--second-agency"))
    first, second = (
        json.loads((platform.base_dir / "var" / name).read_text())
        for name in ("demo-agency.json", "demo-agency-2.json")
    )
    with (
        AgencyClient(platform.url, ClientSecret(first["client_id"], first["client_secret"]), retry=FAST_RETRIES) as one,
        AgencyClient(
            platform.url, ClientSecret(second["client_id"], second["client_secret"]), retry=FAST_RETRIES
        ) as two,
    ):
        assert set(two.agency.me().scopes) == {"uw_gegevens", "notificaties"}
        pushed = one.notifications.push(
            Notification(insz=DEMO_CITIZEN, message="Van de eerste instantie.", ipdc_product="1234")
        )
        assert one.notifications.status(pushed.id).id == pushed.id

        with pytest.raises(NotFound):
            two.notifications.status(pushed.id)
