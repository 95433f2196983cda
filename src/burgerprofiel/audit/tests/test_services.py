from __future__ import annotations

import hashlib
import io
import itertools
import json
from datetime import UTC, timedelta
from types import SimpleNamespace

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jws
from joserfc.jwk import KeySet

from burgerprofiel.audit import merkle
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent, AuditLeaf, TreeHead
from burgerprofiel.audit.services import (
    HASHED_FIELDS,
    audit_event_build,
    audit_events_append,
    audit_record,
    audit_seal,
    audit_seal_all,
    audit_verify,
    consistency_proof_between,
    event_leaf_hash,
)
from burgerprofiel.audit.tests.factories import TESTER, record_events, skip_unless_postgresql
from burgerprofiel.common.requestid import clear_request_id, new_request_id
from burgerprofiel.crypto import signing
from burgerprofiel.crypto.models import SigningKey
from burgerprofiel.dossiers.models import Dossier

pytestmark = pytest.mark.django_db


def _values(event: AuditEvent) -> dict:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


def _signed_payload(head: TreeHead) -> dict:
    keys = KeySet.import_key_set(signing.jwks())
    return json.loads(jws.deserialize_compact(head.signature, keys, algorithms=["ES256"]).payload)


def _leaf_hashes() -> list[bytes]:
    return [bytes.fromhex(h) for h in AuditLeaf.objects.order_by("index").values_list("leaf_hash", flat=True)]


def _call_audit(*args: str) -> dict:
    out = io.StringIO()
    call_command("audit", *args, stdout=out)
    return json.loads(out.getvalue())


# --- recording -------------------------------------------------------------------------------


