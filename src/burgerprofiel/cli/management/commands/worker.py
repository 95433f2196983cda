"""``burgerprofiel worker``: the task worker, the drain loops of the DOSIS queue and of the delivery
outbox, and the periodic scheduler.

The two queues whose throughput matters are tables read directly, not tasks: a task per upload or
per melding would cap them at the task backend's rate (about 95 tasks/s for one ``db_worker``) and
add its polling interval to every melding's latency.

What runs periodically, and how often, is data: ``settings.PERIODIC_TASKS`` names each task by its
dotted path (a task in its own app's ``tasks.py``) with its interval. The worker imports them by
name, so no app has to import another to be scheduled.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils.module_loading import import_string

from burgerprofiel.compliance.subprocessors.checks import outbound_endpoints_check
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


def drain(
    name: str,
    step: Callable[[], int],
    *,
    idle_ms: Callable[[], int],
    gather_ms: Callable[[int], int] = lambda taken: 0,
) -> None:
    """Run ``step`` (one round over a queue table; returns how much it took) for ever: again at once
    while there is work, after ``idle_ms`` when there was none, backing off while it fails (the
    database went away, say: the rows stay queued). After a round that took some, ``gather_ms(taken)``
    milliseconds pass before the next one (0: at once): under a steady trickle a round that comes at
    once finds only what arrived while the last one ran, and its cost is mostly per round."""
    failures = 0
    while True:
        close_old_connections()
        try:
            taken = step()
        except Exception:
            failures += 1
            if failures == 1 or failures % 30 == 0:  # the first failure, then every ~5 minutes
                log.exception("could not drain %s", name)
            close_old_connections()
            time.sleep(min(0.5 * 2 ** (failures - 1), 10))  # back off: 0.5 s, 1 s, 2 s ... at most 10 s
            continue
        failures = 0
        if not taken:  # nothing queued: wait before looking again
            time.sleep(idle_ms() / 1000)
        elif pause := gather_ms(taken):
            time.sleep(pause / 1000)


class Command(BaseCommand):
    help = (
        "De taakverwerker: voert taken uit, verwerkt aanvaarde DOSIS-uploads zodra ze binnenkomen en plant de "
        "periodieke taken in (settings.PERIODIC_TASKS: audit verzegelen, opruimen, bewaartermijnen)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-scheduler", action="store_true", help="Enkel taken uitvoeren; niets inplannen.")

    def handle(self, *args: Any, no_scheduler: bool, **options: Any) -> None:
        try:
            outbound_endpoints_check()  # production: every outbound endpoint has a sub-processor (charter 6)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        # Everything loaded so far (Django, the apps, their modules) lives as long as the process:
        # moved out of the collector's sight, so that the cyclic collections a batch's many new
        # objects set off no longer walk it. Filing a DOSIS upload cost a quarter less Python CPU.
        gc.collect()
        gc.freeze()
        if not no_scheduler:
            threading.Thread(target=self._schedule, daemon=True, name="scheduler").start()
        for n in range(max(1, settings.DOSIS_DRAIN_THREADS)):
            threading.Thread(target=self._dosis_drain, daemon=True, name=f"dosis-{n}").start()
        for n in range(max(1, settings.NOTIFICATIONS_DRAIN_THREADS)):
            threading.Thread(target=self._deliveries_drain, args=(n,), daemon=True, name=f"deliveries-{n}").start()
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
        """File accepted DOSIS uploads as they come: the upload rows are the queue (no task per upload).
        Runs on DOSIS_DRAIN_THREADS threads, each with its own connection: a batch is half Python
        (reading, planning, sealing) and half waiting for PostgreSQL, so a second thread plans the
        next batch while the first one's is written. They claim with SKIP LOCKED and lock the
        dossiers they file into, as separate workers do: no upload is filed twice."""
        drain("the DOSIS upload queue", dosis_queue_drain, idle_ms=lambda: settings.DOSIS_DRAIN_INTERVAL_MS)

    def _deliveries_drain(self, n: int = 0) -> None:
        """Send meldingen as they are accepted: the delivery rows are the outbox (no task per melding).
        Runs on NOTIFICATIONS_DRAIN_THREADS threads: a message is mostly waiting for the mail server's
        answers (four round trips), so while one thread waits another builds and sends. Each thread
        leases under a name of its own and keeps its own session between batches (``SenderSessions``), as a
        separate worker would."""
        from burgerprofiel.notifications.dispatch import (  # lazy: cli sits above it
            SenderSessions,
            deliveries_dispatch,
            worker_id,
        )

        name = f"{worker_id()[:60]}:{n}"
        sessions = SenderSessions()  # the thread's SMTP session, kept between batches

        def send() -> int:
            return sum(deliveries_dispatch(max_batches=20, worker=name, sessions=sessions).values())

        def gather(taken: int) -> int:
            # A round short of a full batch emptied the outbox: let the next one gather a batch.
            return settings.NOTIFICATIONS_GATHER_MS if taken < settings.NOTIFICATIONS_BATCH_SIZE else 0

        drain(
            "the delivery outbox",
            send,
            idle_ms=lambda: settings.NOTIFICATIONS_DRAIN_INTERVAL_MS,
            gather_ms=gather,
        )

    def _schedule(self) -> None:
        last: dict[str, float] = {}
        while True:
            close_old_connections()
            last = periodic_enqueue(settings.PERIODIC_TASKS, last, time.monotonic())
            time.sleep(settings.WORKER_SCHEDULE_INTERVAL_SECONDS)
