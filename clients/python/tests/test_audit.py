"""The agency's audit trail and its proofs, checked locally (RFC 9162) against the live platform."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from burgerprofiel_client import AgencyClient, NotFound, ProofError, WitnessStore
from burgerprofiel_client.models import AuditEvent, TreeHead

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], *, timeout: float = 20.0) -> T:
    """Poll ``probe`` until it returns something (the worker seals the log every second here)."""
    deadline = time.monotonic() + timeout
    while (found := probe()) is None:
        if time.monotonic() > deadline:
            raise TimeoutError("nothing came in time")
        time.sleep(0.2)
    return found


def tree_head(client: AgencyClient) -> TreeHead | None:
    try:
        return client.audit.tree_head()
    except NotFound:  # nothing sealed yet
        return None


def head_larger_than(client: AgencyClient, size: int) -> TreeHead | None:
    head = tree_head(client)
    return head if head is not None and head.tree_size > size else None


def sealed_event(client: AgencyClient) -> AuditEvent | None:
    sealed = [e for e in client.audit.events(limit=1000) if e.leaf_index is not None]
    return sealed[-1] if sealed else None


def test_our_events_are_listed_and_name_what_happened(client: AgencyClient) -> None:
    client.agency.me()

    actions = {e.action for e in client.audit.iter_events(page_size=5)}

    assert {"oauth.token_issued", "agency.me_read"} <= actions


def test_an_inclusion_proof_verifies_locally_and_is_signed_by_the_platform(client: AgencyClient) -> None:
    client.agency.me()
    event = eventually(lambda: sealed_event(client))

    proof = client.audit.verify_inclusion(event.id)

    assert proof.event_id == event.id
    assert proof.leaf_index == event.leaf_index


def test_a_tampered_inclusion_proof_does_not_verify(client: AgencyClient) -> None:
    event = eventually(lambda: sealed_event(client))
    proof = client.audit.inclusion_proof(event.id)
    if not proof.audit_path:
        pytest.skip("a one-leaf tree has no path to tamper with")

    tampered = proof.model_copy(update={"audit_path": ["00" * 32, *proof.audit_path[1:]]})

    assert proof.verify()
    assert not tampered.verify()


def test_a_later_tree_head_is_consistent_with_an_earlier_one(client: AgencyClient) -> None:
    first = eventually(lambda: tree_head(client))
    client.agency.me()  # new events, so the next tree head is larger

    def larger() -> TreeHead | None:
        head = tree_head(client)
        return head if head is not None and head.tree_size > first.tree_size else None

    second = eventually(larger)
    proof = client.audit.verify_consistency(first.tree_size, second.tree_size, first_root=first.root_hash)

    assert proof.second.root_hash == second.root_hash


def test_a_root_we_did_not_keep_is_refused_by_the_consistency_check(client: AgencyClient) -> None:
    head = eventually(lambda: tree_head(client))

    with pytest.raises(ProofError):
        client.audit.verify_consistency(head.tree_size, head.tree_size, first_root="ab" * 32)


def test_witnessing_keeps_our_own_copy_and_checks_each_new_head_against_it(
    client: AgencyClient, tmp_path: Path
) -> None:
    store = WitnessStore(tmp_path / "witnessed-heads.json")
    first = eventually(lambda: tree_head(client))
    assert client.audit.witness(store).checked_against is None
    kept = store.newest()
    assert kept is not None
    client.agency.me()
    eventually(lambda: head_larger_than(client, kept["tree_size"]))
    second = client.audit.witness(store)

    assert second.checked_against == kept["tree_size"] >= first.tree_size
    assert store.jwks is not None  # the platform's keys, pinned on first use
    reported = {h.tree_size: h for h in client.audit.witnessed_heads()}
    assert reported[kept["tree_size"]].consistent
    assert reported[second.latest.tree_size].root_hash == second.latest.root_hash


def test_witnessing_catches_a_log_that_no_longer_extends_the_head_we_kept(client: AgencyClient, tmp_path: Path) -> None:
    store = WitnessStore(tmp_path / "witnessed-heads.json")
    eventually(lambda: tree_head(client))
    client.audit.witness(store)
    # As if the platform's history had been rewritten since: the root we kept is not the one it extends.
    data = json.loads(store.path.read_text())
    data["heads"][-1]["root_hash"] = "ab" * 32
    store.path.write_text(json.dumps(data))
    client.agency.me()
    eventually(lambda: head_larger_than(client, data["heads"][-1]["tree_size"]))

    with pytest.raises(ProofError):
        client.audit.witness(store)