def test_an_event_hashes_its_fields_as_an_rfc_9162_leaf_over_canonical_json():
    event = audit_record(
        actor=Actor(kind="agency_client", id="client-1", agency_id=7, order_version_id=3),
        action=AuditAction.DOSSIER_VIEWED,
        target=Dossier,
        object_id=42,
        purpose="opvolging dossier",
        detail={"b": 2, "a": "é"},
    )
    canonical = {
        "occurred_at": event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_type": "agency_client",
        "actor_id": "client-1",
        "agency_id": 7,
        "order_version_id": 3,
        "action": "dossier.viewed",
        "outcome": "success",
        "object_type": "dossiers.Dossier",
        "object_id": "42",
        "purpose": "opvolging dossier",
        "request_id": "",
        "detail": {"a": "é", "b": 2},
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert event.leaf_hash == hashlib.sha256(b"\x00" + text).hexdigest()


def test_an_event_takes_agency_and_order_version_from_the_actor_unless_given():
    actor = Actor(kind="agency_client", id="c", agency_id=5, order_version_id=9)
    implicit = audit_record(actor=actor, action="a")
    assert (implicit.agency_id, implicit.order_version_id) == (5, 9)
    explicit = audit_record(actor=actor, action="a", agency_id=6, order_version_id=10)
    assert (explicit.agency_id, explicit.order_version_id) == (6, 10)


def test_an_event_carries_the_current_request_id_and_none_outside_a_request():
    new_request_id("req-0123456789")
    try:
        inside = audit_record(actor=TESTER, action="a")
    finally:
        clear_request_id()
    outside = audit_record(actor=TESTER, action="a")
    assert inside.request_id == "req-0123456789"
    assert outside.request_id == ""


def test_an_event_read_back_from_the_database_hashes_to_its_stored_leaf_hash():
    event = audit_record(actor=TESTER, action="a", detail={"nested": {"list": [1, 2.5, None, True]}})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert event_leaf_hash(_values(stored)) == stored.leaf_hash == event.leaf_hash


def test_events_appended_together_are_stored_as_built_and_verify():
    """The batch writer (COPY on PostgreSQL) writes only what ``audit_event_build`` built."""
    built = [
        audit_event_build(actor=TESTER, action="batch", object_id=str(i), detail={"ids": [i, 2.5]}) for i in range(3)
    ]
    audit_events_append(built)

    stored = list(AuditEvent.objects.filter(action="batch").order_by("pk"))
    assert [e.leaf_hash for e in stored] == [e.leaf_hash for e in built]
    assert [event_leaf_hash(_values(e)) for e in stored] == [e.leaf_hash for e in built]
    audit_seal_all()
    assert audit_verify().ok


# The detail of an event comes from callers; whatever JSON they pass must be stored and hash the same
# after the database returned it (PostgreSQL's jsonb rewrites numbers: 1e16 comes back as an integer,
# -0.0 as 0.0; it refuses NUL; nobody stores a lone surrogate).
_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
_json = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(detail=st.dictionaries(st.text(max_size=8), _json, max_size=5))
def test_any_json_detail_survives_the_database_with_its_hash_intact(detail):
    event = audit_record(actor=TESTER, action="a", detail=detail)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert event_leaf_hash(_values(stored)) == stored.leaf_hash


@pytest.mark.parametrize("value", [1e16, -0.0, 1.5e300, 1.0, 100.0, 1e-7, 0.1, 2**62, -(2**63)])
def test_numbers_that_the_database_rewrites_keep_their_hash(value):
    event = audit_record(actor=TESTER, action="a", detail={"x": value, "list": [value]})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert event_leaf_hash(_values(stored)) == stored.leaf_hash


def test_integral_and_fractional_numbers_still_hash_differently():
    assert audit_record(actor=TESTER, action="a", detail={"x": 1}).leaf_hash != (
        audit_record(actor=TESTER, action="a", detail={"x": 1.5}).leaf_hash
    )
    values = _values(audit_record(actor=TESTER, action="a", detail={"x": 1}))
    assert event_leaf_hash(values) != event_leaf_hash({**values, "detail": {"x": 2}})
    assert event_leaf_hash(values) != event_leaf_hash({**values, "detail": {"x": "1"}})


def test_an_event_with_over_long_fields_is_stored_cut_to_size_and_still_verifies():
    event = audit_record(
        actor=Actor(kind="agency_client", id="c" * 300),
        action="x" * 300,
        target=SimpleNamespace(_meta=SimpleNamespace(label="t" * 300)),
        object_id="9" * 300,
        purpose="p" * 300,
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (len(stored.actor_id), len(stored.action), len(stored.object_type), len(stored.object_id)) == (
        128,
        80,
        80,
        128,
    )
    assert len(stored.purpose) == 200
    assert event_leaf_hash(_values(stored)) == stored.leaf_hash
    audit_seal()
    assert audit_verify().ok


@pytest.mark.parametrize("bad", ["\x00", "\ud800"], ids=["nul", "lone surrogate"])
def test_text_no_database_can_store_becomes_a_replacement_character_and_still_verifies(bad):
    event = audit_record(actor=TESTER, action="a", object_id=f"a{bad}b", purpose=bad, detail={f"k{bad}": [f"v{bad}"]})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.object_id, stored.purpose, stored.detail) == ("a\ufffdb", "\ufffd", {"k\ufffd": ["v\ufffd"]})
    assert event_leaf_hash(_values(stored)) == stored.leaf_hash


# --- sealing ---------------------------------------------------------------------------------


def test_seal_appends_pending_events_as_leaves_in_id_order():
    events = record_events(5)
    head = audit_seal()
    assert head is not None
    leaves = list(AuditLeaf.objects.order_by("index"))
    assert [leaf.index for leaf in leaves] == [0, 1, 2, 3, 4]
    assert [leaf.event_id for leaf in leaves] == sorted(e.pk for e in events)
    assert [leaf.leaf_hash for leaf in leaves] == [e.leaf_hash for e in sorted(events, key=lambda e: e.pk)]


def test_seal_signs_a_tree_head_over_the_root_of_all_leaves():
    record_events(3)
    head = audit_seal()
    assert head is not None
    assert head.tree_size == 3
    assert head.root_hash == merkle.root(_leaf_hashes()).hex()
    payload = _signed_payload(head)
    assert payload["tree_size"] == 3
    assert payload["root_hash"] == head.root_hash
    assert payload["timestamp"] == head.signed_at.astimezone(UTC).isoformat()
    assert jws.extract_compact(head.signature.encode()).headers()["kid"] == head.key_id


def test_seal_without_pending_events_signs_nothing():
    record_events(2)
    assert audit_seal() is not None
    assert audit_seal() is None
    assert TreeHead.objects.count() == 1


def test_seal_extends_the_previous_tree_head_and_keeps_its_frontier():
    record_events(3)
    first = audit_seal()
    record_events(4)
    second = audit_seal()
    assert first is not None and second is not None
    assert second.tree_size == 7
    leaves = _leaf_hashes()
    assert second.root_hash == merkle.root(leaves).hex()
    assert first.root_hash == merkle.root(leaves[:3]).hex()
    assert merkle.Frontier.from_json(second.frontier).root().hex() == second.root_hash


def test_seal_works_in_batches_and_each_head_covers_a_prefix():
    record_events(5)
    sizes = []
    while (head := audit_seal(batch_size=2)) is not None:
        sizes.append(head.tree_size)
    assert sizes == [2, 4, 5]
    leaves = _leaf_hashes()
    for head in TreeHead.objects.all():
        assert head.root_hash == merkle.root(leaves[: head.tree_size]).hex()


def test_seal_all_seals_until_nothing_is_pending_and_counts_the_heads():
    record_events(3)
    assert audit_seal_all() == 1
    assert audit_seal_all() == 0
    assert not AuditEvent.objects.filter(leaf__isnull=True).exists()


def test_every_tree_head_is_provably_consistent_with_the_next():
    for n in (1, 3, 4, 9):  # sizes 1, 4, 8, 17: powers of two and not
        record_events(n)
        audit_seal()
    heads = list(TreeHead.objects.order_by("tree_size"))
    assert [h.tree_size for h in heads] == [1, 4, 8, 17]
    for older, newer in itertools.pairwise(heads):
        proof = consistency_proof_between(first=older.tree_size, second=newer.tree_size)
        assert merkle.verify_consistency(
            first=older.tree_size,
            second=newer.tree_size,
            first_root=bytes.fromhex(older.root_hash),
            second_root=bytes.fromhex(newer.root_hash),
            proof=[bytes.fromhex(p) for p in proof["consistency_path"]],
        )


def _insert_event_with_id(event_id: int) -> AuditEvent:
    """An event as a slow transaction leaves it: its id was drawn before a newer event committed."""
    values = {
        "occurred_at": timezone.now(),
        "actor_type": "system",
        "actor_id": "slow",
        "agency_id": None,
        "order_version_id": None,
        "action": "test.slow",
        "outcome": "success",
        "object_type": "",
        "object_id": str(event_id),
        "purpose": "",
        "request_id": "",
        "detail": {},
    }
    return AuditEvent.objects.create(pk=event_id, leaf_hash=event_leaf_hash(values), **values)


def test_an_event_that_commits_after_a_newer_one_was_sealed_is_sealed_next_and_the_log_verifies():
    # PostgreSQL hands out ids at INSERT, not at COMMIT: a slow transaction's event can show up
    # after the sealer has already sealed newer ones. The log must stay valid.
    base = record_events(2)[-1].pk
    newer = _insert_event_with_id(base + 1000)
    assert audit_seal() is not None
    late = _insert_event_with_id(base + 999)
    assert audit_seal() is not None
    assert list(AuditLeaf.objects.order_by("index").values_list("event_id", flat=True))[-2:] == [newer.pk, late.pk]
    report = audit_verify()
    assert report.ok, report.problems
    assert report.events_checked == 4


def test_a_really_concurrent_late_commit_on_postgresql_leaves_a_valid_log():
    skip_unless_postgresql()
    settings_dict = connection.settings_dict
    other = psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
        password=settings_dict["PASSWORD"] or None,
    )
    superuser = other.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if not (superuser and superuser[0]):
        other.close()
        pytest.skip("removing the committed event afterwards needs a superuser (session_replication_role)")
    slow_id = None
    try:
        values = {
            "occurred_at": timezone.now(),
            "actor_type": "system",
            "actor_id": "slow",
            "agency_id": None,
            "order_version_id": None,
            "action": "test.slow",
            "outcome": "success",
            "object_type": "",
            "object_id": "",
            "purpose": "",
            "request_id": "",
            "detail": {},
        }
        columns = [*values, "leaf_hash"]
        params = [*values.values(), event_leaf_hash(values)]
        params[columns.index("detail")] = json.dumps(values["detail"])
        row = other.execute(
            f"INSERT INTO audit_auditevent ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
            "RETURNING id",
            params,
        ).fetchone()
        assert row is not None
        slow_id = row[0]
        fast = audit_record(actor=TESTER, action="test.fast")  # draws a higher id, visible at once
        assert fast.pk > slow_id
        assert audit_seal() is not None  # seals the fast one; the slow one is not committed yet
        other.commit()
        assert audit_seal() is not None
        assert list(AuditLeaf.objects.order_by("index").values_list("event_id", flat=True)) == [fast.pk, slow_id]
        report = audit_verify()
        assert report.ok, report.problems
    finally:
        other.rollback()
        if slow_id is not None:
            # The slow event was really committed; remove it so that no other test sees it.
            other.execute("SET session_replication_role = replica")
            other.execute("DELETE FROM audit_auditevent WHERE id = %s", [slow_id])
            other.commit()
        other.close()


