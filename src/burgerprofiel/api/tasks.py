"""Agency-API background work: thin wrappers around services, each safe to run twice."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from burgerprofiel.api.idempotency import idempotency_records_purge


@task()
def idempotency_records_purge_task() -> dict[str, Any]:
    """Periodic: forget Idempotency-Key records older than IDEMPOTENCY_TTL_HOURS."""
    return {"idempotency_records_forgotten": idempotency_records_purge()}
