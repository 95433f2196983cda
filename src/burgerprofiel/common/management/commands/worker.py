from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the task worker, file accepted DOSIS uploads as they arrive, and enqueue the periodic tasks "
        "(audit sealing, clean-ups)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-scheduler", action="store_true", help="Only work tasks; enqueue nothing.")

    def handle(self, *args: Any, no_scheduler: bool, **options: Any) -> None:
        import logging
        import time

        from django.db import close_old_connections

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
                logging.getLogger(__name__).warning("task worker stopped; restarting in 2 s", exc_info=True)
                close_old_connections()
                time.sleep(2)

    def _dosis_drain(self) -> None:
        """File accepted DOSIS uploads as they come: the upload rows are the queue (no task per upload)."""
        import logging
        import time

        from django.db import close_old_connections

        from burgerprofiel.dossiers.services import dosis_queue_drain

        failures = 0
        while True:
            close_old_connections()
            try:
                claimed = dosis_queue_drain()
            except Exception:  # the database went away, say: the uploads stay queued; look again later
                failures += 1
                if failures == 1 or failures % 30 == 0:  # the first failure, then every ~5 minutes
                    logging.getLogger(__name__).exception("could not drain the DOSIS upload queue")
                close_old_connections()
                time.sleep(min(0.5 * 2 ** (failures - 1), 10))  # back off: 0.5 s, 1 s, 2 s ... at most 10 s
                continue
            failures = 0
            if not claimed:  # the queue is empty: wait before looking again
                time.sleep(settings.DOSIS_DRAIN_INTERVAL_MS / 1000)

    def _schedule(self) -> None:
        import time

        from django.db import close_old_connections

        from burgerprofiel.common.tasks import periodic_housekeeping, retention_purge
        from burgerprofiel.notifications.tasks import notifications_housekeeping_task
        from burgerprofiel.webhooks.tasks import webhooks_housekeeping_task

        last_retention = 0.0
        while True:
            close_old_connections()
            try:
                periodic_housekeeping.enqueue()
                notifications_housekeeping_task.enqueue()  # retries, stuck sends, content past retention
                webhooks_housekeeping_task.enqueue()  # webhook retries that came due, events past retention
                if time.monotonic() - last_retention >= settings.RETENTION_PURGE_INTERVAL_SECONDS:
                    retention_purge.enqueue()
                    last_retention = time.monotonic()
            except Exception:  # a failed enqueue is retried next round; the worker must keep running
                import logging

                logging.getLogger(__name__).exception("could not enqueue periodic tasks")
            time.sleep(settings.WORKER_SCHEDULE_INTERVAL_SECONDS)
