"""The audit trail: recording, sealing into a Merkle tree, verifying, proving.

Design note (charter 5, 8, 9; DESIGN rule 2): an event is written in the same transaction as the
act it records, and costs one INSERT with its leaf hash computed in memory. Ordering events into
the tree is done afterwards, in batches, by ``audit_seal``: it appends leaves in id order, extends
the stored frontier (O(log n) per leaf) and signs a tree head. ``audit_verify`` streams the leaves,
recomputes each event's hash and every signed root, and names the first event that was altered,
removed or moved. The database refuses UPDATE and DELETE on these tables, so tampering needs
someone who can drop triggers, and even they cannot forge a signed tree head.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from joserfc import jws

from burgerprofiel.audit import merkle
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent, AuditLeaf, TreeHead
from burgerprofiel.common.errors import NotFound, ValidationError
from burgerprofiel.common.metrics import AUDIT_EVENTS
from burgerprofiel.common.requestid import current_request_id
from burgerprofiel.crypto import signing

log = logging.getLogger(__name__)

HASHED_FIELDS = (
    "occurred_at",
    "actor_type",
    "actor_id",
    "agency_id",
    "order_version_id",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "purpose",
    "request_id",
    "detail",
)


def _canonical(values: dict[str, Any]) -> bytes:
    data = {}
    for name in HASHED_FIELDS:
        value = values[name]
        if isinstance(value, datetime):
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        data[name] = value
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_leaf_hash(values: dict[str, Any]) -> str:
    return merkle.leaf_hash(_canonical(values)).hex()


def audit_record(
    *,
    actor: Actor,
    action: str,
    object_type: str = "",
    object_id: str = "",
    purpose: str = "",
    agency_id: int | None = None,
    order_version_id: int | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the transaction of the act it records."""
    values: dict[str, Any] = {
        # Microsecond precision survives every backend, so the hash recomputes identically.
        "occurred_at": timezone.now(),
        "actor_type": actor.kind,
        "actor_id": actor.id,
        "agency_id": agency_id if agency_id is not None else actor.agency_id,
        "order_version_id": order_version_id if order_version_id is not None else actor.order_version_id,
        "action": action,
        "outcome": str(outcome),
        "object_type": object_type,
        "object_id": str(object_id),
        "purpose": purpose[:200],
        "request_id": current_request_id() or "",
        "detail": detail or {},
    }
    event = AuditEvent.objects.create(leaf_hash=event_leaf_hash(values), **values)
    AUDIT_EVENTS.labels(action).inc()
    return event


