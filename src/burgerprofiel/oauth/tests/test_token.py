from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from joserfc import jwt as jose_jwt
from joserfc.jwk import RSAKey

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conftest import post_form, token_with_assertion, token_with_secret
from burgerprofiel.crypto import signing
from burgerprofiel.oauth.services import ASSERTION_TYPE, token_url, used_assertions_purge

pytestmark = pytest.mark.django_db


def _refusals(reason: str) -> int:
    return AuditEvent.objects.filter(
        action="oauth.authentication_failed", outcome="refused", detail__reason=reason
    ).count()


def _assert_problem_401(response, error: str = "invalid_client") -> dict:
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401
    assert body["error"] == error
    assert body["type"].endswith("/oauth-invalid-client")
    return body


def test_private_key_jwt_rs256_token_calls_me(client, agency):
    response = token_with_assertion(client, agency)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert set(body["scope"].split()) == {"dosis", "notificaties"}
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert me.status_code == 200, me.content
    data = me.json()
    assert data["agency_id"] == agency.agency_id
    assert data["client_id"] == agency.client_id
    assert data["processing_order"]["version"] == 1
    assert data["processing_order"]["state"] == "active"
    assert sorted(data["scopes"]) == ["dosis", "notificaties"]
    assert AuditEvent.objects.filter(action="oauth.token_issued", detail__method="private_key_jwt").count() == 1
    assert AuditEvent.objects.filter(action="agency.me_read", agency_id=agency.agency_id).count() == 1


def test_private_key_jwt_es256_assertion_is_accepted(client, agency):
    response = token_with_assertion(client, agency, alg="ES256")
    assert response.status_code == 200, response.content


def test_client_secret_basic_token_calls_me(client, agency):
    response = token_with_secret(client, agency)
    assert response.status_code == 200, response.content
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}")
    assert me.status_code == 200
    assert me.json()["kbo"] == "0316380841"
    assert AuditEvent.objects.filter(action="oauth.token_issued", detail__method="client_secret_basic").count() == 1


def test_wrong_client_secret_is_refused_and_audited(client, agency):
    _assert_problem_401(token_with_secret(client, agency, secret="not-the-secret"))
    assert _refusals("bad_secret") == 1


def test_replayed_jti_is_refused_and_audited(client, agency):
    assertion = agency.assertion()
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    assert post_form(client, form).status_code == 200
    body = _assert_problem_401(post_form(client, form))
    assert "jti" in body["detail"]
    assert _refusals("replayed_jti") == 1


def test_expired_assertion_is_refused_and_audited(client, agency):
    now = int(time.time())
    _assert_problem_401(token_with_assertion(client, agency, iat=now - 900, exp=now - 600))
    assert _refusals("expired") == 1


def test_an_assertion_that_lives_an_hour_is_accepted(client, agency):
    # Authlib's default (exp = iat + 3600), and what large identity providers accept.
    now = int(time.time())
    response = token_with_assertion(client, agency, iat=now, exp=now + 3600)
    assert response.status_code == 200, response.content


def test_an_assertion_expiring_more_than_an_hour_ahead_is_refused(client, agency):
    body = _assert_problem_401(token_with_assertion(client, agency, exp=int(time.time()) + 3600 + 120))
    assert "60 minuten" in body["detail"]
    assert _refusals("exp_too_far") == 1


def test_an_hour_long_assertion_cannot_be_replayed_until_it_expires_even_after_the_purge(client, agency):
    issued = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(issued, tick=False):
        form = _assertion_form(agency.assertion(iat=int(issued.timestamp()), exp=int(issued.timestamp()) + 3600))
        assert post_form(client, form).status_code == 200
    with time_machine.travel(issued + dt.timedelta(minutes=59), tick=False):
        used_assertions_purge()
        _assert_problem_401(post_form(client, form))
    assert _refusals("replayed_jti") == 1


