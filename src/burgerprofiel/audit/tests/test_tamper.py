"""The log cannot be changed through the application, and a change made behind its back is named.

Tampering tests switch the append-only triggers off inside their own transaction, as an intruder
with DDL rights could; the rollback after each test restores them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from burgerprofiel.audit import merkle
from burgerprofiel.audit.models import AuditEvent, AuditLeaf, TreeHead
from burgerprofiel.audit.services import (
    HASHED_FIELDS,
    AuditTrailCorrupt,
    audit_seal,
    audit_verify,
    event_leaf_hash,
)
from burgerprofiel.audit.tests.factories import disable_append_only_guard, raw, record_events, skip_unless_postgresql

pytestmark = pytest.mark.django_db

# Columns an intruder could swap between two events to reorder them (everything but the id).
CONTENT_COLUMNS = [*HASHED_FIELDS, "leaf_hash"]


@pytest.fixture
def log() -> list[AuditEvent]:
    """Ten events sealed in two tree heads (sizes 6 and 10), in id order."""
    events = record_events(6)
    audit_seal()
    events += record_events(4)
    audit_seal()
    assert audit_verify().ok
    return sorted(events, key=lambda e: e.pk)


def _leaf_of(event: AuditEvent) -> AuditLeaf:
    return AuditLeaf.objects.get(event_id=event.pk)


def _assert_verify_names(event_id: int | None) -> dict[str, Any]:
    report = audit_verify()
    assert not report.ok
    assert report.first_bad_event_id == event_id, report.problems
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "verify", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["ok"] is False
    assert summary["first_bad_event_id"] == event_id
    return summary


def _row(event_id: int) -> dict[str, Any]:
    """An event's columns as the database holds them, ready to be written back by raw SQL."""
    values = AuditEvent.objects.filter(pk=event_id).values(*CONTENT_COLUMNS).get()
    values["detail"] = json.dumps(values["detail"])
    return values


def _leaf_event(index: int) -> int:
    return AuditLeaf.objects.get(index=index).event_id


def _swap_leaves(first: int, second: int) -> None:
    """Swap two leaves whole (event and hash); event ids are unique, so one waits aside."""
    a, b = AuditLeaf.objects.get(index=first), AuditLeaf.objects.get(index=second)
    update = 'UPDATE audit_auditleaf SET event_id = %s, leaf_hash = %s WHERE "index" = %s'
    raw(update, [-a.event_id, a.leaf_hash, first])
    raw(update, [a.event_id, a.leaf_hash, second])
    raw(update, [b.event_id, b.leaf_hash, first])


def _write_row(event_id: int, values: dict[str, Any]) -> None:
    assignments = ", ".join(f"{column} = %s" for column in values)
    assert raw(f"UPDATE audit_auditevent SET {assignments} WHERE id = %s", [*values.values(), event_id]) == 1


# --- tampering behind the application's back -------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("purpose", "iets anders"),
        ("agency_id", 999),
        ("outcome", "refused"),
        ("request_id", "forged-request-id"),
        ("detail", '{"n": 99}'),
        ("leaf_hash", "0" * 64),
    ],
)
def test_altering_one_sealed_event_by_raw_sql_is_named_by_verify(log, column, value):
    victim = log[3]
    disable_append_only_guard("audit_auditevent")
    assert raw(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, victim.pk]) == 1
    summary = _assert_verify_names(victim.pk)
    assert f"event {victim.pk} (leaf 3) was altered" in summary["problems"][0]


def test_moving_an_event_in_time_is_named_by_verify(log):
    victim = log[7]
    disable_append_only_guard("audit_auditevent")
    raw("UPDATE audit_auditevent SET occurred_at = %s WHERE id = %s", [timezone.now(), victim.pk])
    _assert_verify_names(victim.pk)


