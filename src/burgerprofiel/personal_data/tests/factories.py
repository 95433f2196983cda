"""Factories for pull-source tests: an agency ordering both pull components, demo servers."""

from __future__ import annotations

from typing import Any

from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, make_agency
from burgerprofiel.crypto import signing
from burgerprofiel.personal_data.devpeers import DemoServer, Spec
from burgerprofiel.personal_data.models import PullSource
from burgerprofiel.personal_data.services import pull_source_add


def make_pull_agency(name: str = "Agentschap Opgroeien", kbo: str = "0316380841") -> OnboardedAgency:
    return make_agency(name=name, kbo=kbo, components="uw_gegevens,attesten")


def demo_server(sources: dict[str, Spec], **kwargs: Any) -> DemoServer:
    """A demo server that trusts this database's platform signing keys (no live server needed)."""
    if "jwks_url" not in kwargs and "jwks" not in kwargs:
        signing.current_signing_key()
        kwargs["jwks"] = signing.jwks()
    return DemoServer(sources, **kwargs).start()


def register(server: DemoServer, name: str, agency_id: int, **kwargs: Any) -> PullSource:
    spec = server.sources[name]
    return pull_source_add(
        agency_id=agency_id,
        component=spec.kind,
        url=server.source_url(name),
        theme=spec.theme,
        actor=TEST_ACTOR,
        **kwargs,
    )
