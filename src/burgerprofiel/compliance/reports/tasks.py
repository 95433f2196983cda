from __future__ import annotations

from django_tasks import task

from burgerprofiel.audit.actors import SYSTEM
from burgerprofiel.compliance.reports.services import obligations_reports_send_due


@task()
def obligations_reports_send_due_task() -> int:
    """The platform's periodic report on its obligations to each agency (charter 9)."""
    return obligations_reports_send_due(actor=SYSTEM)
