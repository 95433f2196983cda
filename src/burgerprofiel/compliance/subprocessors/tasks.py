"""Sub-processor background work: thin wrappers around services, each safe to run twice."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from burgerprofiel.compliance.subprocessors.services import subprocessor_changes_apply


@task()
def subprocessor_changes_apply_task() -> dict[str, Any]:
    """Periodic: planned changes whose date has come take effect, unless an objection is open."""
    return subprocessor_changes_apply()
