"""Merkle tree hashing as in RFC 9162 (Certificate Transparency 2.0), section 2.1.

Leaves are hashed ``SHA-256(0x00 || data)``, inner nodes ``SHA-256(0x01 || left || right)``; a
tree of n leaves splits at the largest power of two below n. ``Frontier`` keeps the roots of the
perfect subtrees so that appending is O(log n) and the root is known at every size.

Every subtree a proof names is either a *perfect* subtree (2^level leaves, starting at a multiple of
2^level: a node of every larger tree, so it can be stored once, when sealing) or the right edge of
the tree, which is a handful of perfect subtrees folded together. So a proof needs O(log n) stored
nodes (``inclusion_ranges``/``consistency_ranges``, ``nodes_of``, ``proof_from_ranges``), never the
leaves. A perfect subtree is named by its flat-tree (in-order) position ``2 * start + 2^level - 1``.
The list-based ``inclusion_proof``/``consistency_proof`` stay as the reference the tests compare with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over already-hashed leaves."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(root(leaves[:k]), root(leaves[k:]))


@dataclass
class Frontier:
    """The perfect-subtree roots of a tree, largest first, as (size, hash)."""

    size: int = 0
    subtrees: list[tuple[int, bytes]] = field(default_factory=list)

    def append(self, leaf: bytes) -> list[tuple[int, bytes]]:
        """Append a leaf; returns the perfect subtrees it completed, as (position, hash) (see ``position``)."""
        size, value = 1, leaf
        completed = []
        while self.subtrees and self.subtrees[-1][0] == size:
            left_size, left = self.subtrees.pop()
            value = node_hash(left, value)
            size += left_size
            completed.append((position(size.bit_length() - 1, self.size + 1 - size), value))
        self.subtrees.append((size, value))
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.subtrees:
            return EMPTY_ROOT
        value = self.subtrees[-1][1]
        for _, left in reversed(self.subtrees[:-1]):
            value = node_hash(left, value)
        return value

    def to_json(self) -> dict[str, object]:
        return {"size": self.size, "subtrees": [[s, h.hex()] for s, h in self.subtrees]}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Frontier:
        if not data:
            return cls()
        subtrees = [(int(s), bytes.fromhex(h)) for s, h in data["subtrees"]]
        return cls(size=int(data["size"]), subtrees=subtrees)


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError("leaf index outside the tree")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), root(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), root(leaves[:k])]


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 2.1.4.1."""
    if not 0 < first <= len(leaves):
        raise ValueError("first tree size must be between 1 and the second")
    return _subproof(first, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


def verify_inclusion(*, index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """RFC 9162 2.1.3.2."""
    if not 0 <= index < tree_size:  # a negative index would walk the path of another leaf
        return False
    fn, sn, r = index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def verify_consistency(
    *, first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if not 0 < first < second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # first is a power of two: its root starts the path
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# --- proofs from stored nodes: O(log n) of them, whatever the size of the tree --------------------


def position(level: int, start: int) -> int:
    """The flat-tree (in-order) position of the perfect subtree of 2^level leaves from leaf ``start``."""
    return 2 * start + (1 << level) - 1


def perfect_parts(start: int, end: int) -> list[tuple[int, int]]:
    """The perfect subtrees (level, start) whose roots fold into MTH(D[start:end]), left to right.

    As RFC 9162 splits a range at the largest power of two below its size, a range the recursion
    reaches is its size's binary digits, largest first (``start`` is aligned to the first)."""
    parts = []
    while start < end:
        level = (end - start).bit_length() - 1
        parts.append((level, start))
        start += 1 << level
    return parts


def inclusion_ranges(index: int, tree_size: int) -> list[tuple[int, int]]:
    """The ranges [start, end) whose roots are PATH(index, D[tree_size]), in proof order (RFC 9162 2.1.3.1)."""
    if not 0 <= index < tree_size:
        raise ValueError("leaf index outside the tree")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, tree_size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    return ranges[::-1]


def consistency_ranges(first: int, tree_size: int) -> list[tuple[int, int]]:
    """The ranges whose roots are PROOF(first, D[tree_size]), in proof order (RFC 9162 2.1.4.1)."""
    if not 0 < first <= tree_size:
        raise ValueError("first tree size must be between 1 and the second")
    ranges: list[tuple[int, int]] = []
    m, lo, hi, complete = first, 0, tree_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            m, lo, complete = m - k, lo + k, False
    if not complete:
        ranges.append((lo, hi))
    return ranges[::-1]


def nodes_of(ranges: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Every perfect subtree (level, start) the roots of ``ranges`` are made of."""
    return {part for start, end in ranges for part in perfect_parts(start, end)}


def proof_from_ranges(ranges: Sequence[tuple[int, int]], node: Callable[[int, int], bytes]) -> list[bytes]:
    """The proof: each range's root, folded from its perfect subtrees as ``node(level, start)`` gives them."""
    proof = []
    for start, end in ranges:
        parts = perfect_parts(start, end)
        value = node(*parts[-1])
        for level, part_start in reversed(parts[:-1]):
            value = node_hash(node(level, part_start), value)
        proof.append(value)
    return proof
