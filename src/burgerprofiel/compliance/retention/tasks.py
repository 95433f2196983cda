"""Retention tasks: thin wrappers around services, each safe to run twice."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from burgerprofiel.compliance.retention.services import (
    retention_component_run,
    retention_jobs,
    retention_platform_run,
)


@task()
def retention_schedule_task() -> dict[str, Any]:
    """Periodic: queue one retention job per agency and component, and one per kind of platform data."""
    jobs = retention_jobs()
    for agency_id, scope in jobs:
        if agency_id is None:
            retention_platform_task.enqueue(scope=scope)
        else:
            retention_component_task.enqueue(agency_id=agency_id, component=scope)
    return {"queued": len(jobs)}


@task()
def retention_component_task(*, agency_id: int, component: str) -> dict[str, Any]:
    run = retention_component_run(agency_id=agency_id, component=component)
    return {"purged": run.purged if run else None}


@task()
def retention_platform_task(*, scope: str) -> dict[str, Any]:
    run = retention_platform_run(scope=scope)
    return {"purged": run.purged if run else None}
