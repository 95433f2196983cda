"""``burgerprofiel worker``: the task worker, the DOSIS queue's drain loop and the periodic scheduler.

What runs periodically, and how often, is data: ``settings.PERIODIC_TASKS`` names each task by its
dotted path (a task in its own app's ``tasks.py``) with its interval. The worker imports them by
name, so no app has to import another to be scheduled.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import import_string

from burgerprofiel.dossiers.services import dosis_queue_drain

log = logging.getLogger(__name__)


def periodic_due(schedule: Mapping[str, Mapping[str, Any]], last: Mapping[str, float], now: float) -> list[str]:
    """The names of the periodic tasks to enqueue at ``now`` (monotonic seconds), in the schedule's order:
    those never enqueued by this worker and those whose interval has passed since they last were."""
    return [name for name, entry in schedule.items() if name not in last or now - last[name] >= entry["seconds"]]


def periodic_enqueue(
    schedule: Mapping[str, Mapping[str, Any]], last: Mapping[str, float], now: float
) -> dict[str, float]:
    """Enqueue what is due; return when each task was last enqueued. A task whose enqueue failed keeps
    its old time, so it is tried again at the next round."""
    enqueued = dict(last)
    for name in periodic_due(schedule, last, now):
        try:
            import_string(schedule[name]["task"]).enqueue()
        except Exception:  # a failed enqueue is retried next round; the worker must keep running
            log.exception("could not enqueue periodic task %s", name)
            continue
        enqueued[name] = now
    return enqueued


class Command(BaseCommand):
    help = (
        "Run the task worker, file accepted DOSIS uploads as they arrive, and enqueue the periodic tasks "
        "(settings.PERIODIC_TASKS: audit sealing, clean-ups, retention)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-scheduler", action="store_true", help="Only work tasks; enqueue nothing.")

    def handle(self, *args: Any, no_scheduler: bool, **options: Any) -> None:
        if not no_scheduler:
            threading.Thread(target=self._schedule, daemon=True, name="scheduler").start()
        threading.Thread(target=self._dosis_drain, daemon=True, name="dosis").start()
        while True:
            # db_worker exits when the database goes away (a PostgreSQL restart); come back.
            try:
                call_command("db_worker", interval=1)
                return
            except (SystemExit, Exception) as exc:
                if isinstance(exc, SystemExit) and exc.code in (0, None):
                    return
                log.warning("task worker stopped; restarting in 2 s", exc_info=True)
                close_old_connections()
                time.sleep(2)

    def _dosis_drain(self) -> None:
        """File accepted DOSIS uploads as they come: the upload rows are the queue (no task per upload)."""
        failures = 0
        while True:
            close_old_connections()
            try:
                claimed = dosis_queue_drain()
            except Exception:  # the database went away, say: the uploads stay queued; look again later
                failures += 1
                if failures == 1 or failures % 30 == 0:  # the first failure, then every ~5 minutes
                    log.exception("could not drain the DOSIS upload queue")
                close_old_connections()
                time.sleep(min(0.5 * 2 ** (failures - 1), 10))  # back off: 0.5 s, 1 s, 2 s ... at most 10 s
                continue
            failures = 0
            if not claimed:  # the queue is empty: wait before looking again
                time.sleep(settings.DOSIS_DRAIN_INTERVAL_MS / 1000)

    def _schedule(self) -> None:
        last: dict[str, float] = {}
        while True:
            close_old_connections()
            last = periodic_enqueue(settings.PERIODIC_TASKS, last, time.monotonic())
            time.sleep(settings.WORKER_SCHEDULE_INTERVAL_SECONDS)
