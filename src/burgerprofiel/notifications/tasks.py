from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def deliveries_dispatch_task() -> dict[str, int]:
    """Send what is due (a wake-up after new outbox rows; running it twice is harmless)."""
    from burgerprofiel.notifications.dispatch import deliveries_dispatch

    return deliveries_dispatch()


@task()
def notifications_housekeeping_task() -> dict[str, Any]:
    """Periodic: end interrupted sends, send due retries, purge content past retention."""
    from burgerprofiel.notifications.dispatch import deliveries_dispatch, deliveries_sweep
    from burgerprofiel.notifications.services import notifications_purge_expired

    return {
        "interrupted": deliveries_sweep(),
        "dispatched": deliveries_dispatch(),
        "purged": notifications_purge_expired(),
    }
