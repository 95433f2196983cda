"""Live pull: ask many agency sources at once, each within its own timeout.

Design note (charter 1.1, DESIGN "pull"): the portal never stores what a source answers. Every
source is called in parallel (httpx, asyncio) with its own timeout, so a slow or failing source
costs the page at most that timeout and degrades to "tijdelijk niet beschikbaar" while the others
show. A source that keeps failing opens its circuit: for ``PULL_BREAKER_OPEN_SECONDS`` it is not
called at all. Answers are read with a byte cap, so an oversized or endless answer cannot exhaust
the process. Before a call the caller has run the order check and the SSRF guard; the client
connects only to addresses the guard checks again at connect time (``common.outbound``), so a
name that resolves elsewhere a moment later cannot redirect a token naming a citizen.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import cache

from burgerprofiel.common.outbound import guarded_async_client
from burgerprofiel.crypto.signing import sign_jwt

log = logging.getLogger(__name__)


class PullProblem(Exception):
    """A source's answer cannot be used; ``kind`` is stable (for logs and tests), ``message`` is Dutch."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


MESSAGES = {
    "timeout": "De bron antwoordde niet op tijd.",
    "unreachable": "De bron is niet bereikbaar.",
    "http-error": "De bron gaf een fout.",
    "oversized": "Het antwoord van de bron is te groot.",
    "content-type": "De bron antwoordde in een onverwacht formaat.",
    "malformed": "Het antwoord van de bron is onleesbaar.",
    "circuit-open": "De bron faalde herhaaldelijk en wordt even niet aangesproken.",
}


def problem(kind: str) -> PullProblem:
    return PullProblem(kind, MESSAGES[kind])


def source_token(*, insz: str, audience: str) -> str:
    """The short-lived JWT a source receives: who is asking about whom, for which source."""
    now = int(time.time())
    return sign_jwt(
        {
            "iss": settings.PUBLIC_URL,
            "aud": audience,
            "rrn": insz,
            "iat": now,
            "nbf": now,
            "exp": now + settings.PULL_JWT_TTL_SECONDS,
        }
    )


async def get_json(
    client: httpx.AsyncClient, url: str, *, token: str, max_bytes: int, params: dict[str, Any] | None = None
) -> tuple[int, Any]:
    """GET ``url`` and parse JSON, refusing oversized answers and non-JSON content. (status, data)."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json, application/hal+json"}
    async with client.stream("GET", url, headers=headers, params=params) as response:
        if response.status_code == 404:
            return 404, None
        if response.status_code != 200:
            raise problem("http-error")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise problem("oversized")
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in ("application/json", "application/hal+json", "application/problem+json"):
            raise problem("content-type")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body.extend(chunk)
            if len(body) > max_bytes:
                raise problem("oversized")
    try:
        return 200, json.loads(bytes(body))
    except ValueError as exc:
        raise problem("malformed") from exc


# -- circuit breaker (state in the shared cache, so every web process sees it) ------------------


def _breaker_key(source_id: int) -> str:
    return f"pull:breaker:{source_id}"


def breaker_open(source_id: int) -> bool:
    state = cache.get(_breaker_key(source_id)) or {}
    return float(state.get("open_until", 0)) > time.time()


def breaker_record(source_id: int, *, ok: bool) -> None:
    key = _breaker_key(source_id)
    if ok:
        cache.delete(key)
        return
    state = cache.get(key) or {"failures": 0, "open_until": 0}
    state["failures"] = int(state["failures"]) + 1
    if state["failures"] >= settings.PULL_BREAKER_FAILURES:
        state = {"failures": 0, "open_until": time.time() + settings.PULL_BREAKER_OPEN_SECONDS}
    cache.set(key, state, settings.PULL_BREAKER_OPEN_SECONDS * 4)


@dataclass
class Call:
    """One source to ask: ``fetch`` does the HTTP work with the shared client and returns parsed data."""

    key: int
    timeout: float
    fetch: Callable[[httpx.AsyncClient], Awaitable[Any]]


@dataclass
class Outcome:
    key: int
    data: Any = None
    problem: PullProblem | None = None
    elapsed: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


async def _run_one(client: httpx.AsyncClient, call: Call) -> Outcome:
    started = time.perf_counter()
    try:
        data = await asyncio.wait_for(call.fetch(client), timeout=call.timeout)
        return Outcome(call.key, data=data, elapsed=time.perf_counter() - started)
    except TimeoutError:
        found = problem("timeout")
    except PullProblem as exc:
        found = exc
    except httpx.TimeoutException:
        found = problem("timeout")
    except httpx.HTTPError:
        found = problem("unreachable")
    return Outcome(call.key, problem=found, elapsed=time.perf_counter() - started)


async def _run_all(calls: list[Call]) -> list[Outcome]:
    limits = httpx.Limits(max_connections=50)
    async with guarded_async_client(limits=limits, timeout=5.0) as client:  # httpx's default, as before
        return list(await asyncio.gather(*(_run_one(client, call) for call in calls)))


def run_calls(calls: list[Call]) -> list[Outcome]:
    """Run every call in parallel; each ends within its own timeout. Updates the circuit breakers."""
    if not calls:
        return []
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        outcomes = asyncio.run(_run_all(calls))
    else:  # called from a thread that already runs a loop: run ours beside it, in a thread of its own
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
            outcomes = executor.submit(asyncio.run, _run_all(calls)).result()
    for outcome in outcomes:
        breaker_record(outcome.key, ok=outcome.problem is None)
        if outcome.problem is not None:
            log.warning("pull source failed", extra={"source_id": outcome.key, "kind": outcome.problem.kind})
    return outcomes
