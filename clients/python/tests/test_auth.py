"""Authentication against the live platform: client secret, private_key_jwt with key rotation, renewal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from urllib.parse import parse_qs

import httpx
import pytest
from joserfc import jws

from burgerprofiel_client import AgencyClient, ClientSecret, KeyRing, PrivateKeyJwt, SigningKey, TokenError
from conftest import ACCESS_TOKEN_TTL, FAST_RETRIES, Onboarded
from live_platform import Platform


def assertion_kids(requests: list[httpx.Request]) -> list[str]:
    """The ``kid`` of every client assertion sent to the token endpoint."""
    kids = []
    for request in requests:
        if request.url.path == "/oauth/token":
            form = parse_qs(request.content.decode())
            header = jws.extract_compact(form["client_assertion"][0].encode()).headers()
            kids.append(str(header["kid"]))
    return kids


def recording_client(
    url: str, credentials: ClientSecret | PrivateKeyJwt
) -> tuple[AgencyClient, list[httpx.Request], list[httpx.Response]]:
    requests: list[httpx.Request] = []
    responses: list[httpx.Response] = []
    http = httpx.Client(event_hooks={"request": [requests.append], "response": [responses.append]})
    return AgencyClient(url, credentials, retry=FAST_RETRIES, http=http), requests, responses


def test_a_client_secret_gets_a_token_and_the_api_answers(client: AgencyClient, secret_agency: Onboarded) -> None:
    me = client.agency.me()

    assert me.agency_id == secret_agency.agency_id
    assert me.client_id == secret_agency.client_id
    assert set(me.scopes) == {
        "dosis",
        "notificaties",
        "uw_gegevens",
        "attesten",
        "contactvoorkeuren",
        "aanvragen",
        "betalingen",
    }


def test_private_key_jwt_signs_with_the_newest_registered_key(platform: Platform, jwt_agency: Onboarded) -> None:
    assert jwt_agency.keys is not None
    old, new = list(jwt_agency.keys)
    client, requests, _ = recording_client(platform.url, PrivateKeyJwt(jwt_agency.client_id, jwt_agency.keys))
    with client:
        assert client.agency.me().agency_id == jwt_agency.agency_id

    assert assertion_kids(requests) == [new.kid]
    assert new.algorithm == "ES256" and old.algorithm == "RS256"


def test_the_old_key_still_works_while_both_are_registered(platform: Platform, jwt_agency: Onboarded) -> None:
    assert jwt_agency.keys is not None
    old = next(iter(jwt_agency.keys))
    with AgencyClient(platform.url, PrivateKeyJwt(jwt_agency.client_id, KeyRing([old])), retry=FAST_RETRIES) as client:
        assert client.agency.me().agency_id == jwt_agency.agency_id


def test_a_newer_key_the_platform_does_not_know_is_refused_as_invalid_client(
    platform: Platform, jwt_agency: Onboarded
) -> None:
    assert jwt_agency.keys is not None
    ring = KeyRing(jwt_agency.keys)
    ring.rotate("ES256")  # made, but its JWKS never registered
    client = AgencyClient(platform.url, PrivateKeyJwt(jwt_agency.client_id, ring), retry=FAST_RETRIES)
    with client, pytest.raises(TokenError) as refused:
        client.agency.me()

    assert refused.value.status == 401
    assert refused.value.error == "invalid_client"
    assert refused.value.request_id


def test_a_key_made_ahead_of_time_does_not_sign_before_its_moment(platform: Platform, jwt_agency: Onboarded) -> None:
    assert jwt_agency.keys is not None
    ring = KeyRing(jwt_agency.keys)
    ring.rotate("ES256", active_from=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    client, requests, _ = recording_client(platform.url, PrivateKeyJwt(jwt_agency.client_id, ring))
    with client:
        client.agency.me()

    assert assertion_kids(requests) == [list(jwt_agency.keys)[1].kid]


def test_the_token_is_renewed_before_it_expires(platform: Platform, secret_agency: Onboarded) -> None:
    client, _, responses = recording_client(
        platform.url, ClientSecret(secret_agency.client_id, secret_agency.client_secret)
    )
    with client:
        client.agency.me()
        first = client.tokens.token()
        time.sleep(max(0.0, first.renew_at - time.monotonic()) + 0.05)
        client.agency.me()
        second = client.tokens.token()

    assert first.expires_in == ACCESS_TOKEN_TTL
    assert client.tokens.tokens_fetched == 2
    assert second.value != first.value
    assert [r.status_code for r in responses if r.request.url.path != "/oauth/token"] == [200, 200]  # never a 401


def test_a_refused_token_is_renewed_once_and_the_call_succeeds(platform: Platform, secret_agency: Onboarded) -> None:
    client, _, responses = recording_client(
        platform.url, ClientSecret(secret_agency.client_id, secret_agency.client_secret)
    )
    with client:
        client.agency.me()
        # As if the platform no longer trusted the token (its signing key retired): the next call gets a 401.
        client.tokens._token = dataclasses.replace(client.tokens.token(), value="not-a-token")
        me = client.agency.me()

    assert me.agency_id == secret_agency.agency_id
    assert client.tokens.tokens_fetched == 2
    assert [r.status_code for r in responses if r.request.url.path == "/api/v1/me"] == [200, 401, 200]


def test_a_wrong_secret_is_a_token_error_not_a_retry(platform: Platform, secret_agency: Onboarded) -> None:
    client, requests, _ = recording_client(platform.url, ClientSecret(secret_agency.client_id, "wrong"))
    with client, pytest.raises(TokenError) as refused:
        client.agency.me()

    assert refused.value.error == "invalid_client"
    assert len(requests) == 1


def test_the_jwks_to_register_holds_every_key_of_the_ring_without_private_parts() -> None:
    ring = KeyRing([SigningKey.generate("RS256"), SigningKey.generate("ES256")])

    jwks = ring.jwks()

    assert [k["alg"] for k in jwks["keys"]] == ["RS256", "ES256"]
    assert [k["kid"] for k in jwks["keys"]] == [k.kid for k in ring]
    assert not any("d" in k for k in jwks["keys"])


def test_a_key_survives_its_pem() -> None:
    key = SigningKey.generate("ES256")

    loaded = SigningKey.from_pem(key.private_pem())

    assert loaded.kid == key.kid
    assert loaded.algorithm == "ES256"
    assert SigningKey.from_pem(SigningKey.generate("RS256").private_pem()).algorithm == "RS256"
