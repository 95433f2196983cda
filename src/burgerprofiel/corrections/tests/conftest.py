from __future__ import annotations

from typing import Any

import pytest

from burgerprofiel.conftest import OnboardedAgency, bearer, make_agency

COMPONENTS = "uw_gegevens,foutmeldingen,notificaties,dosis"
AN = "85073003328"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def fm_agency(db: Any) -> OnboardedAgency:
    return make_agency(name="Agentschap Opgroeien", kbo="0316380841", components=COMPONENTS)


@pytest.fixture
def other_fm_agency(db: Any) -> OnboardedAgency:
    return make_agency(name="Departement Mobiliteit", kbo="0887010362", components=COMPONENTS)


@pytest.fixture
def fm_headers(client: Any, fm_agency: OnboardedAgency) -> dict[str, str]:
    return bearer(client, fm_agency)


# The portal's browser fixtures: the real OIDC provider and Debian's chromium.
from burgerprofiel.portal.tests.conftest import browser_type_launch_args, oidc, oidc_provider  # noqa: E402, F401
