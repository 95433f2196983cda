from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import override_settings

from burgerprofiel.agencies.models import Agency
from burgerprofiel.agencies.services import contact_person_add
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, make_agency
from burgerprofiel.notifications.tests.peers import SmtpServer


@dataclass
class Tenant:
    onboarded: OnboardedAgency
    agency: Agency
    addresses: list[str]


def tenant(*, name: str, kbo: str, prefix: str, components: str = "notificaties") -> Tenant:
    onboarded = make_agency(
        name=name, kbo=kbo, components=components, dpo_name=f"DPO {name}", dpo_email=f"dpo@{prefix}.example"
    )
    agency = Agency.objects.get(pk=onboarded.agency_id)
    contact_person_add(
        agency=agency, name=f"Contact {name}", email=f"contact@{prefix}.example", role="Diensthoofd", actor=TEST_ACTOR
    )
    return Tenant(onboarded, agency, [f"contact@{prefix}.example", f"dpo@{prefix}.example"])


@pytest.fixture
def tenant_a(db: object) -> Tenant:
    return tenant(name="Agentschap Opgroeien", kbo="0316380841", prefix="opgroeien")


@pytest.fixture
def tenant_b(db: object) -> Tenant:
    return tenant(name="Departement Mobiliteit", kbo="0887010362", prefix="mobiliteit")


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    with override_settings(NOTIFICATIONS_SMTP_HOST="127.0.0.1", NOTIFICATIONS_SMTP_PORT=server.port):
        yield server
    server.stop()
