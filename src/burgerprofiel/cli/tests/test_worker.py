"""The worker's scheduler: periodic work is data (settings.PERIODIC_TASKS), enqueued by dotted path."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task

from burgerprofiel.api.models import IdempotencyRecord
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import SYSTEM
from burgerprofiel.audit.models import AuditEvent, TreeHead
from burgerprofiel.audit.services import audit_record
from burgerprofiel.cli.management.commands.worker import periodic_due, periodic_enqueue
from burgerprofiel.oauth.models import UsedAssertion

SCHEDULE = {"often": {"task": "x.often", "seconds": 15}, "hourly": {"task": "x.hourly", "seconds": 3600}}


def test_every_periodic_task_names_a_task_of_its_own_app():
    for name, entry in settings.PERIODIC_TASKS.items():
        task = import_string(entry["task"])
        assert isinstance(task, Task), name
        assert task.module_path == entry["task"], name
        assert entry["task"].rsplit(".", 2)[1] == "tasks", name  # an app's own tasks.py (nested apps too)
        assert int(entry["seconds"]) > 0, name


def test_the_schedule_runs_what_the_worker_ran_before_and_as_often():
    every = {
        name: (entry["task"].rsplit(".", 1)[1], entry["seconds"]) for name, entry in settings.PERIODIC_TASKS.items()
    }
    often, hourly = settings.WORKER_SCHEDULE_INTERVAL_SECONDS, settings.RETENTION_PURGE_INTERVAL_SECONDS
    assert sorted(every.values()) == sorted(
        [
            ("dosis_uploads_process", often),  # uploads still queued, then their meldingen
            ("dosis_uploads_reseal", 60),  # bp1: payloads queued by old web processes during an upgrade
            ("audit_seal_task", often),
            ("audit_failures_flush_task", often),  # failed authentications, aggregated per window
            ("used_assertions_purge_task", often),
            ("idempotency_records_purge_task", often),
            ("notifications_housekeeping_task", often),
            ("webhooks_housekeeping_task", often),  # webhook retries that came due, events past retention
            ("partitions_ensure_task", 3600),  # the coming months' partitions (PostgreSQL), months ahead of need
            ("payments_stale_sync_task", 300),  # payments no provider webhook moved: asked of the provider
            ("retention_schedule_task", hourly),  # one retention job per agency and component, and platform data
            ("charter_terminations_execute_task", 3600),  # terminations under a charter amendment that came due
            ("obligations_reports_send_due_task", 86400),  # the platform's own report to each agency (charter 9)
            ("subject_requests_remind_task", 3600),  # data-subject requests whose deadline comes near
            ("subprocessor_changes_apply_task", hourly),  # planned sub-processor changes whose date came
            ("notice_mails_task", often),  # the processor's notices mailed to agencies' contacts and DPO
            ("legal_holds_task", hourly),  # legal holds past their end date: their records purged
            ("breaches_check_task", 60),  # breach detectors (drafts) and the notice deadline's warnings
        ]
    )


def test_at_start_every_periodic_task_is_due_in_the_schedules_order():
    assert periodic_due(SCHEDULE, {}, now=5.0) == ["often", "hourly"]


def test_a_task_is_due_again_only_once_its_interval_has_passed():
    last = {"often": 100.0, "hourly": 100.0}
    assert periodic_due(SCHEDULE, last, now=114.9) == []
    assert periodic_due(SCHEDULE, last, now=115.0) == ["often"]
    assert periodic_due(SCHEDULE, last, now=3700.0) == ["often", "hourly"]


def test_a_task_whose_enqueue_failed_is_tried_again_at_the_next_round(monkeypatch: Any):
    enqueued: list[str] = []

    class Fake:
        def __init__(self, path: str) -> None:
            self.path = path

        def enqueue(self) -> None:
            if self.path == "x.often":
                raise ConnectionError("the database went away")
            enqueued.append(self.path)

    monkeypatch.setattr("burgerprofiel.cli.management.commands.worker.import_string", Fake)
    last = periodic_enqueue(SCHEDULE, {}, now=10.0)
    assert enqueued == ["x.hourly"]
    assert last == {"hourly": 10.0}
    assert periodic_due(SCHEDULE, last, now=11.0) == ["often"]


@pytest.mark.django_db
def test_one_round_of_the_scheduler_runs_the_declared_tasks():
    """Each task must have something to do, and leave alone what it must keep: a purge run on an
    empty database would pass while doing nothing."""
    audit_record(actor=SYSTEM, action=AuditAction.PORTAL_LOGIN)
    now = timezone.now()
    UsedAssertion.objects.create(client_id="c", jti="expired", expires_at=now - dt.timedelta(hours=1))
    UsedAssertion.objects.create(client_id="c", jti="live", expires_at=now + dt.timedelta(minutes=5))
    old, fresh = (
        IdempotencyRecord.objects.create(client_id="c", key=key, method="POST", path="/x", request_hash="0" * 64)
        for key in ("old", "fresh")
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(
        created_at=now - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS + 1)
    )

    last = periodic_enqueue(settings.PERIODIC_TASKS, {}, now=0.0)  # the test backend runs tasks inline

    assert set(last) == set(settings.PERIODIC_TASKS)
    assert TreeHead.objects.get().tree_size == AuditEvent.objects.count()
    assert list(UsedAssertion.objects.values_list("jti", flat=True)) == ["live"]
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [fresh.pk]


class _Stop(BaseException):
    """Ends ``drain``'s endless loop in a test (not an Exception: drain would back off and go on)."""


def test_the_delivery_loop_waits_after_a_short_batch_so_the_next_one_gathers_more(monkeypatch: Any, settings: Any):
    from burgerprofiel.cli.management.commands import worker

    settings.NOTIFICATIONS_BATCH_SIZE = 10
    settings.NOTIFICATIONS_GATHER_MS = 30
    settings.NOTIFICATIONS_DRAIN_INTERVAL_MS = 50
    rounds = iter([3, 10, 0, 1])
    slept: list[tuple[int, float]] = []
    taken: list[int] = []

    def step() -> int:
        try:
            taken.append(next(rounds))
        except StopIteration:
            raise _Stop from None
        return taken[-1]

    monkeypatch.setattr(worker.time, "sleep", lambda seconds: slept.append((taken[-1], seconds)))
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)
    from burgerprofiel.notifications import dispatch

    monkeypatch.setattr(dispatch, "deliveries_dispatch", lambda **kwargs: {"delivered": step()})
    with pytest.raises(_Stop):
        worker.Command()._deliveries_drain()
    # A short batch (3 of 10): the gather pause; a full one: at once; none: the idle interval.
    assert slept == [(3, 0.03), (0, 0.05), (1, 0.03)]
    settings.NOTIFICATIONS_GATHER_MS = 0
    rounds = iter([3, 1])
    with pytest.raises(_Stop):
        worker.Command()._deliveries_drain()
    assert slept == [(3, 0.03), (0, 0.05), (1, 0.03)]  # off: no pause after a batch at all
