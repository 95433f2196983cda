"""Audit background work: thin wrappers around services, each safe to run twice."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from burgerprofiel.audit.failures import audit_failures_flush
from burgerprofiel.audit.services import audit_seal_all


@task()
def audit_seal_task() -> dict[str, Any]:
    """Periodic: seal pending audit events into signed tree heads (appending stays O(1) per request)."""
    return {"tree_heads": audit_seal_all()}


@task()
def audit_failures_flush_task() -> dict[str, Any]:
    """Periodic: one event per closed window of repeated failed authentications, with their count."""
    return {"events": audit_failures_flush()}
