"""The outbox of DOSIS status changes, as the dossiers app publishes it to the apps above it.

Design note (issue 10; DESIGN "Layers"). Filing writes one ``DossierStatusChange`` row per owner a
melding can reach (a citizen the platform knows; ``filing_parts.outbox_notifiable``) for every real
status change, in the transaction of the change. Another capability (notifications,
which turns them into meldingen) consumes them through these three functions only: it never
queries or updates the dossiers app's tables itself, and the dossiers app names no app above it.
What runs after filing is declared in ``settings.DOSIS_AFTER_FILING_TASKS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from burgerprofiel.dossiers.models import DossierOwner, DossierStatusChange


@dataclass(frozen=True)
class PendingChange:
    id: int
    agency_id: int
    insz_index: str | None  # the owner's INSZ blind index (``Citizen.insz_index``); None: an organisation


def status_changes_claim(*, batch_size: int) -> list[PendingChange]:
    """The oldest unprocessed changes, locked until the caller's transaction ends (other workers
    skip them on PostgreSQL). Call inside ``transaction.atomic()``."""
    pending = DossierStatusChange.objects.filter(processed_at__isnull=True).order_by("id")
    if connection.vendor == "postgresql":
        pending = pending.select_for_update(skip_locked=True, of=("self",))
    rows = pending.values_list("id", "agency_id", "owner__kind", "owner__key")[:batch_size]
    return [
        PendingChange(pk, agency_id, key if kind == DossierOwner.Kind.INSZ else None)
        for pk, agency_id, kind, key in rows
    ]


def status_changes_read(*, ids: list[int]) -> list[DossierStatusChange]:
    """The claimed changes in full: their dossier, owner, status and agency."""
    return list(DossierStatusChange.objects.filter(pk__in=ids).select_related("dossier", "owner", "status", "agency"))


def status_changes_processed(*, ids: list[int]) -> None:
    """Mark claimed changes done (with or without a melding): they are not handed out again."""
    DossierStatusChange.objects.filter(pk__in=ids).update(processed_at=timezone.now())


def status_changes_pending() -> bool:
    """Whether any change waits for its consumer (the outbox's ``(processed_at, id)`` index): the
    worker's DOSIS loop asks when its queue is empty, because a bulk request files, and so writes
    changes, without queueing anything (``filing_inline``)."""
    return DossierStatusChange.objects.filter(processed_at__isnull=True).exists()
