"""Reads of the audit trail by what an event is about ("Wie bekeek mijn gegevens")."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import QuerySet

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import object_type_of


def _about(target: models.Model) -> QuerySet[AuditEvent]:
    # Served by the (object_type, object_id, occurred_at) index.
    return AuditEvent.objects.filter(object_type=object_type_of(target), object_id=str(target.pk))


def audit_events_about(*, target: models.Model, limit: int) -> list[AuditEvent]:
    """The newest ``limit`` events naming ``target`` (a saved instance), newest first."""
    return list(_about(target).order_by("-id")[:limit])


def audit_events_about_count(*, target: models.Model, since: dt.datetime) -> int:
    return _about(target).filter(occurred_at__gte=since).count()
