"""Portal fixtures: the real OIDC provider (node, devpeers/oidc), demo agency sources, Chromium."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

# The DOSIS fixtures (a Bron, a bearer token, the upload call) for the "Mijn dossiers" pages.
from burgerprofiel.dossiers.tests.conftest import agency_headers, source, upload  # noqa: F401

REPO = Path(__file__).resolve().parents[4]
CLIENT_SECRET = "test-portal-secret"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def oidc_provider(live_server: Any) -> Iterator[str]:
    """The dev OIDC provider on an ephemeral loopback port; yields its issuer URL."""
    env = {
        **os.environ,
        "OIDC_PORT": "0",
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": f"{live_server.url}/oidc/callback,http://testserver/oidc/callback",
        "OIDC_POST_LOGOUT_URIS": f"{live_server.url}/afgemeld,http://testserver/afgemeld",
    }
    process = subprocess.Popen(
        ["node", str(REPO / "devpeers" / "oidc" / "provider.mjs")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        issuer = json.loads(line)["issuer"]
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def oidc(settings: Any, oidc_provider: str) -> str:
    settings.OIDC_ISSUER = oidc_provider
    settings.CONTENT_SECURITY_POLICY = settings.CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {oidc_provider}"
    )
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    return oidc_provider


def provider_login(authorize_url: str, *, who: str = "an", method: str = "eid") -> str:
    """Drive the provider's login page like a browser would; return the callback URL it sends back to."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        url = authorize_url
        for _ in range(10):
            response = browser.get(url)
            if response.status_code in (302, 303):
                url = urljoin(url, response.headers["location"])
                if not url.startswith(authorize_url.split("/auth")[0]):
                    return url
                continue
            assert response.status_code == 200, response.text
            if "/interaction/" in url:
                uid = urlsplit(url).path.split("/")[2]
                answer = browser.post(
                    urljoin(url, f"/interaction/{uid}/login"), data={"burger": who, "methode": method}
                )
                assert answer.status_code in (302, 303), answer.text
                url = urljoin(url, answer.headers["location"])
                continue
            raise AssertionError(f"unexpected page at {url}")
    raise AssertionError("too many redirects")


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "browser: drives Chromium through the portal (select with -m browser)")
