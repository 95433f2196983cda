from __future__ import annotations

from django_tasks import task

from burgerprofiel.compliance.charter.services import charter_terminations_execute


@task()
def charter_terminations_execute_task() -> int:
    """Terminations under an amendment whose date came (charter 14.3)."""
    return charter_terminations_execute()
