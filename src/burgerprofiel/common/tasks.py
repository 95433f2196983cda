from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def periodic_housekeeping() -> dict[str, Any]:
    """Seal the audit log into signed tree heads and forget expired replay-protection entries."""
    from burgerprofiel.api.services import idempotency_records_purge
    from burgerprofiel.audit.services import audit_seal_all
    from burgerprofiel.oauth.services import used_assertions_purge

    return {
        "tree_heads": audit_seal_all(),
        "assertions_forgotten": used_assertions_purge(),
        "idempotency_records_forgotten": idempotency_records_purge(),
    }