def test_deleting_one_sealed_event_is_named_by_verify(log):
    victim = log[5]
    disable_append_only_guard("audit_auditevent")
    assert raw("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk]) == 1
    summary = _assert_verify_names(victim.pk)
    assert summary["problems"] == [f"event {victim.pk} (leaf 5) was removed"]


def test_swapping_the_contents_of_two_events_is_named_by_the_earlier_one(log):
    first, second = log[2], log[8]
    disable_append_only_guard("audit_auditevent")
    first_row, second_row = _row(first.pk), _row(second.pk)
    _write_row(first.pk, second_row)
    _write_row(second.pk, first_row)
    summary = _assert_verify_names(first.pk)
    assert summary["problems"][:2] == [
        f"event {first.pk} (leaf 2) was altered or moved",
        f"event {second.pk} (leaf 8) was altered or moved",
    ]


def test_swapping_the_ids_of_two_events_is_named_by_the_earlier_one(log):
    first, second = log[1], log[2]
    disable_append_only_guard("audit_auditevent")
    parking = -first.pk  # ids are unique, so one of the two waits aside
    raw("UPDATE audit_auditevent SET id = %s WHERE id = %s", [parking, first.pk])
    raw("UPDATE audit_auditevent SET id = %s WHERE id = %s", [first.pk, second.pk])
    raw("UPDATE audit_auditevent SET id = %s WHERE id = %s", [second.pk, parking])
    assert AuditEvent.objects.get(pk=first.pk).leaf_hash == second.leaf_hash
    _assert_verify_names(first.pk)


def test_swapping_two_leaves_of_one_seal_is_named_by_the_earlier_one(log):
    # Each leaf still matches its event; only the order (and the signed root) give it away.
    first, second = log[1], log[4]
    disable_append_only_guard("audit_auditleaf")
    _swap_leaves(1, 4)
    assert [_leaf_event(1), _leaf_event(4)] == [second.pk, first.pk]
    summary = _assert_verify_names(second.pk)
    assert any("signed tree head of size 6 does not match the leaves" in p for p in summary["problems"])


def test_swapping_two_neighbouring_leaves_is_named_by_the_earlier_one(log):
    first, second = log[6], log[7]
    disable_append_only_guard("audit_auditleaf")
    _swap_leaves(6, 7)
    assert [_leaf_event(6), _leaf_event(7)] == [second.pk, first.pk]
    _assert_verify_names(second.pk)


def test_swapping_leaves_across_two_seals_is_caught_by_the_signed_roots(log):
    first, second = log[5], log[6]  # the last leaf of the first seal and the first of the second
    disable_append_only_guard("audit_auditleaf")
    _swap_leaves(5, 6)
    assert [_leaf_event(5), _leaf_event(6)] == [second.pk, first.pk]
    report = audit_verify()
    assert not report.ok
    # Both seals still look ascending, so no single event can be named; the signed root still tells.
    assert report.first_bad_event_id is None
    assert "signed tree head of size 6 does not match the leaves" in report.problems


def test_rewriting_an_event_with_a_fresh_hash_everywhere_is_caught_by_the_signed_root(log):
    victim = log[4]
    disable_append_only_guard("audit_auditevent", "audit_auditleaf")
    values = {name: getattr(victim, name) for name in HASHED_FIELDS} | {"purpose": "rewritten"}
    forged = event_leaf_hash(values)
    raw("UPDATE audit_auditevent SET purpose = %s, leaf_hash = %s WHERE id = %s", ["rewritten", forged, victim.pk])
    raw('UPDATE audit_auditleaf SET leaf_hash = %s WHERE "index" = 4', [forged])
    report = audit_verify()
    assert not report.ok
    assert report.problems == [
        "signed tree head of size 6 does not match the leaves",
        "signed tree head of size 10 does not match the leaves",
    ]
    assert report.first_bad_event_id is None


def test_a_tree_head_with_a_forged_root_is_refused(log):
    disable_append_only_guard("audit_treehead")
    raw("UPDATE audit_treehead SET root_hash = %s WHERE tree_size = 10", ["ab" * 32])
    report = audit_verify()
    assert not report.ok
    assert "signed tree head of size 10 has a signature over another tree" in report.problems


def test_a_tree_head_whose_signature_was_replaced_is_refused(log):
    disable_append_only_guard("audit_treehead")
    other = TreeHead.objects.get(tree_size=6).signature
    raw("UPDATE audit_treehead SET signature = %s WHERE tree_size = 10", [other])
    report = audit_verify()
    assert not report.ok
    assert report.problems == ["signed tree head of size 10 has a signature over another tree"]


def test_a_tree_head_with_a_garbled_signature_is_refused(log):
    disable_append_only_guard("audit_treehead")
    raw("UPDATE audit_treehead SET signature = %s WHERE tree_size = 6", ["not.a.jws"])
    report = audit_verify()
    assert not report.ok
    assert report.problems == ["signed tree head of size 6 has an invalid signature"]


def test_deleting_a_leaf_is_caught(log):
    disable_append_only_guard("audit_auditleaf")
    raw('DELETE FROM audit_auditleaf WHERE "index" = 2')
    report = audit_verify()
    assert not report.ok
    assert report.problems[0] == "leaf 2 is missing (leaves jump to 3)"


def test_deleting_the_newest_leaves_is_caught_by_the_head_that_covers_them(log):
    disable_append_only_guard("audit_auditleaf")
    raw('DELETE FROM audit_auditleaf WHERE "index" >= 8')
    report = audit_verify()
    assert not report.ok
    assert report.problems == ["signed tree head of size 10 covers leaves that are missing"]


def test_deleting_the_newest_tree_head_leaves_its_leaves_uncovered_and_named(log):
    disable_append_only_guard("audit_treehead")
    raw("DELETE FROM audit_treehead WHERE tree_size = 10")
    _assert_verify_names(log[6].pk)


def test_an_event_sealed_twice_is_named(log):
    skip_unless_postgresql()  # SQLite cannot drop the unique constraint an intruder would need gone
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "audit_auditleaf")
    unique = next(n for n, c in constraints.items() if c["unique"] and c["columns"] == ["event_id"] and not c["index"])
    raw(f'ALTER TABLE audit_auditleaf DROP CONSTRAINT "{unique}"')
    disable_append_only_guard("audit_auditleaf")
    again = log[2]
    raw('UPDATE audit_auditleaf SET event_id = %s, leaf_hash = %s WHERE "index" = 7', [again.pk, again.leaf_hash])
    _assert_verify_names(again.pk)


