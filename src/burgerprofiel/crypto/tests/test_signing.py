from __future__ import annotations

import json

import pytest
from joserfc.jwk import KeySet

from burgerprofiel.audit import keys
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_seal_all, audit_verify
from burgerprofiel.conftest import TEST_ACTOR, token_with_assertion
from burgerprofiel.crypto import signing

pytestmark = pytest.mark.django_db


def test_after_rotation_the_new_key_signs_and_old_tokens_still_verify_until_retired(client, agency):
    old_token = token_with_assertion(client, agency).json()["access_token"]
    old_kid = signing.current_signing_key().kid
    new = keys.signing_key_rotate(actor=TEST_ACTOR)
    new_token = token_with_assertion(client, agency).json()["access_token"]
    assert json.loads(__import__("base64").urlsafe_b64decode(new_token.split(".")[0] + "=="))["kid"] == new.kid
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {old_token}").status_code == 200
    assert {k["kid"] for k in client.get("/oauth/jwks").json()["keys"]} == {old_kid, new.kid}

    keys.signing_key_retire(kid=old_kid, actor=TEST_ACTOR)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {old_token}").status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {new_token}").status_code == 200
    assert {k["kid"] for k in client.get("/oauth/jwks").json()["keys"]} == {new.kid}
    assert AuditEvent.objects.filter(action="crypto.signing_key.retired", object_id=old_kid).exists()


def test_tree_heads_signed_by_a_retired_key_still_verify_and_its_key_stays_published(client, agency):
    audit_seal_all()
    old_kid = signing.current_signing_key().kid
    keys.signing_key_rotate(actor=TEST_ACTOR)
    keys.signing_key_retire(kid=old_kid, actor=TEST_ACTOR)
    token_with_assertion(client, agency)
    audit_seal_all()
    assert audit_verify().ok
    published = client.get("/audit/jwks").json()
    retired = next(k for k in published["keys"] if k["kid"] == old_kid)
    assert "exp" in retired
    KeySet.import_key_set(published)  # the published set is a valid JWKS


def test_the_only_active_key_cannot_be_retired(agency):
    only = signing.current_signing_key()
    with pytest.raises(Exception) as error:
        keys.signing_key_retire(kid=only.kid, actor=TEST_ACTOR)
    assert "enige actieve sleutel" in str(error.value)


def test_key_ids_never_look_like_a_command_line_option():
    assert not any(signing.new_kid().startswith("-") for _ in range(2000))


def test_a_token_from_the_batch_signer_is_the_jws_sign_jwt_makes_and_verifies_with_the_published_keys():
    from joserfc import jwt

    claims = {"sub": "notification:1", "status": "delivered", "naam": "Agentschap Zorg & Gezondheid é", "iat": 1}
    sign = signing.jwt_signer(typ="delivery-receipt+jwt")
    fast, reference = sign(claims), signing.sign_jwt(claims, typ="delivery-receipt+jwt")
    # Header and payload byte for byte (ECDSA signatures are randomised: only they differ).
    assert fast.rsplit(".", 1)[0] == reference.rsplit(".", 1)[0]
    keyset = signing.public_keyset()
    for token in (fast, reference):
        decoded = jwt.decode(token, keyset)
        assert decoded.claims == claims
        assert decoded.header == {
            "alg": "ES256",
            "kid": signing.current_signing_key().kid,
            "typ": "delivery-receipt+jwt",
        }
    tampered = fast[:-4] + ("AAAA" if not fast.endswith("AAAA") else "BBBB")
    with pytest.raises(Exception):  # noqa: B017 - joserfc's BadSignatureError; any refusal will do
        jwt.decode(tampered, keyset)
