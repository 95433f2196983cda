"""``audit verify`` believes only signing keys pinned outside the database (issue 11 item 4).

The intruder of these tests can write the database (the audit tables' triggers switched off, a row
added to the signing-key table) but holds neither the KEK nor a pinned private key.
"""

from __future__ import annotations

import io
import json
import time
from datetime import UTC

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from joserfc import jws, jwt
from joserfc.jwk import ECKey

from burgerprofiel.audit import merkle
from burgerprofiel.audit.keys import signing_key_rotate
from burgerprofiel.audit.models import AuditEvent, AuditLeaf, TreeHead
from burgerprofiel.audit.services import HASHED_FIELDS, audit_seal, audit_verify, event_leaf_hash
from burgerprofiel.audit.tests.factories import disable_append_only_guard, record_events
from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.crypto import pins, signing
from burgerprofiel.crypto.checks import signing_keys_pinned
from burgerprofiel.crypto.models import SigningKey
from burgerprofiel.oauth.services import api_audience, issuer

pytestmark = pytest.mark.django_db


def _rogue_key() -> ECKey:
    """A key of the intruder's own, written into the signing-key table as if the platform had made it."""
    key = ECKey.generate_key("P-256", parameters={"kid": "rogue", "use": "sig", "alg": "ES256"}, private=True)
    current = signing.current_signing_key()
    SigningKey.objects.create(
        kid="rogue",
        algorithm="ES256",
        public_jwk={**key.as_dict(private=False), "use": "sig", "alg": "ES256"},
        kek_id=current.kek_id,  # our KEK's id, but the intruder cannot wrap with it
        wrapped_private_key=bytes(64),
    )
    signing.forget_public_keys()
    return key


