"""Payment tasks: thin, safe to run twice (a sync moves a payment only forward, under its row lock)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django_tasks import task

from burgerprofiel.payments.services import payments_stale_sync


@task()
def payments_stale_sync_task() -> dict[str, int]:
    """Periodic: fetch payments and refunds under way that no provider webhook moved for a while."""
    return payments_stale_sync(unchanged_for=dt.timedelta(seconds=settings.PAYMENTS_SYNC_AFTER_SECONDS))
