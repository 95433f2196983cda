"""DOSIS background work: thin wrappers around services, each safe to run twice."""

from __future__ import annotations

from typing import Any

from django_tasks import task

# From the modules, not the package: the package's accept module imports this one (for the kick).
from burgerprofiel.dossiers.services.filing import (
    dosis_after_filing,
    dossier_uploads_process_all,
    dossier_uploads_reseal,
)


@task()
def dosis_uploads_process() -> dict[str, Any]:
    """Work through the queue of accepted uploads, a batch at a time, then what follows filing
    (``settings.DOSIS_AFTER_FILING_TASKS``: their status changes become meldingen right away
    rather than at the next housekeeping round)."""
    return {"processed": dossier_uploads_process_all(), **dosis_after_filing()}


@task()
def dosis_uploads_reseal() -> dict[str, int]:
    """Seal again the queued payloads that web processes on the code before ``crypto.0002`` sealed as
    ``bp1:`` during a rolling upgrade (the worker leaves them pending), so they are filed."""
    return dossier_uploads_reseal()
