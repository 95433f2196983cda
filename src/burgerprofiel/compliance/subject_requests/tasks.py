from __future__ import annotations

from django_tasks import task

from burgerprofiel.audit.actors import SYSTEM
from burgerprofiel.compliance.subject_requests.services import subject_requests_remind


@task()
def subject_requests_remind_task() -> int:
    """Remind agencies of data-subject requests whose one-month deadline comes near (GDPR 12(3))."""
    return subject_requests_remind(actor=SYSTEM)