def test_the_purge_forgets_a_jti_only_after_its_assertion_expired(agency, client):
    issued = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(issued, tick=False):
        form = _assertion_form(agency.assertion(iat=int(issued.timestamp()), exp=int(issued.timestamp()) + 3600))
        assert post_form(client, form).status_code == 200
    with time_machine.travel(issued + dt.timedelta(minutes=60), tick=False):
        assert used_assertions_purge() == 0
    with time_machine.travel(issued + dt.timedelta(minutes=66), tick=False):
        assert used_assertions_purge() == 1
        body = _assert_problem_401(post_form(client, form))  # forgotten, and refused all the same
    assert "verlopen" in body["detail"]


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_an_assertion_without_kid_is_checked_against_each_registered_key(client, agency, alg):
    # The agency registered an RSA and an EC key; Authlib sends no kid unless told to.
    now = int(time.time())
    claims = {"iss": agency.client_id, "sub": agency.client_id, "aud": token_url(), "jti": "zonder-kid-" + alg}
    key = agency.rsa_key if alg == "RS256" else agency.ec_key
    assertion = jose_jwt.encode({"alg": alg}, {**claims, "iat": now, "exp": now + 300}, key)

    assert post_form(client, _assertion_form(assertion)).status_code == 200


def test_an_assertion_without_kid_signed_by_an_unregistered_key_is_refused(client, agency):
    now = int(time.time())
    claims = {"iss": agency.client_id, "sub": agency.client_id, "aud": token_url(), "jti": "vreemd", "exp": now + 300}
    stranger = RSAKey.generate_key(2048, private=True)
    _assert_problem_401(post_form(client, _assertion_form(jose_jwt.encode({"alg": "RS256"}, claims, stranger))))
    assert _refusals("bad_signature") == 1


def test_an_assertion_whose_audience_is_the_issuer_identifier_is_accepted(client, agency, settings):
    # RFC 7523bis and node's openid-client: aud = the authorization server's issuer identifier.
    response = token_with_assertion(client, agency, aud=settings.PUBLIC_URL)
    assert response.status_code == 200, response.content


def _assertion_form(assertion: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}


def test_wrong_audience_is_refused_and_audited(client, agency):
    _assert_problem_401(token_with_assertion(client, agency, aud="https://elders.example/oauth/token"))
    assert _refusals("bad_audience") == 1


def test_assertion_signed_with_another_key_is_refused_and_audited(client, agency):
    stranger = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"}, private=True)
    _assert_problem_401(token_with_assertion(client, agency, key=stranger))
    assert _refusals("bad_signature") == 1


def test_sub_other_than_client_is_refused(client, agency):
    _assert_problem_401(token_with_assertion(client, agency, sub="someone-else"))
    assert _refusals("bad_subject") == 1


def test_missing_jti_is_refused(client, agency):
    _assert_problem_401(token_with_assertion(client, agency, jti=None))
    assert _refusals("no_jti") == 1


def test_unknown_client_is_refused(client, agency):
    _assert_problem_401(token_with_assertion(client, agency, iss="bp-unknown", sub="bp-unknown"))
    assert _refusals("unknown_client") == 1


