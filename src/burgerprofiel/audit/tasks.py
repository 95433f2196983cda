"""Audit background work: thin wrappers around services, each safe to run twice."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from burgerprofiel.audit.actors import SYSTEM, Actor
from burgerprofiel.audit.failures import audit_failures_flush
from burgerprofiel.audit.services import audit_seal_all, audit_verify_record


@task()
def audit_seal_task() -> dict[str, Any]:
    """Periodic: seal pending audit events into signed tree heads (appending stays O(1) per request)."""
    return {"tree_heads": audit_seal_all()}


@task()
def audit_failures_flush_task() -> dict[str, Any]:
    """Periodic: one event per closed window of repeated failed authentications, with their count."""
    return {"events": audit_failures_flush()}


@task()
def audit_verify_task(requested_by: str = "") -> dict[str, Any]:
    """On request (the back-office's button): ``audit verify``, its result kept as an ``audit.verified`` event.

    ``requested_by``: the id of the staff member who asked (the event's actor); empty for the platform.
    """
    actor = Actor(kind="staff", id=requested_by) if requested_by else SYSTEM
    report = audit_verify_record(actor=actor)
    return {
        "ok": report.ok,
        "events_checked": report.events_checked,
        "tree_heads_checked": report.tree_heads_checked,
        "problems": report.problems[:20],
    }
