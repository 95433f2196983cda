"""Rate limit per API client, in fixed one-minute windows."""

from __future__ import annotations

import pytest
from django.test import override_settings

from burgerprofiel.api import middleware
from burgerprofiel.api.tests.helpers import assert_problem
from burgerprofiel.conftest import bearer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

WINDOW_START = 1_800_000_000.0  # a multiple of 60: the start of a window


class FrozenClock:
    def __init__(self) -> None:
        self.now = WINDOW_START + 20

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """Time stands still 20 seconds into a window, so no test straddles two windows by accident."""
    frozen = FrozenClock()
    monkeypatch.setattr(middleware, "clock", frozen)
    return frozen


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_a_client_over_its_limit_gets_429_with_retry_after(client, auth_headers):
    for _ in range(3):
        assert client.get("/api/v1/me", **auth_headers).status_code == 200

    response = client.get("/api/v1/me", **auth_headers)

    assert_problem(response, 429, "rate-limited")
    assert response["Retry-After"] == "40"  # the window ends 40 seconds after "now"


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_another_client_is_not_affected_by_a_client_over_its_limit(client, agency, other_agency):
    mine = bearer(client, agency)
    for _ in range(4):
        client.get("/api/v1/me", **mine)
    assert client.get("/api/v1/me", **mine).status_code == 429

    assert client.get("/api/v1/me", **bearer(client, other_agency)).status_code == 200


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_the_limit_starts_afresh_in_the_next_minute(client, auth_headers, clock):
    for _ in range(4):
        client.get("/api/v1/me", **auth_headers)
    assert client.get("/api/v1/me", **auth_headers).status_code == 429

    clock.now = WINDOW_START + 60

    assert client.get("/api/v1/me", **auth_headers).status_code == 200


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_requests_without_a_valid_token_are_limited_per_address(client, db):
    for _ in range(3):
        assert client.get("/api/v1/me", REMOTE_ADDR="192.0.2.1").status_code == 401
    assert_problem(client.get("/api/v1/me", REMOTE_ADDR="192.0.2.1"), 429, "rate-limited")

    assert client.get("/api/v1/me", REMOTE_ADDR="192.0.2.2").status_code == 401


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_a_refused_body_counts_against_the_limit(client, auth_headers):
    for _ in range(3):
        client.post("/api/v1/notifications", "x", content_type="text/plain", **auth_headers)

    assert client.get("/api/v1/me", **auth_headers).status_code == 429


def test_the_token_endpoint_is_limited_per_address(client, agency, settings):
    from burgerprofiel.conftest import token_with_secret

    settings.OAUTH_RATE_LIMIT_PER_MINUTE = 3
    statuses = [token_with_secret(client, agency, secret="guess").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    refused = token_with_secret(client, agency)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
