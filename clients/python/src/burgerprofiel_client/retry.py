"""When to try a request again, and how long to wait first.

Design note: a retry is only safe when repeating the request cannot act twice. GET and DELETE are
safe by nature; every POST carries an ``Idempotency-Key`` that stays the same across its retries,
so the platform replays its first answer instead of acting again (and answers 409 "in progress"
while the first attempt still runs). So the client retries on a lost connection, on 429 (after
``Retry-After``), on 409 "in progress" and on 5xx, with exponential backoff and jitter; never on
another 4xx, which would fail the same way again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from burgerprofiel_client.errors import problem_of, retry_after_seconds

IN_PROGRESS_CODE = "idempotency-in-progress"
# Statuses that say "this server cannot do that", not "try later".
_PERMANENT_5XX = {501, 505}
# Transport failures worth another attempt; others (an unsupported URL scheme, a local protocol
# error) would fail the same way again.
RETRYABLE_EXCEPTIONS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` in all (the first included); waits grow from ``backoff`` seconds, doubled each
    time up to ``max_backoff``, with up to half of each wait drawn at random so that many clients do not
    retry in step. A ``Retry-After`` longer than ``max_retry_after`` is not waited for: the error is raised."""

    max_attempts: int = 5
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not a secret

    def wait_for(self, response: httpx.Response, attempt: int) -> float | None:
        """How long to wait before retrying after ``response``, or None if it must not be retried."""
        status = response.status_code
        if status == 429:
            after = retry_after_seconds(response)
            if after is None:
                return self.delay(attempt)
            return after if after <= self.max_retry_after else None
        if status == 409 and problem_of(response).code == IN_PROGRESS_CODE:
            after = retry_after_seconds(response)
            return max(after or 0.0, self.delay(attempt))
        if status >= 500 and status not in _PERMANENT_5XX:
            after = retry_after_seconds(response)
            if after is not None and after <= self.max_retry_after:
                return max(after, self.delay(attempt))
            return self.delay(attempt)
        return None


NO_RETRIES = RetryPolicy(max_attempts=1)
