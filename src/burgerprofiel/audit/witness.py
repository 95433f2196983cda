"""Agencies as witnesses of the audit log: they keep the signed tree heads they have seen.

Design note (charter 8, 9; issue 11 item 4): pinned keys stop an intruder from re-signing history
with a key of their own, but not someone who holds the platform's own signing key. What catches
that is a copy of the signed heads kept by someone who is not the platform. An agency fetches the
latest head, checks its signature against keys it pinned itself, and reports it here; later it asks
for every head it reported with a consistency proof (RFC 9162 2.1.4) from that head to the current
one, and checks the proof against *its own* copy of the root. A rewritten history cannot produce that
proof. The platform keeps what was reported as well: ``audit verify`` checks the tree against every
witnessed head, and a head whose root differs from the platform's own is recorded as evidence.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent, TreeHead, WitnessedHead
from burgerprofiel.audit.services import (
    BadTreeHeadSignature,
    audit_record,
    consistency_proof_between,
    signed_tree_head_read,
)
from burgerprofiel.common.errors import ValidationError

logger = logging.getLogger(__name__)


def _view(witnessed: WitnessedHead, latest: TreeHead | None) -> dict[str, Any]:
    """A witnessed head with the proof that the current tree still extends it."""
    ours = TreeHead.objects.filter(tree_size=witnessed.tree_size).values_list("root_hash", flat=True).first()
    consistent = ours == witnessed.root_hash
    proof: dict[str, Any] | None = None
    if consistent and latest is not None and latest.tree_size >= witnessed.tree_size:
        proof = consistency_proof_between(first=witnessed.tree_size, second=latest.tree_size)
    return {
        "tree_size": witnessed.tree_size,
        "root_hash": witnessed.root_hash,
        "signed_tree_head": witnessed.signed_tree_head,
        "recorded_at": witnessed.recorded_at,
        "consistent": consistent,
        "latest": proof["second"] if proof else None,
        "consistency_path": proof["consistency_path"] if proof else [],
    }


def witness_head_record(*, agency_id: int, actor: Actor, signed_tree_head: str) -> dict[str, Any]:
    """Record a signed tree head the agency has seen; answer whether the platform's tree still holds it.

    The head must verify against the pinned keys (a forgery is refused, 422). A head that verifies but
    whose root the platform's tree no longer has is kept as evidence and answered ``consistent: false``.
    """
    try:
        signed = signed_tree_head_read(signed_tree_head)
    except BadTreeHeadSignature as bad:
        raise ValidationError(f"Deze ondertekende boomkop is niet geldig: {bad}.") from None
    ours = TreeHead.objects.filter(tree_size=signed.tree_size).values_list("root_hash", flat=True).first()
    matched = ours == signed.root_hash
    with transaction.atomic():
        try:
            with transaction.atomic():
                witnessed = WitnessedHead.objects.create(
                    agency_id=agency_id,
                    tree_size=signed.tree_size,
                    root_hash=signed.root_hash,
                    signed_tree_head=signed_tree_head,
                    recorded_at=timezone.now(),
                    matched=matched,
                )
        except IntegrityError:  # reported before: the same head, once
            witnessed = WitnessedHead.objects.get(
                agency_id=agency_id, tree_size=signed.tree_size, root_hash=signed.root_hash
            )
        audit_record(
            actor=actor,
            action=AuditAction.AUDIT_WITNESS_RECORDED if matched else AuditAction.AUDIT_WITNESS_MISMATCH,
            outcome=AuditEvent.Outcome.SUCCESS if matched else AuditEvent.Outcome.FAILURE,
            target=WitnessedHead,
            object_id=witnessed.pk,
            detail={"root_hash": signed.root_hash, "platform_root_hash": ours},
        )
    if not matched:
        # A head the platform signed and no longer has: its history was rewritten, or a split view.
        logger.error("audit.witness_mismatch", extra={"tree_size": signed.tree_size, "agency_id": agency_id})
    return _view(witnessed, TreeHead.objects.order_by("-tree_size").first())


def witnessed_heads_for_agency(*, agency_id: int, after_size: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    """The heads this agency reported, each checked against the current tree with a consistency proof."""
    latest = TreeHead.objects.order_by("-tree_size").first()
    heads = WitnessedHead.objects.filter(agency_id=agency_id, tree_size__gt=after_size).order_by("tree_size")
    return [_view(witnessed, latest) for witnessed in heads[:limit]]
