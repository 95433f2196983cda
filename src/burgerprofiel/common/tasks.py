from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def periodic_housekeeping() -> dict[str, Any]:
    """Seal the audit log into signed tree heads, forget expired replay-protection entries, and
    file any accepted DOSIS upload still queued (the worker's DOSIS loop normally already has; this
    sweep is the fallback should that loop be stuck, so nothing accepted is lost)."""
    from burgerprofiel.api.services import idempotency_records_purge
    from burgerprofiel.audit.services import audit_seal_all
    from burgerprofiel.dossiers.services import dossier_uploads_process_all
    from burgerprofiel.notifications.dosis import dosis_status_changes_consume_all
    from burgerprofiel.oauth.services import used_assertions_purge

    return {
        "dosis_uploads_processed": dossier_uploads_process_all(),
        "dosis_meldingen": dosis_status_changes_consume_all(),
        "tree_heads": audit_seal_all(),
        "assertions_forgotten": used_assertions_purge(),
        "idempotency_records_forgotten": idempotency_records_purge(),
    }


@task()
def retention_purge() -> dict[str, Any]:
    """Retention is data (DESIGN rule 7): purge what each order no longer lets us keep."""
    from burgerprofiel.dossiers.services import dossiers_purge_expired

    return {"dossiers_purged": dossiers_purge_expired()}
