from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the task worker, and enqueue the periodic tasks (audit sealing, clean-ups)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-scheduler", action="store_true", help="Only work tasks; enqueue nothing.")

    def handle(self, *args: Any, no_scheduler: bool, **options: Any) -> None:
        if not no_scheduler:
            threading.Thread(target=self._schedule, daemon=True, name="scheduler").start()
        call_command("db_worker", interval=1)

    def _schedule(self) -> None:
        import time

        from django.db import close_old_connections

        from burgerprofiel.common.tasks import periodic_housekeeping

        while True:
            close_old_connections()
            try:
                periodic_housekeeping.enqueue()
            except Exception:  # a failed enqueue is retried next round; the worker must keep running
                import logging

                logging.getLogger(__name__).exception("could not enqueue periodic tasks")
            time.sleep(settings.AUDIT_SEAL_INTERVAL_SECONDS)
