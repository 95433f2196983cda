"""Random bytes and UUIDs from the operating system's CSPRNG, drawn 4 KiB at a time per thread.

Every ``os.urandom`` call releases the GIL. With several request threads in a process, a draw per
value made the drawing thread wait for the GIL again each time: a third of a bulk upload's time went
to encryption nonces, and ``uuid.uuid4()`` showed in 7% of a single upload's profile samples. The
pool is per thread and per process: a forked child never reuses bytes its parent held, and every
byte is handed out once, so no nonce or UUID is ever handed out twice.
"""

from __future__ import annotations

import os
import threading
import uuid

POOL_BYTES = 4096


class _Pool(threading.local):
    pid = 0
    buffer = b""
    offset = 0


_pool = _Pool()


def random_bytes(n: int) -> bytes:
    """``n`` fresh random bytes (as ``os.urandom(n)``)."""
    if n > POOL_BYTES:
        return os.urandom(n)
    pool = _pool
    if pool.pid != os.getpid() or pool.offset + n > len(pool.buffer):
        pool.buffer, pool.offset, pool.pid = os.urandom(POOL_BYTES), 0, os.getpid()
    value = pool.buffer[pool.offset : pool.offset + n]
    pool.offset += n
    return value


def random_uuid() -> uuid.UUID:
    """A random (version 4) UUID, as ``uuid.uuid4()`` makes it."""
    return uuid.UUID(bytes=random_bytes(16), version=4)
