from __future__ import annotations

from typing import Any

from burgerprofiel.agencies.models import ContactPerson
from burgerprofiel.agencies.selectors import contact_persons_authorised
from burgerprofiel.audit.models import AuditEvent, AuditLeaf


def contact_persons_for_agency(*, agency_id: int) -> list[ContactPerson]:
    """Those authorised today (charter 3.3): an expired authorisation is not shown as one."""
    return contact_persons_authorised(agency_id=agency_id)


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
