from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from burgerprofiel.common.tests.http_peer import HttpPeer
from burgerprofiel.conftest import OnboardedAgency, bearer
from burgerprofiel.webhooks.tests.support import make_webhook_agency


@pytest.fixture
def receiver() -> Iterator[HttpPeer]:
    """The agency's endpoint: a real HTTP server on a free loopback port (allowlisted in tests)."""
    peer = HttpPeer().start()
    yield peer
    peer.stop()


@pytest.fixture
def wh_agency(db: Any) -> OnboardedAgency:
    return make_webhook_agency()


@pytest.fixture
def other_wh_agency(db: Any) -> OnboardedAgency:
    return make_webhook_agency(name="Departement Mobiliteit", kbo="0887010362")


@pytest.fixture
def wh_headers(client: Any, wh_agency: OnboardedAgency) -> dict[str, str]:
    return bearer(client, wh_agency)
