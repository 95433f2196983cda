"""Proofs read O(log n) rows, not every leaf (issue 11 item 12a), and still verify (RFC 9162)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.migrations.executor import MigrationExecutor

from burgerprofiel.audit import merkle
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.models import AuditEvent, AuditLeaf, AuditNode, TreeHead
from burgerprofiel.audit.services import (
    audit_event_build,
    audit_events_append,
    audit_seal,
    audit_seal_all,
    consistency_proof_between,
    inclusion_proof_for_agency,
)
from burgerprofiel.audit.tests.factories import TESTER, disable_append_only_guard, raw

pytestmark = pytest.mark.django_db

AGENCY = 7
SIZE = 2000


class RowsRead:
    """Counts the rows every query hands back while it is active (the ORM fetches through these)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rows = 0
        counter = self

        def counted(name: str) -> Callable[..., Any]:
            def fetch(self: CursorWrapper, *args: Any) -> Any:
                result = getattr(self.cursor, name)(*args)
                counter.rows += (1 if result is not None else 0) if name == "fetchone" else len(result)
                return result

            return fetch

        for name in ("fetchone", "fetchmany", "fetchall"):
            monkeypatch.setattr(CursorWrapper, name, counted(name), raising=False)


@pytest.fixture
def rows_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[RowsRead]:
    yield RowsRead(monkeypatch)


def _log(size: int) -> None:
    """``size`` events of agency 7, sealed in heads of 300 (so the tree has many sizes to prove between)."""
    audit_events_append(
        [
            audit_event_build(actor=TESTER, action=AuditAction.AGENCY_ME_READ, agency_id=AGENCY, object_id=i)
            for i in range(size)
        ]
    )
    while audit_seal(batch_size=300) is not None:
        pass


def _leaf_hashes() -> list[bytes]:
    return [bytes.fromhex(h) for h in AuditLeaf.objects.order_by("index").values_list("leaf_hash", flat=True)]


def test_an_inclusion_proof_reads_logarithmically_many_rows_and_verifies(rows_read):
    _log(SIZE)
    head = TreeHead.objects.order_by("-tree_size").first()
    assert head is not None and head.tree_size == SIZE
    event_id = AuditLeaf.objects.get(index=3).event_id
    rows_read.rows = 0

    proof = inclusion_proof_for_agency(agency_id=AGENCY, event_id=event_id)

    # The event, its leaf, the head, and the nodes of the path: about 2 log2(n), never n.
    assert rows_read.rows <= 3 + 2 * math.ceil(math.log2(SIZE)), rows_read.rows
    assert proof["audit_path"] == [p.hex() for p in merkle.inclusion_proof(3, _leaf_hashes())]
    assert merkle.verify_inclusion(
        index=3,
        tree_size=SIZE,
        leaf=bytes.fromhex(proof["leaf_hash"]),
        proof=[bytes.fromhex(p) for p in proof["audit_path"]],
        root_hash=bytes.fromhex(head.root_hash),
    )


def test_a_consistency_proof_reads_logarithmically_many_rows_and_verifies(rows_read):
    _log(SIZE)
    first, second = 300, SIZE
    rows_read.rows = 0

    proof = consistency_proof_between(first=first, second=second)

    assert rows_read.rows <= 2 + 2 * math.ceil(math.log2(SIZE)), rows_read.rows
    assert proof["consistency_path"] == [p.hex() for p in merkle.consistency_proof(first, _leaf_hashes())]
    assert merkle.verify_consistency(
        first=first,
        second=second,
        first_root=bytes.fromhex(proof["first"]["root_hash"]),
        second_root=bytes.fromhex(proof["second"]["root_hash"]),
        proof=[bytes.fromhex(p) for p in proof["consistency_path"]],
    )


def test_every_proof_between_every_pair_of_heads_equals_the_one_from_all_leaves():
    _log(1000)
    leaves = _leaf_hashes()
    sizes = list(TreeHead.objects.order_by("tree_size").values_list("tree_size", flat=True))
    for i, first in enumerate(sizes):
        for second in sizes[i:]:
            proof = consistency_proof_between(first=first, second=second)["consistency_path"]
            expected = merkle.consistency_proof(first, leaves[:second]) if first != second else []
            assert proof == [p.hex() for p in expected], (first, second)
    for index in (0, 1, 299, 300, 511, 512, 999):
        event_id = AuditLeaf.objects.get(index=index).event_id
        for size in sizes:
            if index < size:
                proof = inclusion_proof_for_agency(agency_id=AGENCY, event_id=event_id, tree_size=size)
                assert proof["audit_path"] == [p.hex() for p in merkle.inclusion_proof(index, leaves[:size])]


def test_sealing_stores_about_one_node_per_leaf():
    _log(1000)
    assert AuditNode.objects.count() == 1000 - bin(1000).count(
        "1"
    )  # a binary tree of n leaves has n - popcount(n) perfect inner nodes


def test_a_proof_over_a_lost_node_is_computed_from_the_leaves_and_still_verifies():
    _log(700)
    disable_append_only_guard("audit_auditnode")
    raw("DELETE FROM audit_auditnode")
    proof = consistency_proof_between(first=300, second=700)
    assert proof["consistency_path"] == [p.hex() for p in merkle.consistency_proof(300, _leaf_hashes())]


def test_the_migration_computes_the_nodes_of_a_tree_sealed_before_it(transactional_db):
    _log(700)
    expected = dict(AuditNode.objects.values_list("position", "node_hash"))
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0006_witnessed_head")])
    executor.loader.build_graph()
    executor.migrate([("audit", "0007_tree_nodes")])
    assert dict(AuditNode.objects.values_list("position", "node_hash")) == expected
    assert len(expected) == 700 - bin(700).count("1")
    assert AuditEvent.objects.count() == 700
    audit_seal_all()
