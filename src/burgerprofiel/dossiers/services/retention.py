"""Removing dossiers: deleted by the agency, or purged when the order's retention has passed.

Design note. DOSIS data is stored only as long as it is relevant (charter 1.1; retention is data,
DESIGN rule 7): each order sets how long a closed dossier is kept, and the purge reads it per
agency. A dossier goes with everything that names it, in one transaction: owners, history and
outbox rows (CASCADE) and the upload results the agency could still read. What stays is an audit
event that names ids and dates only, so the evidence of the deletion outlives the data without
keeping any of it. The purge works per agency in batches locked with SKIP LOCKED, so purges
running side by side share the work rather than wait on each other.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from burgerprofiel.agencies.catalogue import DEFAULT_RETENTION_DAYS
from burgerprofiel.agencies.selectors import current_order_version
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import SYSTEM, Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import NotFound
from burgerprofiel.dossiers.models import Dossier, DossierUpload
from burgerprofiel.dossiers.services.caller import COMPONENT, Caller
from burgerprofiel.dossiers.services.sources import source_of


def dossier_delete(*, caller: Caller, bron: str, number: str) -> None:
    source = source_of(agency_id=caller.agency_id, uri=bron)
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update(of=("self",)).filter(source_id=source.pk, number=number).first()
        if dossier is None:
            raise NotFound("Dit dossier bestaat niet.")
        _dossier_erase(
            dossier=dossier, actor=caller.actor, action=AuditAction.DOSSIER_DELETED, detail={"reason": "agency"}
        )


def dosis_retention_days(*, agency_id: int) -> int:
    """Days a closed dossier is kept: the agency's order, else the Bijlage 1 default (90)."""
    version = current_order_version(agency_id=agency_id)
    if version is not None and COMPONENT in version.retention_days:
        return version.retention_for(COMPONENT)
    return DEFAULT_RETENTION_DAYS[COMPONENT]


def dossiers_purge_expired(*, now: dt.datetime | None = None, batch_size: int | None = None) -> int:
    """Purge closed dossiers past their order's retention, per agency, in batches (DESIGN rule 7)."""
    now = now or timezone.now()
    batch_size = batch_size or settings.DOSIS_PURGE_BATCH_SIZE
    purged = 0
    agency_ids = (
        Dossier.objects.filter(closed_at__isnull=False).values_list("agency_id", flat=True).distinct().order_by()
    )
    for agency_id in list(agency_ids):
        days = dosis_retention_days(agency_id=agency_id)
        while True:
            done = dossiers_purge_batch(
                agency_id=agency_id,
                closed_before=now - dt.timedelta(days=days),
                retention_days=days,
                batch_size=batch_size,
            )
            purged += done
            if done < batch_size:
                break
    return purged


def dossiers_purge_batch(
    *,
    agency_id: int,
    closed_before: dt.datetime,
    retention_days: int,
    batch_size: int,
    stale_before: dt.datetime | None = None,
) -> int:
    """One batch (one transaction) of the agency's dossiers to purge: closed before ``closed_before``,
    and, with ``stale_before``, open ones without any change since (a dossier the agency forgot to
    close is not kept forever). Returns how many went; fewer than ``batch_size``: nothing is left."""
    due_filter = Q(closed_at__lte=closed_before)
    if stale_before is not None:
        due_filter |= Q(closed_at__isnull=True, current_modified_at__lte=stale_before)
    actor = Actor(kind=SYSTEM.kind, id=SYSTEM.id, agency_id=agency_id)
    with transaction.atomic():
        due = Dossier.objects.filter(due_filter, agency_id=agency_id).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        batch = list(due[:batch_size])
        for dossier in batch:
            if dossier.closed_at is not None:
                detail = {
                    "reason": "retention",
                    "retention_days": retention_days,
                    "closed_at": dossier.closed_at.isoformat(),
                }
            else:
                detail = {"reason": "stale", "modified_at": dossier.current_modified_at.isoformat()}
            _dossier_erase(dossier=dossier, actor=actor, action=AuditAction.DOSSIER_PURGED, detail=detail)
    return len(batch)


def _dossier_erase(*, dossier: Dossier, actor: Actor, action: AuditAction, detail: dict[str, Any]) -> None:
    """Remove a dossier with everything that names it; the audit event keeps only ids and dates."""
    dossier_id = dossier.pk
    DossierUpload.objects.filter(source_id=dossier.source_id, dossier_number=dossier.number).delete()
    dossier.delete()  # owners, history and outbox rows go with it (CASCADE)
    audit_record(
        actor=actor,
        action=action,
        agency_id=dossier.agency_id,
        target=Dossier,
        object_id=dossier_id,
        detail={"source_id": dossier.source_id, **detail},
    )
