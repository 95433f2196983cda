"""A bulk of meldingen: validated whole, written in short transactions.

The measure is what a transaction holds, not how long it takes: every ``transaction.atomic`` block
of the notifications services is counted with the meldingen it inserted. One transaction for a
whole campaign held the write lock for tens of seconds (3,000 meldingen took 10.9 s on SQLite).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.db import transaction as django_transaction

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.errors import ValidationError
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency
from burgerprofiel.notifications import services
from burgerprofiel.notifications.models import Notification
from burgerprofiel.notifications.services import NotificationInput, notifications_bulk_create
from burgerprofiel.notifications.tests.factories import PRODUCT
from burgerprofiel.notifications.tests.workers import valid_insz

pytestmark = pytest.mark.django_db
N = 450


class CountingTransactions:
    """Stands in for ``django.db.transaction`` in the services module: records, per atomic block,
    how many meldingen were inserted inside it (the outermost blocks are the transactions)."""

    def __init__(self) -> None:
        self.inserted = 0
        self.per_block: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(django_transaction, name)

    @contextmanager
    def atomic(self, *args: Any, **kwargs: Any) -> Iterator[None]:
        with django_transaction.atomic(*args, **kwargs):
            before = self.inserted
            yield
            self.per_block.append(self.inserted - before)

    def count(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith('INSERT INTO "NOTIFICATIONS_NOTIFICATION"'):
            self.inserted += 1
        return execute(sql, params, many, context)


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingTransactions]:
    counting = CountingTransactions()
    monkeypatch.setattr(services, "transaction", counting)
    with connection.execute_wrapper(counting.count):
        yield counting


def _items(n: int = N) -> list[NotificationInput]:
    return [NotificationInput(insz=valid_insz(i), message="Nieuwe premie", ipdc_product=PRODUCT) for i in range(n)]


def test_a_bulk_is_stored_in_transactions_of_at_most_the_chunk_size(
    agency: OnboardedAgency, transactions: CountingTransactions, settings: Any
) -> None:
    settings.NOTIFICATIONS_BULK_CHUNK_SIZE = 100
    stored = notifications_bulk_create(agency=Agency.objects.get(pk=agency.agency_id), items=_items(), actor=TEST_ACTOR)
    assert len(stored) == N == Notification.objects.count() == transactions.inserted
    assert max(transactions.per_block) == 100, transactions.per_block
    events = AuditEvent.objects.filter(action="notification.bulk_created").order_by("pk")
    assert [(e.detail["first_index"], e.detail["count"]) for e in events] == [
        (0, 100),
        (100, 100),
        (200, 100),
        (300, 100),
        (400, 50),
    ]
    assert len({e.object_id for e in events}) == 1  # one batch id ties the chunks together


def test_the_default_chunk_keeps_a_transaction_to_a_few_hundred_meldingen(settings: Any) -> None:
    assert 1 <= settings.NOTIFICATIONS_BULK_CHUNK_SIZE <= 500
    assert settings.NOTIFICATIONS_BULK_MAX_ITEMS // settings.NOTIFICATIONS_BULK_CHUNK_SIZE >= 10


def test_one_bad_item_at_the_end_refuses_the_whole_bulk_and_stores_nothing(
    agency: OnboardedAgency, transactions: CountingTransactions, settings: Any
) -> None:
    settings.NOTIFICATIONS_BULK_CHUNK_SIZE = 100
    items = _items()
    items[N - 1] = NotificationInput(insz="00000000000", message="Nieuwe premie", ipdc_product=PRODUCT)
    with pytest.raises(ValidationError) as refused:
        notifications_bulk_create(agency=Agency.objects.get(pk=agency.agency_id), items=items, actor=TEST_ACTOR)
    assert refused.value.extra["index"] == N - 1
    assert Notification.objects.count() == 0 and transactions.inserted == 0
    assert not AuditEvent.objects.filter(action="notification.bulk_created").exists()


def test_a_database_failure_half_way_keeps_the_chunks_before_it_with_their_audit_events(
    agency: OnboardedAgency, transactions: CountingTransactions, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.NOTIFICATIONS_BULK_CHUNK_SIZE = 100
    store = services._store
    calls = 0

    def failing_store(**kwargs: Any) -> Notification:
        nonlocal calls
        calls += 1
        if calls == 151:
            raise DatabaseError("the database went away")
        return store(**kwargs)

    monkeypatch.setattr(services, "_store", failing_store)
    with pytest.raises(DatabaseError):
        notifications_bulk_create(agency=Agency.objects.get(pk=agency.agency_id), items=_items(), actor=TEST_ACTOR)
    assert Notification.objects.count() == 100
    event = AuditEvent.objects.get(action="notification.bulk_created")
    assert event.detail == {"count": 100, "first_index": 0, "total": N}