# --- verifying -------------------------------------------------------------------------------


def test_an_empty_log_verifies():
    report = audit_verify()
    assert report.ok
    assert (report.events_checked, report.tree_heads_checked, report.unsealed_events) == (0, 0, 0)


def test_an_untouched_log_verifies_and_counts_what_it_checked():
    record_events(4)
    audit_seal()
    record_events(3)
    audit_seal()
    record_events(2)  # recorded, not sealed yet
    report = audit_verify()
    assert report.ok, report.problems
    assert report.problems == []
    assert report.first_bad_event_id is None
    assert (report.events_checked, report.tree_heads_checked, report.unsealed_events) == (7, 2, 2)


def test_a_log_verifies_after_the_signing_key_was_retired():
    record_events(2)
    old = audit_seal()
    assert old is not None
    SigningKey.objects.filter(kid=old.key_id).update(retired_at=timezone.now())
    record_events(2)
    new = audit_seal()
    assert new is not None
    assert new.key_id != old.key_id
    report = audit_verify()
    assert report.ok, report.problems
    assert report.tree_heads_checked == 2


def test_a_tree_head_signed_after_its_key_was_retired_is_refused():
    record_events(2)
    head = audit_seal()
    assert head is not None
    SigningKey.objects.filter(kid=head.key_id).update(retired_at=head.signed_at - timedelta(seconds=1))
    report = audit_verify()
    assert not report.ok
    assert "signature" in report.problems[0]


def test_the_verify_command_prints_ok_for_an_untouched_log():
    record_events(3)
    audit_seal()
    summary = _call_audit("verify")
    assert summary["ok"] is True
    assert summary["events_checked"] == 3
    assert summary["tree_heads_checked"] == 1
    assert summary["first_bad_event_id"] is None
    assert summary["problems"] == []


def test_the_seal_command_seals_pending_events_and_says_how_many_heads_it_signed():
    record_events(3)
    assert _call_audit("seal")["tree_heads_signed"] == 1
    assert AuditLeaf.objects.count() == 3
    assert _call_audit("seal")["tree_heads_signed"] == 0


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**62), 2**62) | st.text(max_size=20),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
        max_leaves=12,
    )
)
def test_the_fast_canonical_path_writes_exactly_what_the_careful_one_writes(detail):
    from burgerprofiel.audit.services import _canonical, _json

    values = {name: "x" for name in HASHED_FIELDS}
    values["detail"] = {"d": detail}
    assert _canonical(values) == _json(values).encode()
