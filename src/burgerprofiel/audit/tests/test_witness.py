"""Agencies as witnesses: the heads they saw catch a history rewritten even with the platform's own key."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from burgerprofiel.audit import merkle
from burgerprofiel.audit.models import AuditEvent, AuditLeaf, TreeHead, WitnessedHead
from burgerprofiel.audit.services import HASHED_FIELDS, _sign_head, audit_seal, audit_verify, event_leaf_hash
from burgerprofiel.audit.tests.factories import disable_append_only_guard, record_events
from burgerprofiel.audit.tests.test_pinned_keys import _rewrite_history, _rogue_key
from burgerprofiel.conftest import OnboardedAgency, bearer, make_agency

pytestmark = pytest.mark.django_db

HEADS = "/api/v1/audit/witness/heads"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def _latest(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/v1/audit/tree-heads/latest", **headers)
    assert response.status_code == 200, response.content
    return response.json()


def _report(client: Client, headers: dict[str, str], signed_tree_head: str) -> Any:
    return client.post(HEADS, {"signed_tree_head": signed_tree_head}, content_type="application/json", **headers)


def _holds(kept: dict[str, Any], answer: dict[str, Any]) -> bool:
    """The agency's own check: does the path lead from the root *it kept* to the latest root?"""
    return merkle.verify_consistency(
        first=kept["tree_size"],
        second=answer["latest"]["tree_size"],
        first_root=bytes.fromhex(kept["root_hash"]),
        second_root=bytes.fromhex(answer["latest"]["root_hash"]),
        proof=[bytes.fromhex(p) for p in answer["consistency_path"]],
    )


def _rewrite_with_the_platforms_own_key(event: AuditEvent) -> None:
    """An intruder who holds the platform's signing key: edit an event, re-sign every head."""
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
        signature, kid = _sign_head(head.tree_size, root_hash, head.signed_at)
        TreeHead.objects.filter(pk=head.pk).update(
            root_hash=root_hash, signature=signature, key_id=kid, frontier=frontier.to_json()
        )


@pytest.fixture
def witness(client: Client, agency: OnboardedAgency) -> tuple[dict[str, str], dict[str, Any]]:
    """The agency saw the head over the first events and reported it; it keeps its own copy."""
    record_events(5)
    audit_seal()
    headers = bearer(client, agency)
    kept = _latest(client, headers)
    response = _report(client, headers, kept["signed_tree_head"])
    assert response.status_code == 200, response.content
    return headers, kept


def test_a_reported_head_is_recorded_and_answered_with_a_proof_the_agency_checks_itself(client, agency, witness):
    headers, kept = witness
    record_events(3)
    audit_seal()

    [answer] = client.get(HEADS, **headers).json()

    assert answer["consistent"] is True
    assert (answer["tree_size"], answer["root_hash"]) == (kept["tree_size"], kept["root_hash"])
    assert answer["latest"]["tree_size"] > kept["tree_size"]
    assert _holds(kept, answer)
    assert AuditEvent.objects.filter(action="audit.witness_recorded", agency_id=agency.agency_id).count() == 1


def test_reporting_the_same_head_twice_keeps_it_once(client, agency, witness):
    headers, kept = witness
    assert _report(client, headers, kept["signed_tree_head"]).status_code == 200
    assert WitnessedHead.objects.filter(agency_id=agency.agency_id).count() == 1


def test_history_rewritten_with_the_platforms_own_key_is_caught_by_the_witness(client, agency, witness):
    headers, kept = witness
    record_events(3)
    audit_seal()
    first = AuditEvent.objects.order_by("pk").first()
    assert first is not None
    _rewrite_with_the_platforms_own_key(first)

    report = audit_verify()
    assert not report.ok
    assert report.problems == [
        f"the tree of size {kept['tree_size']} differs from the head agency {agency.agency_id} witnessed"
    ]
    [answer] = client.get(HEADS, **headers).json()
    assert answer["consistent"] is False
    # Whatever the platform answers, a proof from the rewritten tree does not lead from the agency's root.
    proof = client.get("/api/v1/audit/consistency-proof", {"first": kept["tree_size"], "second": 8}, **headers).json()
    assert not _holds(kept, {"latest": proof["second"], "consistency_path": proof["consistency_path"]})


def test_a_head_the_platform_no_longer_has_is_kept_as_evidence(client, agency):
    record_events(4)
    audit_seal()
    headers = bearer(client, agency)
    seen = _latest(client, headers)
    _rewrite_with_the_platforms_own_key(AuditEvent.objects.order_by("pk").first())

    response = _report(client, headers, seen["signed_tree_head"])

    assert response.status_code == 200, response.content
    assert response.json()["consistent"] is False
    assert WitnessedHead.objects.get(agency_id=agency.agency_id).matched is False
    assert AuditEvent.objects.filter(action="audit.witness_mismatch", outcome="failure").count() == 1


def test_a_head_signed_by_a_key_that_is_not_pinned_is_refused(client, agency):
    record_events(3)
    audit_seal()
    _rewrite_history(_rogue_key(), event=AuditEvent.objects.order_by("pk").first())
    headers = bearer(client, agency)

    response = _report(client, headers, TreeHead.objects.get().signature)

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "not pinned" in response.json()["detail"]
    assert not WitnessedHead.objects.exists()


def test_an_agency_sees_only_the_heads_it_reported_itself(client, agency, witness):
    other = make_agency(name="Andere instantie", kbo="0207451227")
    assert client.get(HEADS, **bearer(client, other)).json() == []


def test_a_witnessed_head_whose_signature_was_altered_in_the_database_is_named_by_verify(witness):
    WitnessedHead.objects.update(signed_tree_head="x.y.z")
    report = audit_verify()
    assert not report.ok
    assert "witnessed does not verify" in report.problems[0]
