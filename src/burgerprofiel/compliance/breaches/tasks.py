from __future__ import annotations

from django_tasks import task

from burgerprofiel.compliance.breaches.detectors import detectors_run
from burgerprofiel.compliance.breaches.services import breach_deadlines_check


@task()
def breaches_check_task() -> dict[str, int]:
    """Periodic: the detectors open drafts; unnotified breaches near or past their deadline warn."""
    opened = detectors_run()
    warned = breach_deadlines_check()
    return {f"opened_{k}": v for k, v in opened.items()} | {f"deadline_{k}": v for k, v in warned.items()}
