"""The retry rules, against a scripted HTTP peer: what is retried, how long is waited, what never is."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from burgerprofiel_client import (
    AgencyClient,
    AuthenticationFailed,
    BadRequest,
    ClientSecret,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    RetryPolicy,
    ServerError,
    TransportError,
    ValidationFailed,
)
from burgerprofiel_client.models import Notification
from scripted import DROP, Reply, ScriptedServer, problem

NOTIFICATION = Notification(insz="85073003328", message="Hallo.", ipdc_product="1")
ACCEPTED = Reply(202, {"id": "6f1f3c1e-1111-4a4a-9b9b-000000000001", "deliveries": []})


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def peer() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.close()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(peer: ScriptedServer, sleeps: Sleeps) -> Iterator[AgencyClient]:
    policy = RetryPolicy(max_attempts=4, backoff=1.0, max_backoff=8.0, sleep=sleeps)
    with AgencyClient(peer.url, ClientSecret("c", "s"), retry=policy) as agency_client:
        yield agency_client


def test_a_post_is_retried_after_5xx_with_the_same_idempotency_key(
    client: AgencyClient, peer: ScriptedServer, sleeps: Sleeps
) -> None:
    peer.script("/api/v1/notifications", problem(503, "unavailable"), problem(502, "bad-gateway"), ACCEPTED)

    client.notifications.push(NOTIFICATION)

    posts = peer.to("/api/v1/notifications")
    assert len(posts) == 3
    assert len({p.headers["Idempotency-Key"] for p in posts}) == 1
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0  # exponential, with jitter


def test_every_post_gets_its_own_generated_key(client: AgencyClient, peer: ScriptedServer) -> None:
    peer.script("/api/v1/notifications", ACCEPTED, ACCEPTED)

    client.notifications.push(NOTIFICATION)
    client.notifications.push(NOTIFICATION)

    keys = [p.headers["Idempotency-Key"] for p in peer.to("/api/v1/notifications")]
    assert len(set(keys)) == 2


def test_a_429_waits_as_long_as_retry_after_says(client: AgencyClient, peer: ScriptedServer, sleeps: Sleeps) -> None:
    peer.script("/api/v1/notifications", problem(429, "rate-limited", **{"Retry-After": "7"}), ACCEPTED)

    client.notifications.push(NOTIFICATION)

    assert sleeps == [7.0]


def test_a_retry_after_longer_than_the_policy_allows_is_raised_at_once(
    client: AgencyClient, peer: ScriptedServer, sleeps: Sleeps
) -> None:
    peer.script("/api/v1/notifications", problem(429, "rate-limited", **{"Retry-After": "3600"}))

    with pytest.raises(RateLimited) as refused:
        client.notifications.push(NOTIFICATION)

    assert refused.value.retry_after == 3600
    assert sleeps == []


def test_a_409_in_progress_is_retried_but_another_409_is_not(client: AgencyClient, peer: ScriptedServer) -> None:
    peer.script("/api/v1/notifications", problem(409, "idempotency-in-progress", **{"Retry-After": "1"}), ACCEPTED)
    client.notifications.push(NOTIFICATION)
    peer.script("/api/v1/notifications", problem(409, "conflict"))

    with pytest.raises(Conflict):
        client.notifications.push(NOTIFICATION)

    assert len(peer.to("/api/v1/notifications")) == 3


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, BadRequest), (403, Forbidden), (404, NotFound), (422, ValidationFailed)],
)
def test_other_4xx_are_never_retried(
    client: AgencyClient, peer: ScriptedServer, status: int, error: type[Exception]
) -> None:
    peer.script("/api/v1/notifications", problem(status, "nee"), ACCEPTED)

    with pytest.raises(error):
        client.notifications.push(NOTIFICATION)

    assert len(peer.to("/api/v1/notifications")) == 1


def test_a_dropped_connection_is_retried(client: AgencyClient, peer: ScriptedServer) -> None:
    peer.script(
        "/api/v1/me/order-check",
        DROP,
        Reply(200, {"allowed": True, "component": "dosis", "data_categories": [], "order_version": 1}),
    )

    assert client.agency.order_check("dosis").allowed


def test_after_the_last_attempt_the_error_is_raised(client: AgencyClient, peer: ScriptedServer, sleeps: Sleeps) -> None:
    peer.script("/api/v1/notifications", *[problem(500, "internal-error")] * 4)

    with pytest.raises(ServerError) as failed:
        client.notifications.push(NOTIFICATION)

    assert failed.value.status == 500
    assert len(peer.to("/api/v1/notifications")) == 4
    assert len(sleeps) == 3


def test_an_unreachable_platform_is_a_transport_error_after_every_attempt(sleeps: Sleeps) -> None:
    from live_platform import free_port

    policy = RetryPolicy(max_attempts=3, backoff=0.01, sleep=sleeps)
    client = AgencyClient(f"http://127.0.0.1:{free_port()}", ClientSecret("c", "s"), retry=policy)
    with client, pytest.raises(TransportError) as failed:
        client.agency.me()

    assert failed.value.attempts == 3


def test_a_401_renews_the_token_once_and_only_once(client: AgencyClient, peer: ScriptedServer) -> None:
    peer.script("/api/v1/me", problem(401, "authentication-failed"), problem(401, "authentication-failed"))

    with pytest.raises(AuthenticationFailed):
        client.agency.me()

    assert peer.tokens == 2
    assert [s.headers["Authorization"] for s in peer.to("/api/v1/me")] == ["Bearer t1", "Bearer t2"]
