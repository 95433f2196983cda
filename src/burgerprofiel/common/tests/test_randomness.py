"""Pooled CSPRNG draws (encryption nonces, UUIDs): never one handed out twice, across refills, threads and forks."""

from __future__ import annotations

import os
import threading
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


def test_nonce_sized_draws_are_unique_across_pool_refills_threads_and_forks() -> None:
    # What every encryption's nonce is: a repeated nonce under one key would break AES-GCM.
    per_pool = POOL_BYTES // 12
    drawn = [random_bytes(12) for _ in range(3 * per_pool + 5)]  # over several refills
    in_thread: list[bytes] = []
    worker = threading.Thread(target=lambda: in_thread.extend(random_bytes(12) for _ in range(per_pool)))
    worker.start()
    worker.join()

    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child draws from a pool of its own, not from what the parent still holds
        os.write(write, b"".join(random_bytes(12) for _ in range(20)))
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    from_child = os.read(read, 20 * 12)
    os.close(read)
    in_parent = [random_bytes(12) for _ in range(20)]

    all_nonces = drawn + in_thread + in_parent + [from_child[i : i + 12] for i in range(0, 240, 12)]
    assert all(len(n) == 12 for n in all_nonces)
    assert len(set(all_nonces)) == len(all_nonces)
