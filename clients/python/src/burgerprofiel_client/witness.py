"""Witnessing the platform's audit log: keep the signed tree heads you see, and check every new one.

Design note: the platform signs its tree heads, but a signature only says the platform (or whoever
holds its key) vouches for a root. What shows that history was not rewritten afterwards is a copy
kept by someone else. A :class:`WitnessStore` is that copy: a JSON file of the heads this agency has
seen and the platform keys it pinned the first time (trust on first use, or given explicitly).
:func:`witness` fetches the latest head, checks its signature against *those* keys, checks with a
consistency proof (RFC 9162 2.1.4) that the log still extends the newest head kept, keeps the new
head and reports it to the platform (``POST /api/v1/audit/witness/heads``). Each head is kept only
after it was proven to extend the one before, so checking against the newest kept head covers all.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from burgerprofiel_client import merkle
from burgerprofiel_client.errors import ProofError
from burgerprofiel_client.models.audit import TreeHead

if TYPE_CHECKING:
    from burgerprofiel_client.resources import Audit


class WitnessStore:
    """The tree heads this agency has seen and the platform keys it pinned, in a JSON file of its own."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"jwks": None, "heads": []}
        data: dict[str, Any] = json.loads(self.path.read_text())
        return data

    def _write(self, data: Mapping[str, Any]) -> None:
        partial = self.path.with_suffix(self.path.suffix + ".partial")
        partial.write_text(json.dumps(data, indent=2))
        os.replace(partial, self.path)  # never half a file: the store is the evidence

    @property
    def jwks(self) -> dict[str, Any] | None:
        keys: dict[str, Any] | None = self._read()["jwks"]
        return keys

    def pin(self, jwks: Mapping[str, Any]) -> None:
        data = self._read()
        data["jwks"] = dict(jwks)
        self._write(data)

    def heads(self) -> list[dict[str, Any]]:
        """The kept heads, smallest first: ``tree_size``, ``root_hash``, ``signed_tree_head``."""
        return list(self._read()["heads"])

    def newest(self) -> dict[str, Any] | None:
        heads = self.heads()
        return heads[-1] if heads else None

    def keep(self, head: TreeHead) -> None:
        data = self._read()
        if not any(h["tree_size"] == head.tree_size for h in data["heads"]):
            data["heads"].append(
                {"tree_size": head.tree_size, "root_hash": head.root_hash, "signed_tree_head": head.signed_tree_head}
            )
            data["heads"].sort(key=lambda h: h["tree_size"])
        self._write(data)


@dataclass(frozen=True)
class WitnessReport:
    """What one witnessing round saw: the head it kept and the newest head it was checked against."""

    latest: TreeHead
    checked_against: int | None  # tree size of the head kept before, or None on the first round


def witness(audit: Audit, store: WitnessStore, *, jwks: Mapping[str, Any] | None = None) -> WitnessReport:
    """One round of witnessing (see the module's note). ``ProofError`` when the log was rewritten,
    the new head is not signed by a pinned key, or the platform answers a different root for a head
    we kept."""
    pinned = dict(jwks) if jwks is not None else store.jwks
    if pinned is None:
        pinned = audit.jwks()  # trust on first use: from now on these keys, and no others
        store.pin(pinned)
    latest = audit.tree_head()
    merkle.verify_tree_head(
        latest.signed_tree_head, jwks=pinned, tree_size=latest.tree_size, root_hash=latest.root_hash
    )
    kept = store.newest()
    if kept is not None:
        if latest.tree_size < kept["tree_size"]:
            raise ProofError(f"the log shrank: size {latest.tree_size} after {kept['tree_size']} was seen")
        if latest.tree_size == kept["tree_size"]:
            if latest.root_hash != kept["root_hash"]:
                raise ProofError(f"the platform signed two roots for tree size {latest.tree_size}")
        else:
            proof = audit.consistency_proof(kept["tree_size"], latest.tree_size)
            extends = merkle.verify_consistency(
                first=kept["tree_size"],
                second=latest.tree_size,
                first_root=bytes.fromhex(kept["root_hash"]),  # our own copy, not the platform's answer
                second_root=bytes.fromhex(latest.root_hash),
                proof=[bytes.fromhex(p) for p in proof.consistency_path],
            )
            if not extends:
                raise ProofError(
                    f"the log of size {latest.tree_size} does not extend the head of size {kept['tree_size']} we kept"
                )
    store.keep(latest)
    audit.report_head(latest.signed_tree_head)
    return WitnessReport(latest=latest, checked_against=kept["tree_size"] if kept else None)
