"""The ID token's audience and authorized party (OpenID Connect Core 1.0, 3.1.3.7 items 3-5).

An ID token issued for several audiences was made for whichever of them is its authorized party
(``azp``); one that names us among others but was issued to another client must not log anyone in
here. These tests run the login callback with a provider stand-in that signs the tokens we choose.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from burgerprofiel.portal import oidc
from burgerprofiel.portal.auth import SESSION_CITIZEN

ISSUER = "https://aanmelden.example"
CLIENT_ID = "burgerprofiel-portal"
AN = "85073003328"
pytestmark = pytest.mark.django_db

KEY = RSAKey.generate_key(2048, parameters={"kid": "idp-1"}, private=True)


class TokenEndpoint:
    """Answers the code exchange with the ID token the test prepared."""

    def __init__(self) -> None:
        self.claims: dict[str, Any] = {}

    def post(self, url: str, **kwargs: Any) -> Any:
        token = jwt.encode({"alg": "RS256", "kid": "idp-1"}, self.claims, KEY)
        return type("Answer", (), {"status_code": 200, "json": staticmethod(lambda: {"id_token": token})})()


@pytest.fixture
def provider(settings: Any, monkeypatch: pytest.MonkeyPatch) -> TokenEndpoint:
    settings.OIDC_ISSUER = ISSUER
    settings.OIDC_CLIENT_ID = CLIENT_ID
    config = {
        "issuer": ISSUER,
        "authorization_endpoint": f"{ISSUER}/auth",
        "token_endpoint": f"{ISSUER}/token",
        "jwks_uri": f"{ISSUER}/jwks",
    }
    monkeypatch.setattr(oidc, "discovery", lambda: config)
    monkeypatch.setattr(oidc, "_keyset", lambda refresh=False: KeySet([KEY]))
    endpoint = TokenEndpoint()
    monkeypatch.setattr(oidc.httpx, "post", endpoint.post)
    return endpoint


def _callback(client: Client, provider: TokenEndpoint, **claims: Any) -> Any:
    start = client.get("/aanmelden/start")
    query = parse_qs(urlsplit(start["Location"]).query)
    now = int(time.time())
    provider.claims = {
        "iss": ISSUER,
        "sub": "an",
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "nonce": query["nonce"][0],
        "rrn": AN,
        "acr": "eid",
    }
    provider.claims.update(claims)
    provider.claims = {k: v for k, v in provider.claims.items() if v is not None}
    return client.get("/oidc/callback", {"state": query["state"][0], "code": "the-code"})


def test_a_token_for_us_alone_logs_the_citizen_in(client: Client, provider: TokenEndpoint) -> None:
    response = _callback(client, provider)
    assert response.status_code == 302
    assert SESSION_CITIZEN in client.session


def test_a_token_for_several_audiences_without_azp_is_refused(client: Client, provider: TokenEndpoint) -> None:
    response = _callback(client, provider, aud=[CLIENT_ID, "another-client"])
    assert response.status_code == 400
    assert "identiteitsbewijs" in response.content.decode()
    assert SESSION_CITIZEN not in client.session


def test_a_token_for_several_audiences_issued_to_another_client_is_refused(
    client: Client, provider: TokenEndpoint
) -> None:
    response = _callback(client, provider, aud=[CLIENT_ID, "another-client"], azp="another-client")
    assert response.status_code == 400
    assert SESSION_CITIZEN not in client.session


def test_a_token_for_several_audiences_issued_to_us_logs_the_citizen_in(
    client: Client, provider: TokenEndpoint
) -> None:
    response = _callback(client, provider, aud=[CLIENT_ID, "another-client"], azp=CLIENT_ID)
    assert response.status_code == 302
    assert SESSION_CITIZEN in client.session


def test_a_token_naming_another_authorized_party_is_refused_even_for_us_alone(
    client: Client, provider: TokenEndpoint
) -> None:
    response = _callback(client, provider, azp="another-client")
    assert response.status_code == 400
    assert SESSION_CITIZEN not in client.session


def test_a_token_not_for_us_is_refused(client: Client, provider: TokenEndpoint) -> None:
    response = _callback(client, provider, aud="another-client")
    assert response.status_code == 400
    assert SESSION_CITIZEN not in client.session