def test_other_grant_types_are_refused(client, agency):
    response = post_form(client, {"grant_type": "password"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_requesting_a_scope_outside_the_order_is_refused(client, agency):
    response = post_form(
        client,
        {
            "grant_type": "client_credentials",
            "scope": "betalingen",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": agency.assertion(),
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_token_endpoint_refuses_json_bodies(client, agency):
    response = client.post("/oauth/token", {"grant_type": "client_credentials"}, content_type="application/json")
    assert response.status_code == 415


def test_jwks_publishes_the_key_that_signs_access_tokens(client, agency):
    from joserfc import jwt as jose_jwt
    from joserfc.jwk import KeySet

    token = token_with_assertion(client, agency).json()["access_token"]
    keys = KeySet.import_key_set(client.get("/oauth/jwks").json())
    decoded = jose_jwt.decode(token, keys, algorithms=["ES256"])
    assert decoded.header["typ"] == "at+jwt"
    assert decoded.claims["client_id"] == agency.client_id
    assert decoded.claims["exp"] - decoded.claims["iat"] <= 300


def test_api_refuses_a_token_that_is_not_ours(client, agency):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer eyJhbGciOiJub25lIn0.e30.")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert AuditEvent.objects.filter(action="api.authentication_failed", detail__reason="bad_token").count() == 1


def test_api_refuses_a_request_without_token(client, agency):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_an_assertion_whose_exp_is_not_a_finite_number_is_refused_not_a_500(client, agency):
    _assert_problem_401(token_with_assertion(client, agency, exp=float("nan")))
    assert _refusals("no_exp") == 1


class _CountingHasher:
    """argon2's PasswordHasher, counting verifications and the hash parameters each one used."""

    def __init__(self, real):
        self.real = real
        self.verified: list[str] = []

    def verify(self, stored: str, secret: str) -> bool:
        self.verified.append(stored.rsplit("$", 2)[0])  # "$argon2id$v=19$m=...,t=...,p=..." without salt and hash
        return self.real.verify(stored, secret)

    def __getattr__(self, name):
        return getattr(self.real, name)


def _basic(client_id: str, secret: str) -> dict[str, str]:
    import base64

    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_an_unknown_client_id_costs_the_same_argon2_work_as_a_wrong_secret(client, agency, monkeypatch):
    from burgerprofiel.agencies import services as agency_services

    hasher = _CountingHasher(agency_services._hasher)
    monkeypatch.setattr(agency_services, "_hasher", hasher)

    wrong_secret = post_form(client, {"grant_type": "client_credentials"}, **_basic(agency.client_id, "wrong"))
    unknown = post_form(client, {"grant_type": "client_credentials"}, **_basic("bp-nobody", "wrong"))

    assert _assert_problem_401(wrong_secret)["detail"] == _assert_problem_401(unknown)["detail"]
    assert len(hasher.verified) == 2  # one verification each, the unknown client's against a stand-in hash
    assert hasher.verified[0] == hasher.verified[1]  # with the same argon2 parameters
    assert _refusals("bad_secret") == 1
    assert _refusals("unknown_client") == 1


def test_a_client_without_a_secret_costs_an_argon2_verification_and_is_refused(client, agency, monkeypatch):
    from burgerprofiel.agencies import services as agency_services
    from burgerprofiel.agencies.models import ApiClient

    ApiClient.objects.filter(client_id=agency.client_id).update(secret_hash="")
    hasher = _CountingHasher(agency_services._hasher)
    monkeypatch.setattr(agency_services, "_hasher", hasher)

    _assert_problem_401(post_form(client, {"grant_type": "client_credentials"}, **_basic(agency.client_id, "")))
    assert len(hasher.verified) == 1


def test_a_token_verified_before_is_refused_once_it_expired_or_its_client_was_deactivated(client, agency):
    # The signature is verified once per token (oauth.services._token_decode); its lifetime and its
    # client are checked on every call all the same.
    from burgerprofiel.agencies.models import ApiClient

    token = token_with_assertion(client, agency).json()["access_token"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/me", **headers).status_code == 200
    assert client.get("/api/v1/me", **headers).status_code == 200  # from the cache of verified tokens
    exp = jose_jwt.decode(token, signing.public_keyset()).claims["exp"]
    with time_machine.travel(exp + 31, tick=False):
        assert client.get("/api/v1/me", **headers).status_code == 401
    assert AuditEvent.objects.filter(action="api.authentication_failed", detail__reason="token_expired").count() == 1

    ApiClient.objects.filter(client_id=agency.client_id).update(is_active=False)
    assert client.get("/api/v1/me", **headers).status_code == 401
    assert AuditEvent.objects.filter(action="api.authentication_failed", detail__reason="client_inactive").count() == 1


def test_a_token_with_a_forged_signature_is_refused_even_after_the_genuine_one_was_verified(client, agency):
    token = token_with_assertion(client, agency).json()["access_token"]
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401
    assert AuditEvent.objects.filter(action="api.authentication_failed", detail__reason="bad_token").count() == 1
