def test_nonces_are_unique_across_pool_refills_threads_and_forks() -> None:
    import os
    import threading

    from burgerprofiel.common.randomness import POOL_BYTES
    from burgerprofiel.crypto.fields import _nonce

    per_pool = POOL_BYTES // 12
    drawn = [_nonce() for _ in range(3 * per_pool + 5)]  # over several refills
    in_thread: list[bytes] = []
    worker = threading.Thread(target=lambda: in_thread.extend(_nonce() for _ in range(per_pool)))
    worker.start()
    worker.join()

    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child draws from a pool of its own, not from what the parent still holds
        os.write(write, b"".join(_nonce() for _ in range(20)))
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    from_child = os.read(read, 20 * 12)
    os.close(read)
    in_parent = [_nonce() for _ in range(20)]

    all_nonces = drawn + in_thread + in_parent + [from_child[i : i + 12] for i in range(0, 240, 12)]
    assert all(len(n) == 12 for n in all_nonces)
    assert len(set(all_nonces)) == len(all_nonces)
