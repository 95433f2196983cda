"""The agency's audit trail and the proofs that it sits, unchanged, in the platform's Merkle tree."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from burgerprofiel_client import merkle


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AuditEvent(_Out):
    id: int
    occurred_at: dt.datetime
    actor_type: str
    actor_id: str
    action: str
    outcome: str
    object_type: str
    object_id: str
    purpose: str
    request_id: str
    order_version_id: int | None
    leaf_index: int | None


class TreeHead(_Out):
    """A signed tree head: the log's size and root, signed (compact JWS) by the platform."""

    tree_size: int
    root_hash: str
    signed_at: dt.datetime
    signed_tree_head: str
    key_id: str


class InclusionProof(_Out):
    event_id: int
    leaf_index: int
    leaf_hash: str
    tree_size: int
    root_hash: str
    audit_path: list[str]
    signed_tree_head: str

    def verify(self) -> bool:
        """True when the path leads from the event's leaf to the root (RFC 9162 2.1.3.2)."""
        return merkle.verify_inclusion(
            index=self.leaf_index,
            tree_size=self.tree_size,
            leaf=bytes.fromhex(self.leaf_hash),
            proof=[bytes.fromhex(p) for p in self.audit_path],
            root_hash=bytes.fromhex(self.root_hash),
        )


class TreeRef(_Out):
    tree_size: int
    root_hash: str
    signed_tree_head: str


class ConsistencyProof(_Out):
    first: TreeRef
    second: TreeRef
    consistency_path: list[str]

    def verify(self) -> bool:
        """True when the second tree extends the first, unchanged (RFC 9162 2.1.4.2)."""
        return merkle.verify_consistency(
            first=self.first.tree_size,
            second=self.second.tree_size,
            first_root=bytes.fromhex(self.first.root_hash),
            second_root=bytes.fromhex(self.second.root_hash),
            proof=[bytes.fromhex(p) for p in self.consistency_path],
        )


class WitnessedHead(_Out):
    """A tree head this agency reported, as the platform answers it: whether its tree still holds it,
    and the consistency proof from it to the latest head (check it against *your own* copy)."""

    tree_size: int
    root_hash: str
    signed_tree_head: str
    recorded_at: dt.datetime
    consistent: bool
    latest: TreeRef | None
    consistency_path: list[str]