def _rewrite_history(key: ECKey, *, event: AuditEvent) -> None:
    """Edit ``event`` and re-sign every tree head over the edited leaves with ``key``."""
    disable_append_only_guard()
    AuditEvent.objects.filter(pk=event.pk).update(purpose="rewritten")
    event.refresh_from_db()
    new_hash = event_leaf_hash({name: getattr(event, name) for name in HASHED_FIELDS})
    AuditEvent.objects.filter(pk=event.pk).update(leaf_hash=new_hash)
    AuditLeaf.objects.filter(event_id=event.pk).update(leaf_hash=new_hash)
    leaves = [bytes.fromhex(h) for h in AuditLeaf.objects.order_by("index").values_list("leaf_hash", flat=True)]
    for head in TreeHead.objects.order_by("tree_size"):
        frontier = merkle.Frontier()
        for leaf in leaves[: head.tree_size]:
            frontier.append(leaf)
        root_hash = frontier.root().hex()
        payload = json.dumps(
            {
                "tree_size": head.tree_size,
                "root_hash": root_hash,
                "timestamp": head.signed_at.astimezone(UTC).isoformat(),
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
        signature = jws.serialize_compact({"alg": "ES256", "kid": "rogue"}, payload, key)
        TreeHead.objects.filter(pk=head.pk).update(
            root_hash=root_hash, signature=signature, key_id="rogue", frontier=frontier.to_json()
        )


@pytest.fixture
def log() -> list[AuditEvent]:
    events = record_events(5)
    audit_seal()
    events += record_events(3)
    audit_seal()
    assert audit_verify().ok
    return events


def test_history_re_signed_with_a_key_added_to_the_table_fails_verification(log):
    _rewrite_history(_rogue_key(), event=log[2])

    report = audit_verify()

    assert not report.ok
    assert report.problems == [
        "signed tree head of size 5 is signed by key rogue, which is not pinned (AUDIT_TRUSTED_KEYS)",
        "signed tree head of size 8 is signed by key rogue, which is not pinned (AUDIT_TRUSTED_KEYS)",
    ]


def test_with_pinned_thumbprints_the_log_verifies_and_a_rogue_key_still_fails(log):
    pinned = pins.thumbprint(signing.current_signing_key().public_jwk)
    with override_settings(AUDIT_TRUSTED_KEYS=[pinned]):
        assert audit_verify().ok
        _rewrite_history(_rogue_key(), event=log[0])
        report = audit_verify()
    assert not report.ok
    assert all("not pinned" in problem for problem in report.problems)


def test_heads_signed_by_a_key_that_is_not_among_the_configured_pins_fail(log):
    other = ECKey.generate_key("P-256", private=False).thumbprint()
    with override_settings(AUDIT_TRUSTED_KEYS=[other]):
        report = audit_verify()
    assert not report.ok
    assert len(report.problems) == 2


def test_pins_can_come_from_a_published_jwks_file(log, tmp_path):
    published = tmp_path / "burgerprofiel-audit-keys.json"
    published.write_text(json.dumps(signing.audit_jwks()))
    with override_settings(AUDIT_TRUSTED_KEYS=[], AUDIT_TRUSTED_KEYS_FILE=str(published)):
        assert not pins.pinned_automatically()
        assert audit_verify().ok
        _rewrite_history(_rogue_key(), event=log[1])
        assert not audit_verify().ok


def test_a_key_added_to_the_table_neither_signs_nor_is_published_nor_verifies_access_tokens(client, agency):
    legit = signing.current_signing_key()
    key = _rogue_key()
    SigningKey.objects.filter(kid="rogue").update(created_at=legit.created_at.replace(year=legit.created_at.year + 1))

    assert signing.current_signing_key().kid == legit.kid
    assert {k["kid"] for k in client.get("/oauth/jwks").json()["keys"]} == {legit.kid}
    assert {k["kid"] for k in client.get("/audit/jwks").json()["keys"]} == {legit.kid}
    now = int(time.time())
    forged = jwt.encode(
        {"alg": "ES256", "kid": "rogue", "typ": "at+jwt"},
        {"iss": issuer(), "aud": api_audience(), "client_id": agency.client_id, "exp": now + 300, "scope": "dosis"},
        key,
    )
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401


def test_a_rotated_key_signs_only_once_it_is_pinned(agency):
    old = signing.current_signing_key()
    with override_settings(AUDIT_TRUSTED_KEYS=[pins.thumbprint(old.public_jwk)]):
        new = signing_key_rotate(actor=TEST_ACTOR)
        assert signing.current_signing_key().kid == old.kid
    with override_settings(AUDIT_TRUSTED_KEYS=[pins.thumbprint(old.public_jwk), pins.thumbprint(new.public_jwk)]):
        assert signing.current_signing_key().kid == new.kid


def test_production_refuses_to_start_without_pinned_keys(settings):
    signing.current_signing_key()
    settings.PRODUCTION = True
    settings.AUDIT_TRUSTED_KEYS = []
    assert [m.id for m in signing_keys_pinned()] == ["crypto.E001"]
    with pytest.raises(ImproperlyConfigured, match="AUDIT_TRUSTED_KEYS"):
        signing.current_signing_key()  # and nothing signs


def test_a_fresh_production_install_is_warned_so_it_can_still_migrate_and_make_its_first_key(settings):
    settings.PRODUCTION = True
    settings.AUDIT_TRUSTED_KEYS = []
    assert [m.id for m in signing_keys_pinned()] == ["crypto.W001"]


def test_production_refuses_to_start_when_no_active_key_is_pinned(settings):
    signing.current_signing_key()
    settings.PRODUCTION = True
    settings.AUDIT_TRUSTED_KEYS = [ECKey.generate_key("P-256").thumbprint()]
    assert [m.id for m in signing_keys_pinned()] == ["crypto.E002"]
    settings.AUDIT_TRUSTED_KEYS = [pins.thumbprint(SigningKey.objects.get().public_jwk)]
    assert signing_keys_pinned() == []


def test_a_malformed_pin_is_refused(settings):
    settings.AUDIT_TRUSTED_KEYS = ["not-a-thumbprint"]
    assert [m.id for m in signing_keys_pinned()] == ["crypto.E003"]


def test_development_pins_the_platforms_own_keys_automatically(log):
    assert pins.pinned_automatically()
    assert signing_keys_pinned() == []
    out = io.StringIO()
    call_command("keys", "trusted", stdout=out)
    [described] = json.loads(out.getvalue())["keys"]
    assert described["pinned"] is True
    assert described["thumbprint"] == pins.thumbprint(signing.current_signing_key().public_jwk)
