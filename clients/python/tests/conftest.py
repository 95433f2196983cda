"""One live platform for the whole session, with two onboarded agencies.

- ``secret_agency``: authenticates with its client secret; orders DOSIS, notificaties, Uw gegevens,
  attesten, contactvoorkeuren, aanvragen and betalingen; has a DOSIS source.
- ``jwt_agency``: authenticates with ``private_key_jwt``; its registered JWKS holds an old RS256
  key and a newer ES256 key (a rotation in progress); orders DOSIS and notificaties only.

Access tokens live 2 seconds here, so renewal happens during the tests, not only in the one that
waits for it.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from burgerprofiel_client import AgencyClient, ClientSecret, KeyRing, PrivateKeyJwt, RetryPolicy, SigningKey
from live_platform import MailSink, Platform, platform_executable

ACCESS_TOKEN_TTL = 2
DOSIS_SOURCE = "https://client-tests.example/dosis"
FAST_RETRIES = RetryPolicy(max_attempts=4, backoff=0.05, max_backoff=0.5)


@dataclass
class Onboarded:
    agency_id: int
    client_id: str
    client_secret: str
    processing_order_id: int
    keys: KeyRing | None = None

    @classmethod
    def of(cls, data: dict[str, Any], keys: KeyRing | None = None) -> Onboarded:
        return cls(
            agency_id=data["agency_id"],
            client_id=data["client_id"],
            client_secret=data["client_secret"],
            processing_order_id=data["processing_order_id"],
            keys=keys,
        )


@pytest.fixture(scope="session")
def mail() -> Iterator[MailSink]:
    """A real SMTP server the platform's worker delivers notification e-mail to."""
    sink = MailSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def fake_mollie() -> Iterator[str]:
    """The platform's FAKE Mollie (no money moves), in a process of its own: its endpoint. Tests pay a
    payment request at its checkout as a citizen would."""
    if platform_executable() is None:
        pytest.skip("the burgerprofiel platform is not installed in this environment")
    process = subprocess.Popen(
        [sys.executable, "-m", "burgerprofiel.payments.fake.mollie", "--port", "0", "--refund-delay", "0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    endpoint = json.loads(process.stdout.readline())["endpoint"]
    yield str(endpoint)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory, mail: MailSink, fake_mollie: str) -> Iterator[Platform]:
    executable = platform_executable()
    if executable is None:
        pytest.skip("the burgerprofiel platform is not installed in this environment")
    running = Platform(
        base_dir=tmp_path_factory.mktemp("platform"),
        executable=executable,
        extra_env={
            "ACCESS_TOKEN_TTL_SECONDS": str(ACCESS_TOKEN_TTL),
            "OAUTH_RATE_LIMIT_PER_MINUTE": "10000",
            "OAUTH_CLIENT_RATE_LIMIT_PER_MINUTE": "10000",  # tokens live 2 s here
            "WORKER_SCHEDULE_INTERVAL_SECONDS": "1",
            "DOSIS_DRAIN_INTERVAL_MS": "50",
            "NOTIFICATIONS_SMTP_PORT": str(mail.port),
            "MOLLIE_API_ENDPOINT": fake_mollie,
            "GUNICORN_CMD_ARGS": "--graceful-timeout 1",  # a quick stop at the end
        },
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def rotation_keys() -> KeyRing:
    """An old RS256 key and the ES256 key that took over from it; both registered."""
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    return KeyRing([SigningKey.generate("RS256", active_from=yesterday), SigningKey.generate("ES256")])


@pytest.fixture(scope="session")
def agencies(
    platform: Platform, rotation_keys: KeyRing, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Onboarded]:
    jwks = rotation_keys.write_jwks(Path(tmp_path_factory.mktemp("keys")) / "jwks.json")
    onboard = "agency", "onboard"
    # Both at once: each command starts Django, which is most of its time.
    secret = platform.cli(
        *onboard,
        "--name", "Clienttest Secret",
        "--kbo", "0202239951",
        "--components", "dosis,notificaties,uw_gegevens,attesten,contactvoorkeuren,aanvragen,betalingen",
        "--dosis-source", DOSIS_SOURCE,
    )  # fmt: skip
    signed = platform.cli(
        *onboard,
        "--name", "Clienttest JWT",
        "--kbo", "0207446772",
        "--components", "dosis,notificaties",
        "--jwks", str(jwks),
    )  # fmt: skip
    return {
        "secret": Onboarded.of(json.loads(platform.result(secret).strip().splitlines()[-1])),
        "jwt": Onboarded.of(json.loads(platform.result(signed).strip().splitlines()[-1]), keys=rotation_keys),
    }


@pytest.fixture(scope="session")
def secret_agency(agencies: dict[str, Onboarded]) -> Onboarded:
    return agencies["secret"]


@pytest.fixture(scope="session")
def jwt_agency(agencies: dict[str, Onboarded]) -> Onboarded:
    return agencies["jwt"]


@pytest.fixture
def client(platform: Platform, secret_agency: Onboarded) -> Iterator[AgencyClient]:
    with AgencyClient(
        platform.url, ClientSecret(secret_agency.client_id, secret_agency.client_secret), retry=FAST_RETRIES
    ) as agency_client:
        yield agency_client


@pytest.fixture
def jwt_client(platform: Platform, jwt_agency: Onboarded) -> Iterator[AgencyClient]:
    assert jwt_agency.keys is not None
    with AgencyClient(platform.url, PrivateKeyJwt(jwt_agency.client_id, jwt_agency.keys), retry=FAST_RETRIES) as c:
        yield c
