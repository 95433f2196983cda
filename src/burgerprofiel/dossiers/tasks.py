"""DOSIS background work: thin wrappers around services, each safe to run twice."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def dosis_uploads_process() -> dict[str, Any]:
    """Work through the queue of accepted uploads, a batch at a time."""
    from burgerprofiel.dossiers.services import dossier_uploads_process_all
    from burgerprofiel.notifications.dosis import dosis_status_changes_consume_all

    processed = dossier_uploads_process_all()
    # Status changes become meldingen right away rather than at the next housekeeping round.
    return {"processed": processed, "meldingen": dosis_status_changes_consume_all()}


@task()
def dosis_retention_purge() -> dict[str, Any]:
    """Purge closed dossiers past their order's retention (schedule daily)."""
    from burgerprofiel.dossiers.services import dossiers_purge_expired

    return {"purged": dossiers_purge_expired()}
