from __future__ import annotations

from typing import Any

import pytest

from burgerprofiel.conftest import OnboardedAgency, bearer, make_agency

# The portal's browser fixtures: the real OIDC provider and Debian's chromium.
from burgerprofiel.portal.tests.conftest import browser_type_launch_args, oidc, oidc_provider  # noqa: F401

COMPONENTS = "aanvragen,dosis,notificaties"
AN = "85073003328"


@pytest.fixture
def ar_agency(db: Any) -> OnboardedAgency:
    return make_agency(name="Agentschap Opgroeien", kbo="0316380841", components=COMPONENTS)


@pytest.fixture
def other_ar_agency(db: Any) -> OnboardedAgency:
    return make_agency(name="Departement Mobiliteit", kbo="0887010362", components=COMPONENTS)


@pytest.fixture
def ar_headers(client: Any, ar_agency: OnboardedAgency) -> dict[str, str]:
    return bearer(client, ar_agency)
