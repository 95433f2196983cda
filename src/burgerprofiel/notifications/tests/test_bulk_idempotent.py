"""A bulk of meldingen under an ``Idempotency-Key`` commits in chunks too (issue 11 item 12), and its
idempotency record still answers a retry as one uninterrupted run would have.

Before, such a request ran inside the idempotency middleware's one transaction: the chunks were
savepoints, and a campaign of 10,000 held the write lock for the whole of it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError
from django.test import Client

from burgerprofiel.api.models import IdempotencyRecord
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.notifications import services
from burgerprofiel.notifications.models import Notification
from burgerprofiel.notifications.tests.factories import PRODUCT
from burgerprofiel.notifications.tests.workers import valid_insz

pytestmark = pytest.mark.django_db
URL = "/api/v1/notifications/bulk"
BODY = {"recipients": [valid_insz(i) for i in range(7)], "message": "Nieuwe premie", "ipdc_product": PRODUCT}


def _post(client: Client, headers: dict[str, str], key: str) -> Any:
    return client.post(URL, BODY, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **headers)


def _fail_at(monkeypatch: pytest.MonkeyPatch, call: int) -> None:
    store, calls = services._store, 0

    def failing_store(**kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == call:
            raise DatabaseError("the database went away")
        return store(**kwargs)

    monkeypatch.setattr(services, "_store", failing_store)


def test_an_interrupted_bulk_keeps_its_committed_chunks_and_a_retry_resumes_it_and_answers_the_whole(
    agency: Any, auth_headers: dict[str, str], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.NOTIFICATIONS_BULK_CHUNK_SIZE = 2
    client = Client(raise_request_exception=False)
    _fail_at(monkeypatch, 6)  # the third chunk (items 4 and 5) fails half-way

    failed = _post(client, auth_headers, "campagne-2026-11")

    assert failed.status_code >= 500
    # Two chunks committed on their own (one transaction for the request would have left none).
    assert Notification.objects.count() == 4
    record = IdempotencyRecord.objects.get(key="campagne-2026-11")
    assert record.status_code is None and record.resumable and len(record.progress["ids"]) == 4

    monkeypatch.undo()
    retried = _post(client, auth_headers, "campagne-2026-11")

    assert retried.status_code == 202 and "Idempotent-Replayed" not in retried
    answer = retried.json()
    assert answer["count"] == 7 and len(set(answer["ids"])) == 7
    assert answer["ids"][:4] == record.progress["ids"]  # the stored chunks answered, not stored again
    assert Notification.objects.count() == 7
    events = AuditEvent.objects.filter(action="notification.bulk_created").order_by("pk")
    assert [(e.detail["first_index"], e.detail["count"]) for e in events] == [(0, 2), (2, 2), (4, 2), (6, 1)]
    assert len({e.object_id for e in events}) == 1  # one batch, across the two requests

    replayed = _post(client, auth_headers, "campagne-2026-11")
    assert replayed.status_code == 202 and replayed["Idempotent-Replayed"] == "true"
    assert replayed.content == retried.content
    assert Notification.objects.count() == 7


def test_an_uninterrupted_bulk_under_a_key_is_answered_again_identically_and_stored_once(
    agency: Any, auth_headers: dict[str, str], settings: Any
) -> None:
    settings.NOTIFICATIONS_BULK_CHUNK_SIZE = 3
    client = Client()
    first = _post(client, auth_headers, "campagne-b")
    again = _post(client, auth_headers, "campagne-b")

    assert first.status_code == again.status_code == 202
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert Notification.objects.count() == 7
    record = IdempotencyRecord.objects.get(key="campagne-b")
    assert record.status_code == 202 and not record.resumable and len(record.progress["ids"]) == 7


def test_a_retry_while_the_first_still_runs_is_told_to_wait_not_resumed(
    agency: Any, auth_headers: dict[str, str], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only an interrupted claim is resumed: one whose request still runs (progress kept, not marked
    resumable, claimed just now) answers 409, as before."""
    settings.NOTIFICATIONS_BULK_CHUNK_SIZE = 2
    client = Client(raise_request_exception=False)
    _fail_at(monkeypatch, 3)
    assert _post(client, auth_headers, "campagne-c").status_code >= 500
    IdempotencyRecord.objects.filter(key="campagne-c").update(resumable=False)  # as if still running

    busy = _post(client, auth_headers, "campagne-c")

    assert busy.status_code == 409 and busy["Retry-After"] == "1"
    assert Notification.objects.count() == 2
