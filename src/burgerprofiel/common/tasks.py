"""The plumbing's own background work: thin wrappers, each safe to run twice (no domain code)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from burgerprofiel.common.partitions import partitions_ensure


@task()
def partitions_ensure_task() -> dict[str, Any]:
    """Periodic: create the coming months' partitions of the partitioned tables (PostgreSQL; a no-op elsewhere)."""
    return {"partitions_created": partitions_ensure()}
