"""Checking the platform's audit proofs locally, as RFC 9162 (Certificate Transparency 2.0) 2.1 says.

Leaves are ``SHA-256(0x00 || data)``, inner nodes ``SHA-256(0x01 || left || right)``. An agency
that keeps the tree heads it has seen can prove, without trusting the platform, that an event of
its own is in the log (inclusion) and that a later log still holds everything an earlier one held
(consistency). The tree head itself is a compact JWS by the platform; :func:`verify_tree_head`
checks it against the keys at ``/audit/jwks``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from burgerprofiel_client.errors import ProofError

TREE_HEAD_ALGORITHMS = ["ES256"]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(*, index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """RFC 9162 2.1.3.2: does ``proof`` lead from leaf ``index`` of a ``tree_size`` tree to ``root_hash``?"""
    if not 0 <= index < tree_size:
        return False
    fn, sn, r = index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:  # climb while fn is a right-most left child
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
    """RFC 9162 2.1.4.2: is the ``second``-sized tree an extension of the ``first``-sized one?"""
    if first == second:
        return not proof and first_root == second_root
    if not 0 < first < second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first tree's root is itself a node of the path
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
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def verify_tree_head(signed_tree_head: str, *, jwks: Mapping[str, Any], tree_size: int, root_hash: str) -> None:
    """Check the platform's signature over a tree head and that it signs this size and root.

    Raises :class:`~burgerprofiel_client.errors.ProofError` otherwise."""
    try:
        keys = KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
        verified = jws.deserialize_compact(signed_tree_head, keys, algorithms=TREE_HEAD_ALGORITHMS)
        claimed = json.loads(verified.payload)
    except (JoseError, ValueError, TypeError) as exc:
        raise ProofError(f"the signed tree head does not verify: {exc}") from exc
    if not isinstance(claimed, dict) or claimed.get("tree_size") != tree_size or claimed.get("root_hash") != root_hash:
        raise ProofError("the signed tree head signs another tree than the proof names")
