"""OAuth background work: thin wrappers around services, each safe to run twice."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from burgerprofiel.oauth.services import used_assertions_purge


@task()
def used_assertions_purge_task() -> dict[str, Any]:
    """Periodic: forget replay-protection entries of client assertions that have expired anyway."""
    return {"assertions_forgotten": used_assertions_purge()}
