"""Webhook tasks: thin, safe to run twice (a delivery row is claimed by one worker at a time)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from burgerprofiel.webhooks.dispatch import webhook_deliveries_dispatch
from burgerprofiel.webhooks.services import webhooks_purge_expired


@task()
def webhook_deliveries_dispatch_task() -> dict[str, int]:
    """Send what is due (the wake-up after an event commits)."""
    return webhook_deliveries_dispatch()


@task()
def webhooks_housekeeping_task() -> dict[str, Any]:
    """Periodic: send retries that came due, forget what is past ``WEBHOOKS_RETENTION_DAYS``."""
    return {"dispatched": webhook_deliveries_dispatch(), "purged": webhooks_purge_expired()}
