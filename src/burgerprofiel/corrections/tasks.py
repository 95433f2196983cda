"""Error-report tasks: thin, safe to run twice."""

from __future__ import annotations

from django_tasks import task

from burgerprofiel.corrections.services import error_reports_purge_expired


@task()
def error_reports_purge_task() -> int:
    """Periodic: reports (with attachment and history) past their order's retention of foutmeldingen."""
    return error_reports_purge_expired()
