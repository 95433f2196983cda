"""Failed authentications cannot grow the audit log without bound (issue 11 item 12c).

The rate limit comes first; what passes it is one event for a caller's first failure in a window,
and one more with the count of the rest once the window has closed.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets

import pytest
import time_machine

from burgerprofiel.audit.failures import audit_failures_flush
from burgerprofiel.audit.models import AuditEvent, FailureTally
from burgerprofiel.conftest import post_form

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.UTC)  # the start of a window


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    settings.OAUTH_RATE_LIMIT_PER_MINUTE = 10_000
    settings.OAUTH_CLIENT_RATE_LIMIT_PER_MINUTE = 10_000
    settings.API_RATE_LIMIT_PER_MINUTE = 10_000


def _basic(client_id: str, secret: str, address: str = "203.0.113.7") -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {encoded}", "REMOTE_ADDR": address}


def _token_failures() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="oauth.authentication_failed").order_by("pk"))


def test_twenty_wrong_secrets_are_one_event_at_once_and_one_with_the_count_when_the_window_closes(client, agency):
    with time_machine.travel(START, tick=True):
        for _ in range(20):
            response = post_form(client, {"grant_type": "client_credentials"}, **_basic(agency.client_id, "wrong"))
            assert response.status_code == 401
        [first] = _token_failures()
        assert first.detail["reason"] == "bad_secret"
        assert audit_failures_flush() == 0  # the window is still open

    with time_machine.travel(START + dt.timedelta(minutes=6)):
        assert audit_failures_flush() == 1
        assert audit_failures_flush() == 0  # safe to run twice
    [_, aggregated] = _token_failures()
    assert aggregated.actor_id == agency.client_id
    assert aggregated.outcome == "refused"
    assert aggregated.detail["aggregated"] is True
    assert aggregated.detail["count"] == 19
    assert aggregated.detail["reasons"] == {"bad_secret": 19}
    assert not FailureTally.objects.exists()


def test_unknown_client_ids_chosen_by_the_caller_do_not_make_new_callers(client, agency):
    with time_machine.travel(START, tick=True):
        for _ in range(10):
            basic = _basic(f"bp-{secrets.token_hex(8)}", "guess")
            assert post_form(client, {"grant_type": "client_credentials"}, **basic).status_code == 401
    assert len(_token_failures()) == 1


def test_another_address_is_another_caller(client, agency):
    with time_machine.travel(START, tick=True):
        for address in ("203.0.113.7", "203.0.113.7", "198.51.100.9"):
            post_form(client, {"grant_type": "client_credentials"}, **_basic("bp-nobody", "x", address))
    assert len(_token_failures()) == 2
    assert "198.51.100.9" not in str(_token_failures()[1].detail)  # a keyed hash, never the address


def test_bad_bearer_tokens_are_one_event_per_caller_and_window(client, agency):
    with time_machine.travel(START, tick=True):
        for _ in range(10):
            response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token", REMOTE_ADDR="203.0.113.7")
            assert response.status_code == 401
    assert AuditEvent.objects.filter(action="api.authentication_failed").count() == 1
    with time_machine.travel(START + dt.timedelta(minutes=5)):
        audit_failures_flush()
    assert AuditEvent.objects.filter(action="api.authentication_failed").last().detail["count"] == 9


def test_requests_refused_by_the_rate_limit_record_nothing(client, agency, settings):
    settings.OAUTH_RATE_LIMIT_PER_MINUTE = 5
    with time_machine.travel(START, tick=True):
        statuses = [
            post_form(client, {"grant_type": "client_credentials"}, **_basic(agency.client_id, "wrong")).status_code
            for _ in range(12)
        ]
        assert statuses.count(429) == 7
        audit_failures_flush(now=START + dt.timedelta(hours=1))
    assert [e.detail.get("count", 1) for e in _token_failures()] == [1, 4]


def test_a_single_failure_stays_a_single_event(client, agency):
    with time_machine.travel(START, tick=True):
        post_form(client, {"grant_type": "client_credentials"}, **_basic(agency.client_id, "wrong"))
    assert audit_failures_flush(now=START + dt.timedelta(hours=1)) == 0
    assert len(_token_failures()) == 1
