"""Mainstream OAuth clients, as they come, against a live server: Authlib (Python) and node's openid-client.

Each obtains a token with ``private_key_jwt`` (RS256 and ES256) and calls ``GET /api/v1/me``. The
server is ``burgerprofiel serve`` (gunicorn) in its own process on the test database, so it needs
PostgreSQL (SQLite's test database lives in this process's memory), like the worker fault tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from django.db import connection

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conf.env import BASE_DIR
from burgerprofiel.conftest import OnboardedAgency, make_agency
from burgerprofiel.notifications.tests.peers import free_port
from burgerprofiel.notifications.tests.workers import database_url

pytestmark = pytest.mark.django_db(transaction=True)

NODE_CLIENT = Path(__file__).with_name("openid_client.mjs")


@dataclass
class LiveServer:
    url: str

    @property
    def token_url(self) -> str:
        return f"{self.url}/oauth/token"


@pytest.fixture(scope="module")
def live_platform(django_db_setup: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module; each test's data is committed (transactional tests) so it sees it."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the server process shares the test database")
    tmp_path = tmp_path_factory.mktemp("serve")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    executable = shutil.which("burgerprofiel", path=str(Path(sys.executable).parent)) or "burgerprofiel"
    log = (tmp_path / "serve.log").open("ab")
    env = {
        **os.environ,
        "BURGERPROFIEL_PROFILE": "test",
        "BURGERPROFIEL_BASE_DIR": str(BASE_DIR),  # the same development secrets (key-encryption keys)
        "DATABASE_URL": database_url(),
        "PUBLIC_URL": url,  # the assertions' audience
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [executable, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-migrate"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "the server did not answer /healthz in time"
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield LiveServer(url)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        log.close()


@pytest.fixture
def live_agency(transactional_db: Any) -> OnboardedAgency:
    return make_agency()


def _signing_key(agency: OnboardedAgency, alg: str) -> Any:
    return agency.rsa_key if alg == "RS256" else agency.ec_key


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_authlib_oauth2_client_with_private_key_jwt_gets_a_token_and_calls_the_api(
    live_platform: LiveServer, live_agency: OnboardedAgency, alg: str
) -> None:
    # Authlib as its documentation shows it; its assertion lives one hour (exp = iat + 3600).
    with OAuth2Client(
        client_id=live_agency.client_id,
        client_secret=_signing_key(live_agency, alg),
        token_endpoint_auth_method=PrivateKeyJWT(live_platform.token_url, alg=alg),
        timeout=10,
    ) as client:
        token = client.fetch_token(live_platform.token_url, grant_type="client_credentials")
        me = client.get(f"{live_platform.url}/api/v1/me")

    assert token["token_type"] == "Bearer"
    assert me.status_code == 200, me.text
    assert me.json()["client_id"] == live_agency.client_id
    assert AuditEvent.objects.filter(action="oauth.token_issued", detail__method="private_key_jwt").count() == 1


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_node_openid_client_with_private_key_jwt_gets_a_token_and_calls_the_api(
    live_platform: LiveServer, live_agency: OnboardedAgency, alg: str
) -> None:
    jwk = {**_signing_key(live_agency, alg).as_dict(private=True), "alg": alg}
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ISSUER": live_platform.url,
        "TOKEN_ENDPOINT": live_platform.token_url,
        "API_URL": f"{live_platform.url}/api/v1",
        "CLIENT_ID": live_agency.client_id,
        "CLIENT_JWK": json.dumps(jwk),
    }

    result = subprocess.run(
        ["node", str(NODE_CLIENT)], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout)
    assert answer["token"]["token_type"].lower() == "bearer"
    assert answer["status"] == 200
    assert answer["me"]["client_id"] == live_agency.client_id
