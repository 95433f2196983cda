from __future__ import annotations

from django_tasks import task

from burgerprofiel.audit.actors import SYSTEM, Actor
from burgerprofiel.compliance.offboarding.models import Offboarding
from burgerprofiel.compliance.offboarding.services import (
    OffboardingBusy,
    legal_holds_release_due,
    offboarding_run,
)


@task()
def offboarding_run_task(offboarding_id: int, actor_kind: str, actor_id: str) -> dict[str, object]:
    """Run (or continue) one offboarding in the worker: started from the back-office, where a web
    request must not wait for a whole agency's deletion. Safe to run twice (it resumes)."""
    offboarding = Offboarding.objects.get(pk=offboarding_id)
    try:
        done = offboarding_run(offboarding=offboarding, actor=Actor(kind=actor_kind, id=actor_id))
    except OffboardingBusy:  # another run (CLI, legal-holds task) has it: that one finishes it
        return {"offboarding": offboarding.pk, "state": "busy", "counts": offboarding.counts}
    return {"offboarding": done.pk, "state": done.state, "counts": done.counts}


@task()
def legal_holds_task() -> dict[str, int]:
    """Periodic: end the legal holds past their date and finish the offboardings they held back."""
    return {"released": legal_holds_release_due(actor=SYSTEM)}
