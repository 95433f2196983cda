"""Pooled CSPRNG draws: UUIDs as uuid4 makes them, never one handed out twice (nonces: crypto tests)."""

from __future__ import annotations

import uuid

from burgerprofiel.common.randomness import POOL_BYTES, random_bytes, random_uuid


def test_random_uuids_are_version_4_rfc_4122_and_never_repeat_over_refills() -> None:
    drawn = [random_uuid() for _ in range(3 * POOL_BYTES // 16 + 7)]

    assert {u.version for u in drawn} == {4}
    assert {u.variant for u in drawn} == {uuid.RFC_4122}
    assert len(set(drawn)) == len(drawn)


def test_draws_follow_on_without_overlap_and_a_draw_larger_than_the_pool_is_whole() -> None:
    first, second = random_bytes(10), random_bytes(10)
    large = random_bytes(POOL_BYTES + 1)

    assert first != second
    assert len(large) == POOL_BYTES + 1
    assert len(set(large)) > 200  # CSPRNG output, not a repeated or zeroed buffer
