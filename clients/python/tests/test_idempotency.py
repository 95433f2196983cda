"""A POST whose answer is lost is retried with the same Idempotency-Key, and the platform acts once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from burgerprofiel_client import AgencyClient, ClientSecret, ValidationFailed
from burgerprofiel_client.models import Notification
from conftest import FAST_RETRIES, Onboarded
from live_platform import Platform, valid_insz
from proxy import DroppingProxy


@pytest.fixture
def proxy(platform: Platform) -> Iterator[DroppingProxy]:
    running = DroppingProxy(upstream_port=platform.port)
    yield running
    running.close()


def test_a_lost_answer_is_retried_with_the_same_key_and_the_notification_made_once(
    proxy: DroppingProxy, secret_agency: Onboarded
) -> None:
    sent: list[httpx.Request] = []
    answered: list[httpx.Response] = []
    http = httpx.Client(event_hooks={"request": [sent.append], "response": [answered.append]})
    credentials = ClientSecret(secret_agency.client_id, secret_agency.client_secret)
    with AgencyClient(proxy.url, credentials, retry=FAST_RETRIES, http=http) as client:
        client.agency.me()  # the token first: only the notification's answer is to be lost
        proxy.drop_next_answer_to(b"POST /api/v1/notifications ")

        accepted = client.notifications.push(
            Notification(insz=valid_insz(4242), message="Uw dossier is afgerond.", ipdc_product="1234")
        )

        created = [e for e in client.audit.iter_events() if e.action == "notification.created"]
        replays = [e for e in client.audit.iter_events() if e.action == "api.idempotent_replay"]

    posts = [r for r in sent if r.url.path == "/api/v1/notifications"]
    assert len(proxy.dropped) == 1  # the platform answered the first attempt; the client never saw it
    assert len(posts) == 2
    assert posts[0].headers["Idempotency-Key"] == posts[1].headers["Idempotency-Key"]
    assert posts[0].headers["X-Request-ID"] == posts[1].headers["X-Request-ID"]
    [answer] = [r for r in answered if r.request.url.path == "/api/v1/notifications"]
    assert answer.headers.get("Idempotent-Replayed") == "true"
    assert [e.object_id for e in created].count(str(accepted.id)) == 1
    assert len(replays) >= 1


def test_a_caller_given_key_replays_the_first_answer(client: AgencyClient) -> None:
    key = f"client-test-{uuid.uuid4()}"
    notification = Notification(insz=valid_insz(4343), message="Herinnering.", ipdc_product="1234")

    first = client.notifications.push(notification, idempotency_key=key)
    again = client.notifications.push(notification, idempotency_key=key)

    assert again.id == first.id


def test_a_key_reused_for_another_body_is_refused(client: AgencyClient) -> None:
    key = f"client-test-{uuid.uuid4()}"
    client.notifications.push(
        Notification(insz=valid_insz(4444), message="Een.", ipdc_product="1"), idempotency_key=key
    )

    with pytest.raises(ValidationFailed) as refused:
        client.notifications.push(
            Notification(insz=valid_insz(4444), message="Twee.", ipdc_product="1"), idempotency_key=key
        )

    assert refused.value.problem.code == "idempotency-key-reused"