def _sign_head(tree_size: int, root_hash: str, signed_at: datetime) -> tuple[str, str]:
    payload = json.dumps(
        {"tree_size": tree_size, "root_hash": root_hash, "timestamp": signed_at.astimezone(UTC).isoformat()},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    return signing.sign_detached(payload)


def _lock_sealing() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(728301)")
    # SQLite transactions here are IMMEDIATE: one writer at a time already.


def audit_seal(*, batch_size: int = 5000) -> TreeHead | None:
    """Append unsequenced events as leaves and sign a new tree head. Safe to run concurrently."""
    with transaction.atomic():
        _lock_sealing()
        last = TreeHead.objects.order_by("-tree_size").first()
        frontier = merkle.Frontier.from_json(last.frontier if last else None)
        pending = list(
            AuditEvent.objects.filter(leaf__isnull=True).order_by("id").values_list("id", "leaf_hash")[:batch_size]
        )
        if not pending:
            return None
        leaves = []
        for event_id, leaf_hash in pending:
            leaves.append(AuditLeaf(index=frontier.size, event_id=event_id, leaf_hash=leaf_hash))
            frontier.append(bytes.fromhex(leaf_hash))
        AuditLeaf.objects.bulk_create(leaves)
        signed_at = timezone.now()
        root_hash = frontier.root().hex()
        signature, kid = _sign_head(frontier.size, root_hash, signed_at)
        return TreeHead.objects.create(
            tree_size=frontier.size,
            root_hash=root_hash,
            signed_at=signed_at,
            signature=signature,
            key_id=kid,
            frontier=frontier.to_json(),
        )


def audit_seal_all() -> int:
    """Seal until nothing is pending; returns the number of tree heads signed."""
    heads = 0
    while audit_seal() is not None:
        heads += 1
    return heads


@dataclass
class VerifyReport:
    ok: bool = True
    events_checked: int = 0
    tree_heads_checked: int = 0
    unsealed_events: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_event_id: int | None = None

    def fail(self, message: str, event_id: int | None = None) -> None:
        if self.ok and event_id is not None:
            self.first_bad_event_id = event_id
        self.ok = False
        self.problems.append(message)


def _stream_leaves(chunk: int = 2000) -> Iterator[tuple[AuditLeaf, AuditEvent | None]]:
    """Leaves in index order with their events, in chunks; an event that is gone comes back None."""
    start = 0
    while True:
        leaves = list(AuditLeaf.objects.filter(index__gte=start).order_by("index")[:chunk])
        if not leaves:
            return
        events = AuditEvent.objects.in_bulk([leaf.event_id for leaf in leaves])
        for leaf in leaves:
            yield leaf, events.get(leaf.event_id)
        start = leaves[-1].index + 1


def _verify_head_signature(head: TreeHead) -> bool:
    try:
        keys = signing.public_keyset()
        obj = jws.deserialize_compact(head.signature, keys, algorithms=["ES256"])
    except Exception:  # any failure to verify is a bad signature, whatever joserfc calls it
        return False
    claimed = json.loads(obj.payload)
    return claimed.get("tree_size") == head.tree_size and claimed.get("root_hash") == head.root_hash


def audit_verify() -> VerifyReport:
    """Recompute every leaf and signed root; name the first event altered, removed or reordered."""
    report = VerifyReport()
    heads = iter(TreeHead.objects.order_by("tree_size"))
    head = next(heads, None)
    frontier = merkle.Frontier()
    expected_index = 0
    seen_event_ids: set[int] = set()
    last_event_id = 0
    for leaf, event in _stream_leaves():
        if leaf.index != expected_index:
            report.fail(f"leaf {expected_index} is missing (leaves jump to {leaf.index})", leaf.event_id)
            expected_index = leaf.index
        if event is None:
            report.fail(f"event {leaf.event_id} (leaf {leaf.index}) was removed", leaf.event_id)
        else:
            values = {name: getattr(event, name) for name in HASHED_FIELDS}
            recomputed = event_leaf_hash(values)
            if recomputed != leaf.leaf_hash or event.leaf_hash != leaf.leaf_hash:
                report.fail(f"event {event.pk} (leaf {leaf.index}) was altered or moved", event.pk)
            if event.pk <= last_event_id and event.pk not in seen_event_ids:
                report.fail(f"event {event.pk} (leaf {leaf.index}) is out of order", event.pk)
            last_event_id = max(last_event_id, event.pk)
            seen_event_ids.add(event.pk)
        frontier.append(bytes.fromhex(leaf.leaf_hash))
        expected_index += 1
        report.events_checked += 1
        while head is not None and head.tree_size == frontier.size:
            if frontier.root().hex() != head.root_hash:
                report.fail(f"signed tree head of size {head.tree_size} does not match the leaves")
            if not _verify_head_signature(head):
                report.fail(f"signed tree head of size {head.tree_size} has an invalid signature")
            report.tree_heads_checked += 1
            head = next(heads, None)
    if head is not None:
        report.fail(f"signed tree head of size {head.tree_size} covers leaves that are missing")
    # Events never sealed: either very recent or inserted past the sealing task.
    report.unsealed_events = AuditEvent.objects.filter(leaf__isnull=True).count()
    orphans = (
        AuditEvent.objects.filter(leaf__isnull=True, id__lt=last_event_id).order_by("id").values_list("id", flat=True)
    )
    first_orphan = orphans.first()
    if first_orphan is not None and last_event_id:
        # An event older than sealed ones but unsealed: ids reused or inserted behind the sealer.
        log.info("audit events older than the newest sealed one are unsealed", extra={"first": first_orphan})
    return report


def _leaf_hashes(tree_size: int) -> list[bytes]:
    return [
        bytes.fromhex(h)
        for h in AuditLeaf.objects.filter(index__lt=tree_size).order_by("index").values_list("leaf_hash", flat=True)
    ]


def tree_head_get(*, tree_size: int | None = None) -> TreeHead:
    heads = TreeHead.objects.order_by("-tree_size")
    head = heads.filter(tree_size=tree_size).first() if tree_size is not None else heads.first()
    if head is None:
        raise NotFound("Er is (nog) geen ondertekende boomkop van die grootte.")
    return head


def inclusion_proof_for_agency(*, agency_id: int, event_id: int, tree_size: int | None = None) -> dict[str, Any]:
    """An inclusion proof for one of the agency's own events (another agency's event: 404)."""
    event = AuditEvent.objects.filter(pk=event_id, agency_id=agency_id).select_related("leaf").first()
    if event is None:
        raise NotFound("Deze auditgebeurtenis bestaat niet voor uw instantie.")
    leaf = AuditLeaf.objects.filter(event_id=event.pk).first()
    if leaf is None:
        raise NotFound("Deze auditgebeurtenis is nog niet in een ondertekende boomkop opgenomen; probeer later.")
    head = tree_head_get(tree_size=tree_size)
    if leaf.index >= head.tree_size:
        raise NotFound("Deze gebeurtenis valt buiten de gevraagde boomkop.")
    leaves = _leaf_hashes(head.tree_size)
    proof = merkle.inclusion_proof(leaf.index, leaves)
    return {
        "event_id": event.pk,
        "leaf_index": leaf.index,
        "leaf_hash": leaf.leaf_hash,
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "audit_path": [p.hex() for p in proof],
        "signed_tree_head": head.signature,
    }


def consistency_proof_between(*, first: int, second: int) -> dict[str, Any]:
    if not 0 < first <= second:
        raise ValidationError("De eerste boomgrootte moet tussen 1 en de tweede liggen.")
    first_head = tree_head_get(tree_size=first)
    second_head = tree_head_get(tree_size=second)
    leaves = _leaf_hashes(second)
    proof = merkle.consistency_proof(first, leaves) if first != second else []
    return {
        "first": {
            "tree_size": first,
            "root_hash": first_head.root_hash,
            "signed_tree_head": first_head.signature,
        },
        "second": {
            "tree_size": second,
            "root_hash": second_head.root_hash,
            "signed_tree_head": second_head.signature,
        },
        "consistency_path": [p.hex() for p in proof],
    }
