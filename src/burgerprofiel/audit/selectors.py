"""Reads of the audit trail: by what an event is about ("Wie bekeek mijn gegevens"), by agency."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import QuerySet

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.models import AuditEvent, AuditLeaf, TreeHead
from burgerprofiel.audit.services import object_type_of


def _about(target: models.Model) -> QuerySet[AuditEvent]:
    # Served by the (object_type, object_id, occurred_at) index.
    return AuditEvent.objects.filter(object_type=object_type_of(target), object_id=str(target.pk))


def audit_events_about(*, target: models.Model, limit: int) -> list[AuditEvent]:
    """The newest ``limit`` events naming ``target`` (a saved instance), newest first."""
    return list(_about(target).order_by("-id")[:limit])


def audit_events_about_count(*, target: models.Model, since: dt.datetime) -> int:
    return _about(target).filter(occurred_at__gte=since).count()


def audit_events_for_agency(*, agency_id: int, after_id: int, limit: int) -> list[dict[str, Any]]:
    events = list(AuditEvent.objects.filter(agency_id=agency_id, pk__gt=after_id).order_by("pk")[:limit])
    leaves = dict(AuditLeaf.objects.filter(event_id__in=[e.pk for e in events]).values_list("event_id", "index"))
    return [
        {
            "id": e.pk,
            "occurred_at": e.occurred_at,
            "actor_type": e.actor_type,
            "actor_id": e.actor_id,
            "action": e.action,
            "outcome": e.outcome,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "purpose": e.purpose,
            "request_id": e.request_id,
            "order_version_id": e.order_version_id,
            "leaf_index": leaves.get(e.pk),
        }
        for e in events
    ]


def audit_last_verification() -> AuditEvent | None:
    """The newest recorded ``audit verify`` (its result in ``detail``), through the action index."""
    return AuditEvent.objects.filter(action=AuditAction.AUDIT_VERIFIED).order_by("-id").first()


def tree_head_latest() -> TreeHead | None:
    return TreeHead.objects.order_by("-tree_size").first()
