"""The large append-only tables are partitioned by month on PostgreSQL (``common.partitions`` and the
migrations audit 0005, dossiers 0004, notifications 0002); SQLite keeps plain tables.

The partition DDL is transactional: each test's changes are rolled back with it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_seal_all, audit_verify
from burgerprofiel.audit.tests.factories import raw, record_events
from burgerprofiel.common import partitions
from burgerprofiel.common.tasks import partitions_ensure_task
from burgerprofiel.dossiers.models import DossierStatus
from burgerprofiel.dossiers.tests.conftest import BRON, full_payload

pytestmark = pytest.mark.django_db

TABLES = {
    "audit_auditevent": "occurred_at",
    "dossiers_dossierstatus": "modified_at",
    "notifications_delivery": "created_at",
}


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("partitioning is PostgreSQL's: on SQLite these tables stay plain tables, by design")


def _months_from_now(months: int) -> dt.datetime:
    today = timezone.now().astimezone(dt.UTC)
    index = today.year * 12 + today.month - 1 + months
    return dt.datetime(index // 12, index % 12 + 1, 15, 12, 0, tzinfo=dt.UTC)


def _partition_of(table: str, row_id: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [row_id])
        return str(cursor.fetchone()[0])


def _partitions(table: str) -> list[str]:
    with connection.cursor() as cursor:
        return partitions.partitions_of(cursor, table)


def test_the_three_append_only_tables_are_partitioned_by_month_with_this_month_and_the_next_three_ready() -> None:
    with connection.cursor() as cursor:
        found = {p.table: p.key for p in partitions.partitioned_tables(cursor)}
        cursor.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'p' AND conrelid::regclass::text = ANY(%s)",
            [list(TABLES)],
        )
        primary_keys = dict(cursor.fetchall())

    assert found == TABLES
    for table, key in TABLES.items():
        assert primary_keys[table] == f"PRIMARY KEY (id, {key})"
        names = _partitions(table)
        assert f"{table}_default" in names
        for ahead in range(partitions.MONTHS_AHEAD + 1):
            month = _months_from_now(ahead)
            assert f"{table}_p{month.year}_{month.month:02d}" in names


def test_the_periodic_task_creates_coming_months_once_and_a_second_run_creates_nothing() -> None:
    assert settings.PERIODIC_TASKS["partitions"]["task"] == "burgerprofiel.common.tasks.partitions_ensure_task"
    with time_machine.travel(_months_from_now(7), tick=False):
        first = partitions_ensure_task.enqueue().return_value["partitions_created"]
        second = partitions.partitions_ensure()

    assert first == 3 * 4  # months 7 to 10 from now, for each of the three tables (months up to 3 exist)
    assert second == 0
    month = _months_from_now(10)
    assert f"dossiers_dossierstatus_p{month.year}_{month.month:02d}" in _partitions("dossiers_dossierstatus")


def test_rows_dated_in_a_month_without_a_partition_are_kept_and_move_to_it_when_it_is_created() -> None:
    later = _months_from_now(9)
    with time_machine.travel(later, tick=False):
        events = record_events(3)
    assert {_partition_of("audit_auditevent", e.pk) for e in events} == {"audit_auditevent_default"}
    audit_seal_all()

    with time_machine.travel(later, tick=False):
        partitions.partitions_ensure()

    expected = f"audit_auditevent_p{later.year}_{later.month:02d}"
    assert {_partition_of("audit_auditevent", e.pk) for e in events} == {expected}
    report = audit_verify()  # same ids, same content: every hash and signed head still holds
    assert report.ok, report.problems
    assert report.events_checked == AuditEvent.objects.count()


def test_every_partition_of_the_audit_log_refuses_update_delete_and_truncate_also_one_created_later() -> None:
    with time_machine.travel(_months_from_now(6), tick=False):
        partitions.partitions_ensure()
    names = _partitions("audit_auditevent")
    assert len(names) >= 9
    for name in names:  # one event in each (a row trigger fires only for rows)
        year, month = (2000, 1) if name.endswith("_default") else map(int, name.rsplit("_p", 1)[1].split("_"))
        with time_machine.travel(dt.datetime(year, month, 15, tzinfo=dt.UTC), tick=False):
            [event] = record_events(1)
        assert _partition_of("audit_auditevent", event.pk) == name
    for name in names:
        for statement in (f"UPDATE {name} SET purpose = 'x'", f"DELETE FROM {name}", f"TRUNCATE {name}"):
            with (
                pytest.raises(DatabaseError, match=r"append-only: \w+ on audit_auditevent refused"),
                transaction.atomic(),
            ):
                raw(statement)


def test_audit_verify_passes_over_events_spread_across_months_and_the_default_partition() -> None:
    for months in (-30, 0, 2, 8):  # 30 months back and 8 ahead land in the default partition
        with time_machine.travel(_months_from_now(months), tick=False):
            record_events(2, action=f"test.month{months}")
    audit_seal_all()

    report = audit_verify()

    assert report.ok, report.problems
    assert report.events_checked == AuditEvent.objects.count()
    spread = {_partition_of("audit_auditevent", pk) for pk in AuditEvent.objects.values_list("pk", flat=True)}
    now, ahead = _months_from_now(0), _months_from_now(2)
    assert spread == {
        "audit_auditevent_default",
        f"audit_auditevent_p{now.year}_{now.month:02d}",
        f"audit_auditevent_p{ahead.year}_{ahead.month:02d}",
    }


def test_the_status_history_keeps_one_status_per_dossier_and_moment_across_partitions(
    client: Client, upload: Any
) -> None:
    first = full_payload(WijzigingsDatum="2019-05-02T09:30:00+02:00")  # years back: the default partition
    assert upload(first).status_code == 200
    again = full_payload(UploadId="upl-0002", WijzigingsDatum="2019-05-02T09:30:00+02:00")
    assert upload(again).status_code == 200  # the same moment again changes nothing
    now = timezone.now().astimezone(dt.UTC).isoformat()
    assert upload(full_payload(UploadId="upl-0003", WijzigingsDatum=now)).status_code == 200

    statuses = list(DossierStatus.objects.order_by("modified_at"))
    assert len(statuses) == 2
    assert _partition_of("dossiers_dossierstatus", statuses[0].pk) == "dossiers_dossierstatus_default"
    month = timezone.now().astimezone(dt.UTC)
    assert _partition_of("dossiers_dossierstatus", statuses[1].pk) == (
        f"dossiers_dossierstatus_p{month.year}_{month.month:02d}"
    )
    with pytest.raises(DatabaseError), transaction.atomic():  # the database itself still refuses a twin
        raw(
            "INSERT INTO dossiers_dossierstatus (dossier_id, agency_id, phase, code, detail, action_needed, "
            "action_text, modified_at, content_hash, created_at) SELECT dossier_id, agency_id, phase, code, "
            "detail, action_needed, action_text, modified_at, content_hash, created_at FROM dossiers_dossierstatus "
            "WHERE id = %s",
            [statuses[0].pk],
        )


@pytest.fixture
def upload(client: Client, agency: Any) -> Any:
    from burgerprofiel.agencies.models import Agency
    from burgerprofiel.conftest import TEST_ACTOR, bearer
    from burgerprofiel.dossiers.services import dosis_source_register

    dosis_source_register(agency=Agency.objects.get(pk=agency.agency_id), uri=BRON, actor=TEST_ACTOR)
    headers = bearer(client, agency)

    def send(payload: dict[str, Any]) -> Any:
        return client.post("/api/v2/dosis/dossiers", json.dumps(payload), content_type="application/json", **headers)

    return send
