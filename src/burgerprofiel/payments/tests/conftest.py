from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from burgerprofiel.conftest import OnboardedAgency, bearer, make_agency
from burgerprofiel.payments.fake.mollie import FakeMollie, serve
from burgerprofiel.payments.tests.support import PAY_COMPONENTS

# The browser test logs in through the dev OIDC provider and drives Debian's Chromium, as the portal's do.
from burgerprofiel.portal.tests.conftest import browser_type_launch_args, oidc, oidc_provider  # noqa: F401


@pytest.fixture
def fake_mollie(settings: Any) -> Iterator[FakeMollie]:
    """The fake Mollie on a free loopback port; the adapter's SDK talks to it. No webhook URL: the
    tests call the platform's webhook themselves (the browser test has the fake call it)."""
    server = serve(refund_delay=0.05)
    settings.MOLLIE_API_ENDPOINT = server.endpoint
    settings.MOLLIE_API_KEY = "test_fakefakefakefakefakefake1234"
    settings.PAYMENTS_WEBHOOK_URL = ""
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def pay_agency(db: Any) -> OnboardedAgency:
    return make_agency(name="Stad Gent", kbo="0207451227", components=PAY_COMPONENTS)


@pytest.fixture
def other_pay_agency(db: Any) -> OnboardedAgency:
    return make_agency(name="Departement Mobiliteit", kbo="0887010362", components=PAY_COMPONENTS)


@pytest.fixture
def pay_headers(client: Any, pay_agency: OnboardedAgency) -> dict[str, str]:
    return bearer(client, pay_agency)
