from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from burgerprofiel.common.tests.http_peer import HttpPeer
from burgerprofiel.conftest import OnboardedAgency, bearer
from burgerprofiel.webhooks.tests.support import make_webhook_agency


@pytest.fixture(autouse=True)
def _citizen_action_components_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """Webhooks carry the events of betalingen too, whose app is being built (issue 12): until it adds
    itself to ``BUILT_COMPONENTS``, these tests order it anyway."""
    from burgerprofiel.agencies import catalogue

    monkeypatch.setattr(catalogue, "BUILT_COMPONENTS", tuple(catalogue.Component.values))


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
