from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

# The DOSIS fixtures (a Bron, a bearer token, the upload call) for the status-change tests.
from burgerprofiel.dossiers.tests.conftest import agency_headers, source, upload  # noqa: F401
from burgerprofiel.notifications.tests.peers import Smsc, SmtpServer


@pytest.fixture(params=["lockstep", "pipelining"])
def smtp_server(request: pytest.FixtureRequest) -> Iterator[SmtpServer]:
    """An aiosmtpd server; every test that sends mail runs against one without and one with PIPELINING
    (RFC 2920), as the worker talks to each differently."""
    server = SmtpServer(pipelining=request.param == "pipelining").start()
    with override_settings(NOTIFICATIONS_SMTP_HOST="127.0.0.1", NOTIFICATIONS_SMTP_PORT=server.port):
        yield server
    server.stop()


@pytest.fixture
def smsc() -> Iterator[Smsc]:
    centre = Smsc()
    with override_settings(
        NOTIFICATIONS_SMPP_HOST="127.0.0.1", NOTIFICATIONS_SMPP_PORT=centre.port, NOTIFICATIONS_SMPP_PASSWORD="devsmpp"
    ):
        yield centre
    centre.stop()


@pytest.fixture
def no_delivery_servers() -> Iterator[Any]:
    """Point both channels at closed ports: any attempt to send fails to connect."""
    from burgerprofiel.notifications.tests.peers import free_port

    with override_settings(NOTIFICATIONS_SMTP_PORT=free_port(), NOTIFICATIONS_SMPP_PORT=free_port()):
        yield
