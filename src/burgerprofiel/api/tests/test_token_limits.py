"""Token requests are limited per caller address (the client's, behind trusted proxies) and per client_id."""

from __future__ import annotations

import base64

import pytest
from django.test import override_settings

from burgerprofiel.api import middleware
from burgerprofiel.api.tests.helpers import assert_problem
from burgerprofiel.conftest import token_with_assertion, token_with_secret

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    monkeypatch.setattr(middleware, "clock", lambda: 1_800_000_020.0)  # 20 s into a window


def _wrong_secret(client, client_id: str, **extra):
    basic = base64.b64encode(f"{client_id}:raden".encode()).decode()
    return client.post(
        "/oauth/token",
        "grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Basic {basic}",
        **extra,
    )


@override_settings(
    TRUSTED_PROXIES=["127.0.0.1/32"], OAUTH_RATE_LIMIT_PER_MINUTE=3, OAUTH_CLIENT_RATE_LIMIT_PER_MINUTE=0
)
def test_behind_the_proxy_each_client_address_has_its_own_token_budget(client):
    attacker = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    for n in range(3):
        assert _wrong_secret(client, f"raden-{n}", **attacker).status_code == 401
    assert_problem(_wrong_secret(client, "raden-9", **attacker), 429, "rate-limited")

    # Another caller behind the same proxy is not locked out by the first one's spending.
    other = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert _wrong_secret(client, "raden-10", **other).status_code == 401


@override_settings(
    TRUSTED_PROXIES=["127.0.0.1/32"], OAUTH_RATE_LIMIT_PER_MINUTE=3, OAUTH_CLIENT_RATE_LIMIT_PER_MINUTE=0
)
def test_a_caller_cannot_pick_a_fresh_address_by_sending_x_forwarded_for_itself(client):
    for n in range(3):
        spoofed = {"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": f"198.51.100.{n}"}
        assert _wrong_secret(client, f"raden-{n}", **spoofed).status_code == 401
    spoofed = {"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": "198.51.100.99"}
    assert_problem(_wrong_secret(client, "raden-9", **spoofed), 429, "rate-limited")


@override_settings(OAUTH_RATE_LIMIT_PER_MINUTE=0, OAUTH_CLIENT_RATE_LIMIT_PER_MINUTE=3)
def test_guessing_one_clients_secret_from_many_addresses_meets_the_per_client_limit(client, agency):
    for n in range(3):
        assert _wrong_secret(client, agency.client_id, REMOTE_ADDR=f"203.0.113.{n}").status_code == 401
    assert_problem(_wrong_secret(client, agency.client_id, REMOTE_ADDR="203.0.113.200"), 429, "rate-limited")
    # The client's budget is spent whichever way it authenticates: by secret or by assertion.
    assert token_with_secret(client, agency).status_code == 429
    assert token_with_assertion(client, agency).status_code == 429


@override_settings(OAUTH_RATE_LIMIT_PER_MINUTE=0, OAUTH_CLIENT_RATE_LIMIT_PER_MINUTE=3)
def test_the_per_client_limit_counts_assertions_by_their_issuer_and_leaves_other_clients_alone(
    client, agency, other_agency
):
    for _ in range(3):
        assert token_with_assertion(client, agency).status_code == 200
    assert_problem(token_with_assertion(client, agency), 429, "rate-limited")
    assert token_with_assertion(client, other_agency).status_code == 200