def test_sealing_refuses_to_extend_a_frontier_that_does_not_match_its_signed_root(log):
    # An intruder who rewrote history and the newest head's (unsigned) frontier must not get the
    # platform to sign new heads over that history.
    forged = merkle.Frontier()
    for i in range(10):
        forged.append(merkle.leaf_hash(f"forged {i}".encode()))
    disable_append_only_guard("audit_treehead")
    raw("UPDATE audit_treehead SET frontier = %s WHERE tree_size = 10", [json.dumps(forged.to_json())])
    record_events(2)
    with pytest.raises(AuditTrailCorrupt, match="tree head 10"):
        audit_seal()
    with pytest.raises(CommandError, match="does not match its root"):
        call_command("audit", "seal", stdout=io.StringIO())
    assert TreeHead.objects.count() == 2


def test_an_event_inserted_behind_the_sealer_does_not_void_the_log_but_shows_as_unsealed(log):
    # INSERT stays allowed (the log is append-only, not read-only); such an event is simply sealed next.
    record_events(1)
    report = audit_verify()
    assert report.ok
    assert report.unsealed_events == 1


# --- the database refuses UPDATE and DELETE --------------------------------------------------


def _sealed_rows() -> dict[type[models.Model], models.Model]:
    record_events(3)
    head = audit_seal()
    assert head is not None
    return {AuditEvent: AuditEvent.objects.first(), AuditLeaf: AuditLeaf.objects.first(), TreeHead: head}


_CHANGES: dict[str, Callable[[models.Model], Any]] = {
    "save": lambda row: row.save(),
    "delete": lambda row: row.delete(),
    "queryset update": lambda row: type(row).objects.filter(pk=row.pk).update(**_harmless_change(row)),
    "queryset delete": lambda row: type(row).objects.all().delete(),
    "raw update": lambda row: raw(
        f"UPDATE {type(row)._meta.db_table} SET {_first_text_column(row)} = %s",
        ["x"],
    ),
    "raw delete": lambda row: raw(f"DELETE FROM {type(row)._meta.db_table}"),
}


def _harmless_change(row: models.Model) -> dict[str, Any]:
    return {_first_text_column(row): "x"}


def _first_text_column(row: models.Model) -> str:
    return {AuditEvent: "purpose", AuditLeaf: "leaf_hash", TreeHead: "root_hash"}[type(row)]


@pytest.mark.parametrize("change", list(_CHANGES))
@pytest.mark.parametrize("model", [AuditEvent, AuditLeaf, TreeHead], ids=lambda m: m.__name__)
def test_the_database_refuses_to_change_or_delete_audit_rows(model, change):
    row = _sealed_rows()[model]
    before = list(model.objects.order_by("pk").values())
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _CHANGES[change](row)
    assert list(model.objects.order_by("pk").values()) == before


@pytest.mark.parametrize("table", ["audit_auditevent", "audit_auditleaf", "audit_treehead"])
def test_postgresql_refuses_to_truncate_audit_tables(table):
    skip_unless_postgresql()
    _sealed_rows()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(f"TRUNCATE {table}")


def test_appending_stays_allowed():
    before = AuditEvent.objects.count()
    record_events(2)
    assert audit_seal() is not None
    assert AuditEvent.objects.count() == before + 2
