"""The Merkle tree against RFC 9162 (CT 2.0), which keeps the RFC 6962 hashing and proof shapes.

The known vectors come from the Certificate Transparency reference implementation's test data
(google/certificate-transparency, ``merkle_tree_test.cc``) and are recomputed here by hand with
hashlib, so a bug shared by ``merkle.py`` and its tests cannot hide.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from burgerprofiel.audit import merkle

# The eight leaf inputs of the CT reference tests and the tree head at each size 1..8.
CT_INPUTS = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657")] + [
    bytes.fromhex("606162636465666768696a6b6c6d6e6f")
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_LEAVES = [merkle.leaf_hash(d) for d in CT_INPUTS]
# (leaf index, tree size, audit path)
CT_INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (first size, second size, consistency path)
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _leaves(n: int, salt: int = 0) -> list[bytes]:
    return [merkle.leaf_hash(f"event {salt}:{i}".encode()) for i in range(n)]


def _flip(value: bytes, position: int = 0) -> bytes:
    position %= len(value)
    return value[:position] + bytes([value[position] ^ 0x01]) + value[position + 1 :]


def test_three_leaf_root_equals_the_rfc_9162_shape_computed_by_hand():
    data = [b"a", b"b", b"c"]
    l0, l1, l2 = (_sha256(b"\x00" + d) for d in data)
    by_hand = _sha256(b"\x01" + _sha256(b"\x01" + l0 + l1) + l2)
    assert merkle.root([merkle.leaf_hash(d) for d in data]) == by_hand


def test_five_leaf_root_splits_at_four_as_the_rfc_says():
    data = [bytes([i]) for i in range(5)]
    h = [_sha256(b"\x00" + d) for d in data]
    left = _sha256(b"\x01" + _sha256(b"\x01" + h[0] + h[1]) + _sha256(b"\x01" + h[2] + h[3]))
    by_hand = _sha256(b"\x01" + left + h[4])
    assert merkle.root([merkle.leaf_hash(d) for d in data]) == by_hand


def test_empty_tree_root_is_the_hash_of_nothing():
    assert merkle.root([]) == _sha256(b"")
    assert merkle.Frontier().root() == _sha256(b"")


def test_leaf_and_node_hashes_are_domain_separated():
    assert merkle.leaf_hash(b"x") == _sha256(b"\x00x")
    assert merkle.node_hash(b"l", b"r") == _sha256(b"\x01lr")


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_certificate_transparency_reference_vectors(size):
    assert merkle.root(CT_LEAVES[:size]).hex() == CT_ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_inclusion_proofs_match_the_reference_vectors(index, size, path):
    proof = merkle.inclusion_proof(index, CT_LEAVES[:size])
    assert [p.hex() for p in proof] == path
    assert merkle.verify_inclusion(
        index=index, tree_size=size, leaf=CT_LEAVES[index], proof=proof, root_hash=bytes.fromhex(CT_ROOTS[size - 1])
    )


@pytest.mark.parametrize(("first", "second", "path"), CT_CONSISTENCY)
def test_consistency_proofs_match_the_reference_vectors(first, second, path):
    proof = merkle.consistency_proof(first, CT_LEAVES[:second])
    assert [p.hex() for p in proof] == path
    assert merkle.verify_consistency(
        first=first,
        second=second,
        first_root=bytes.fromhex(CT_ROOTS[first - 1]),
        second_root=bytes.fromhex(CT_ROOTS[second - 1]),
        proof=proof,
    )


@pytest.mark.parametrize(("first", "second"), [(1, 2), (2, 3), (2, 8), (4, 5), (4, 7), (8, 9), (16, 300)])
def test_consistency_from_a_power_of_two_size_verifies(first, second):
    leaves = _leaves(second)
    assert merkle.verify_consistency(
        first=first,
        second=second,
        first_root=merkle.root(leaves[:first]),
        second_root=merkle.root(leaves),
        proof=merkle.consistency_proof(first, leaves),
    )


@st.composite
def _tree_and_index(draw: st.DrawFn) -> tuple[list[bytes], int]:
    size = draw(st.integers(min_value=1, max_value=300))
    salt = draw(st.integers(min_value=0, max_value=10**6))
    return _leaves(size, salt), draw(st.integers(min_value=0, max_value=size - 1))


@settings(max_examples=150, deadline=None)
@given(_tree_and_index())
def test_every_inclusion_proof_verifies_against_the_root(tree_and_index):
    leaves, index = tree_and_index
    proof = merkle.inclusion_proof(index, leaves)
    assert merkle.verify_inclusion(
        index=index, tree_size=len(leaves), leaf=leaves[index], proof=proof, root_hash=merkle.root(leaves)
    )


@settings(max_examples=100, deadline=None)
@given(_tree_and_index(), st.data())
def test_an_inclusion_proof_with_one_flipped_byte_fails(tree_and_index, data):
    leaves, index = tree_and_index
    assume(len(leaves) > 1)
    proof = merkle.inclusion_proof(index, leaves)
    which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    byte = data.draw(st.integers(min_value=0, max_value=31))
    tampered = [*proof[:which], _flip(proof[which], byte), *proof[which + 1 :]]
    root = merkle.root(leaves)
    size = len(leaves)
    assert not merkle.verify_inclusion(index=index, tree_size=size, leaf=leaves[index], proof=tampered, root_hash=root)
    assert not merkle.verify_inclusion(
        index=index, tree_size=size, leaf=_flip(leaves[index], byte), proof=proof, root_hash=root
    )
    assert not merkle.verify_inclusion(
        index=index, tree_size=size, leaf=leaves[index], proof=proof, root_hash=_flip(root, byte)
    )


@settings(max_examples=100, deadline=None)
@given(_tree_and_index())
def test_an_inclusion_proof_does_not_verify_for_another_index_or_a_shortened_path(tree_and_index):
    leaves, index = tree_and_index
    assume(len(leaves) > 1)
    proof = merkle.inclusion_proof(index, leaves)
    root = merkle.root(leaves)
    other = (index + 1) % len(leaves)
    assert not merkle.verify_inclusion(
        index=other, tree_size=len(leaves), leaf=leaves[index], proof=proof, root_hash=root
    )
    assert not merkle.verify_inclusion(
        index=index, tree_size=len(leaves), leaf=leaves[index], proof=proof[:-1], root_hash=root
    )
    assert not merkle.verify_inclusion(
        index=index, tree_size=len(leaves), leaf=leaves[index], proof=[*proof, root], root_hash=root
    )


@st.composite
def _tree_and_first(draw: st.DrawFn) -> tuple[list[bytes], int]:
    size = draw(st.integers(min_value=1, max_value=300))
    salt = draw(st.integers(min_value=0, max_value=10**6))
    return _leaves(size, salt), draw(st.integers(min_value=1, max_value=size))


@settings(max_examples=150, deadline=None)
@given(_tree_and_first())
def test_every_consistency_proof_verifies_between_the_two_roots(tree_and_first):
    leaves, first = tree_and_first
    proof = merkle.consistency_proof(first, leaves)
    assert merkle.verify_consistency(
        first=first,
        second=len(leaves),
        first_root=merkle.root(leaves[:first]),
        second_root=merkle.root(leaves),
        proof=proof,
    )


@settings(max_examples=100, deadline=None)
@given(_tree_and_first(), st.data())
def test_a_consistency_proof_with_one_flipped_byte_fails(tree_and_first, data):
    leaves, first = tree_and_first
    assume(first < len(leaves))
    proof = merkle.consistency_proof(first, leaves)
    which = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    byte = data.draw(st.integers(min_value=0, max_value=31))
    tampered = [*proof[:which], _flip(proof[which], byte), *proof[which + 1 :]]
    first_root, second_root = merkle.root(leaves[:first]), merkle.root(leaves)
    kwargs = {"first": first, "second": len(leaves)}
    assert not merkle.verify_consistency(**kwargs, first_root=first_root, second_root=second_root, proof=tampered)
    assert not merkle.verify_consistency(
        **kwargs, first_root=_flip(first_root, byte), second_root=second_root, proof=proof
    )
    assert not merkle.verify_consistency(
        **kwargs, first_root=first_root, second_root=_flip(second_root, byte), proof=proof
    )


@settings(max_examples=50, deadline=None)
@given(_tree_and_first(), st.integers(min_value=0, max_value=299))
def test_a_consistency_proof_fails_when_an_old_leaf_was_rewritten(tree_and_first, victim):
    leaves, first = tree_and_first
    assume(first < len(leaves))
    victim %= first
    first_root = merkle.root(leaves[:first])
    rewritten = [*leaves[:victim], merkle.leaf_hash(b"forged"), *leaves[victim + 1 :]]
    proof = merkle.consistency_proof(first, rewritten)
    assert not merkle.verify_consistency(
        first=first, second=len(leaves), first_root=first_root, second_root=merkle.root(rewritten), proof=proof
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.integers(min_value=0, max_value=10**6))
def test_frontier_root_equals_the_recursive_root_at_every_size(size, salt):
    leaves = _leaves(size, salt)
    frontier = merkle.Frontier()
    for n, leaf in enumerate(leaves, start=1):
        frontier.append(leaf)
        assert frontier.size == n
        assert frontier.root() == merkle.root(leaves[:n])


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=300), st.integers(min_value=0, max_value=40))
def test_a_frontier_restored_from_json_keeps_growing_to_the_same_root(size, more):
    leaves = _leaves(size + more)
    frontier = merkle.Frontier()
    for leaf in leaves[:size]:
        frontier.append(leaf)
    restored = merkle.Frontier.from_json(frontier.to_json())
    assert restored == frontier
    for leaf in leaves[size:]:
        restored.append(leaf)
    assert restored.root() == merkle.root(leaves)


def test_frontier_holds_one_subtree_per_set_bit_of_its_size():
    frontier = merkle.Frontier()
    for leaf in _leaves(13):
        frontier.append(leaf)
    assert [size for size, _ in frontier.subtrees] == [8, 4, 1]


def test_inclusion_proof_refuses_an_index_outside_the_tree():
    with pytest.raises(ValueError):
        merkle.inclusion_proof(3, _leaves(3))
    with pytest.raises(ValueError):
        merkle.inclusion_proof(-1, _leaves(3))


def test_consistency_proof_refuses_sizes_outside_the_tree():
    with pytest.raises(ValueError):
        merkle.consistency_proof(0, _leaves(3))
    with pytest.raises(ValueError):
        merkle.consistency_proof(4, _leaves(3))


def test_verify_inclusion_refuses_an_index_outside_the_tree():
    leaves = _leaves(4)
    root = merkle.root(leaves)
    proof = merkle.inclusion_proof(0, leaves)
    assert not merkle.verify_inclusion(index=4, tree_size=4, leaf=leaves[0], proof=proof, root_hash=root)
    assert not merkle.verify_inclusion(index=-4, tree_size=4, leaf=leaves[0], proof=proof, root_hash=root)


def test_verify_consistency_refuses_equal_sizes_with_a_path_or_different_roots():
    leaves = _leaves(5)
    root = merkle.root(leaves)
    assert merkle.verify_consistency(first=5, second=5, first_root=root, second_root=root, proof=[])
    assert not merkle.verify_consistency(first=5, second=5, first_root=root, second_root=root, proof=[root])
    assert not merkle.verify_consistency(first=5, second=5, first_root=root, second_root=_flip(root), proof=[])


def test_verify_consistency_refuses_a_shrinking_tree_or_an_empty_path():
    leaves = _leaves(6)
    proof = merkle.consistency_proof(3, leaves)
    first_root, second_root = merkle.root(leaves[:3]), merkle.root(leaves)
    assert not merkle.verify_consistency(first=6, second=3, first_root=second_root, second_root=first_root, proof=proof)
    assert not merkle.verify_consistency(first=3, second=6, first_root=first_root, second_root=second_root, proof=[])
    assert not merkle.verify_consistency(first=0, second=6, first_root=first_root, second_root=second_root, proof=proof)
