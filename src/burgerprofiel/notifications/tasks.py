from __future__ import annotations

from typing import Any

from django_tasks import task

from burgerprofiel.notifications.dispatch import deliveries_dispatch, deliveries_sweep
from burgerprofiel.notifications.dosis import dosis_status_changes_consume_all


@task()
def deliveries_dispatch_task() -> dict[str, int]:
    """Send what is due (a wake-up after new outbox rows; running it twice is harmless)."""
    return deliveries_dispatch()


@task()
def notifications_housekeeping_task() -> dict[str, Any]:
    """Periodic: end interrupted sends, send due retries. (Content past retention: the retention job,
    burgerprofiel.compliance.retention, per agency.)"""
    return {"interrupted": deliveries_sweep(), "dispatched": deliveries_dispatch()}


@task()
def dosis_status_changes_task() -> dict[str, Any]:
    """After DOSIS filing (``settings.DOSIS_AFTER_FILING_TASKS``): the status changes become meldingen."""
    return {"meldingen": dosis_status_changes_consume_all()}
