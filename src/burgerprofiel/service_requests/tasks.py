"""Service-request tasks: thin, safe to run twice."""

from __future__ import annotations

from django_tasks import task

from burgerprofiel.service_requests.services import service_requests_purge_expired


@task()
def service_requests_purge_task() -> int:
    """Periodic: requests past their order's retention of aanvragen."""
    return service_requests_purge_expired()
