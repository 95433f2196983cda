"""Filing queued uploads into dossiers: the worker's batches.

Design note. The upload rows are the queue (``queue``); nothing is enqueued per upload. The
worker's DOSIS loop (``dosis_queue_drain``) claims a batch (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several workers never file the same upload; one statement, no ORM objects) and
files it in steps that each look at the whole batch:

1. the order check, once per agency and batch: filing is processing too, so an upload accepted
   before a suspension is not filed after it but answered as failed (charter 2.3);
2. reading back: each payload decrypted by its field and turned into the values it will write,
   with keyed hashes that recognise an identical re-upload (``filing_parts.filing_values``; no
   queries); an unreadable payload fails its upload, with the reason, and nothing else;
3. filing the batch set-based (``filing_batch``): a handful of statements whatever the batch's
   size, for new dossiers, out-of-order and identical re-uploads alike;
4. only when that cannot be used (another worker created one of the batch's new dossiers a moment
   ago, or anything unexpected): the careful path, one upload at a time in a savepoint, so one bad
   upload does not undo the others. It applies the same rules to one upload: the newest
   ``WijzigingsDatum`` becomes current, a late older one only joins the history, an identical one
   changes nothing.

Both ways write the same stored values by the same rules (encrypted fields through the field's own
``stored``, DESIGN rule 3) and the same evidence (``filing_parts.processed_event``, rule 2). A
real change of the current status writes one outbox row per owner a melding can reach
(``DossierStatusChange``) for the notifications capability.
"""

from __future__ import annotations

import logging
from typing import Any

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.module_loading import import_string

from burgerprofiel.agencies.models import Agency
from burgerprofiel.agencies.order_check import OrderRefused, order_check
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_append, audit_event_build, audit_events_append, audit_record
from burgerprofiel.crypto.fields import LEGACY_PREFIX, UNREADABLE, SealMismatch, encrypted_field, row_reseal
from burgerprofiel.crypto.fields import PREFIX as CONTEXT_PREFIX
from burgerprofiel.crypto.services import KeyUnavailable, data_key_material
from burgerprofiel.dossiers.models import Dossier, DossierOwner, DossierStatus, DossierUpload
from burgerprofiel.dossiers.services import filing_parts
from burgerprofiel.dossiers.services.caller import COMPONENT
from burgerprofiel.dossiers.services.filing_batch import BatchConflict, batch_file
from burgerprofiel.dossiers.services.filing_parts import (
    Claimed,
    DosisProcessingError,
    FilingValues,
    actor_of,
    filing_values,
    processed_event,
    uploads_finish,
)
from burgerprofiel.dossiers.services.outbox import status_changes_pending

log = logging.getLogger(__name__)

__all__ = [
    "DosisProcessingError",
    "dosis_after_filing",
    "dosis_queue_drain",
    "dossier_uploads_process",
    "dossier_uploads_process_all",
    "dossier_uploads_reseal",
]


# --- the batch ------------------------------------------------------------------------------------


def dosis_queue_drain(*, batch_size: int = 500) -> int:
    """One round of the worker's DOSIS loop: file a batch of queued uploads, then run what follows
    filing (the meldingen of their status changes; also of changes a bulk request filed as it
    accepted them, with nothing queued). Returns how many uploads it claimed (0: the queue is empty)."""
    claimed = dossier_uploads_process(batch_size=batch_size)
    if claimed or status_changes_pending():
        dosis_after_filing()
    return claimed


def dosis_after_filing() -> dict[str, Any]:
    """Run, inline and in order, the tasks ``settings.DOSIS_AFTER_FILING_TASKS`` names (the
    notifications app's consumer of the status-change outbox, ``services.outbox``): declared as
    data, like the periodic tasks, so that this app names no app above it. Returns their results."""
    results: dict[str, Any] = {}
    for path in settings.DOSIS_AFTER_FILING_TASKS:
        results.update(import_string(path).call())
    return results


def dossier_uploads_process_all(*, batch_size: int = 500, max_batches: int = 100) -> int:
    total = 0
    for _ in range(max_batches):
        claimed = dossier_uploads_process(batch_size=batch_size)
        total += claimed
        if claimed < batch_size:
            break
    return total


def dossier_uploads_process(*, batch_size: int = 500) -> int:
    """Claim and file one batch of pending uploads; returns how many were claimed."""
    with transaction.atomic():
        claimed = _claim(batch_size)
        if not claimed:
            return 0
        allowed = _orders_allowing(claimed)
        agencies = Agency.objects.in_bulk({u.agency_id for u in allowed})
        readable = _read_back(allowed)
        try:
            with transaction.atomic():
                batch_file(readable, agencies=agencies)
        except Exception as exc:
            # Rolled back to the savepoint: the careful path files (or fails) each upload on its own.
            if not isinstance(exc, (BatchConflict, IntegrityError)):
                log.exception("DOSIS batch filing failed for %s uploads; filing them one by one", len(readable))
            for upload, values in readable:
                _upload_file_carefully(upload, values, agencies[upload.agency_id])
        return len(claimed)


def dossier_uploads_reseal() -> dict[str, int]:
    """Seal queued payloads in an older format again as ``bp3:``, bound to their queue row
    (``crypto.fields.row_reseal``): during a rolling upgrade web processes on older code keep
    queueing them, ``bp1:`` (before ``crypto.0002``; ``_claim`` leaves those pending until this ran)
    and ``bp2:`` (before ``crypto.0003``: readable, bound to table and column, and filed as they
    are if the worker gets there first; their rows have a ``seal_id`` from the column's database
    default). Only pending uploads are read (the queue's ``(state, id)`` index), never the whole
    table: this runs every minute. A pending one whose data key was destroyed cannot be sealed
    again: its payload is emptied (what ``stored`` writes for an unreadable value), so the worker
    answers it failed as it answers any unreadable payload, with the reason and its audit event.
    Safe to run twice."""
    table, column = DossierUpload._meta.db_table, encrypted_field(DossierUpload, "payload").column
    pending = DossierUpload.State.PENDING.value
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, seal_id, {column} FROM {table} "  # noqa: S608
            f"WHERE state = %s AND ({column} LIKE %s OR {column} LIKE %s) ORDER BY id",
            [pending, f"{LEGACY_PREFIX}%", f"{CONTEXT_PREFIX}%"],
        )
        left = cursor.fetchall()
    resealed = unreadable = 0
    context = f"{table}.{column}"
    with transaction.atomic(), connection.cursor() as cursor:
        for pk, seal_id, value in left:
            try:
                new = row_reseal(value, context=context, row_id=seal_id) if _key_alive(value) else ""
            except (ValueError, InvalidTag):  # damaged: no better than a destroyed key
                new = ""
            resealed += bool(new)
            unreadable += not new
            cursor.execute(
                f"UPDATE {table} SET {column} = %s WHERE id = %s AND state = %s AND {column} = %s",  # noqa: S608
                [new, pk, pending, value],
            )
    return {"resealed": resealed, "unreadable": unreadable}


def _key_alive(legacy: str) -> bool:
    """Whether the data key a ``bp1:``/``bp2:`` value names can still be used (False: destroyed, or no key)."""
    try:
        data_key_material(legacy[len(LEGACY_PREFIX) :].partition(":")[0])
    except (KeyUnavailable, ValueError):
        return False
    return True


_CLAIM_COLUMNS = (
    "id",
    "agency_id",
    "source_id",
    "dossier_number",
    "client_id",
    "order_version_id",
    "payload",
    "seal_id",
)


def _claim(batch_size: int) -> list[Claimed]:
    """The oldest pending uploads no other worker holds, locked until the batch commits (one statement)."""
    lock = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    payload = encrypted_field(DossierUpload, "payload")
    # A payload still sealed as ``bp1:`` (a web process on the code before ``crypto.0002``, during a
    # rolling upgrade) is not claimed: it stays pending until ``dossier_uploads_reseal`` seals it again.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_CLAIM_COLUMNS)} FROM {DossierUpload._meta.db_table} "  # noqa: S608
            f"WHERE state = %s AND (payload IS NULL OR payload NOT LIKE %s) ORDER BY id LIMIT %s{lock}",
            [DossierUpload.State.PENDING.value, f"{LEGACY_PREFIX}%", batch_size],
        )
        rows = cursor.fetchall()
    return [
        Claimed(
            pk=pk,
            agency_id=agency_id,
            source_id=source_id,
            dossier_number=number,
            client_id=client_id,
            order_version_id=version_id,
            payload=_payload_read(payload, stored, seal_id),
        )
        for pk, agency_id, source_id, number, client_id, version_id, stored, seal_id in rows
    ]


def _payload_read(field: Any, stored: str | None, seal_id: Any) -> Any:
    """The field's own reading: decrypted with the key its ciphertext names, bound to this row's
    seal_id. UNREADABLE if the key was destroyed, and also if the payload does not belong to this row
    (moved here from another, or altered): that upload is answered failed like any unreadable one,
    instead of one bad row stopping the queue for every agency."""
    if stored is None:
        return None
    try:
        return field.from_stored(stored, seal_id)
    except SealMismatch:
        log.error("DOSIS upload payload does not decrypt for its row (moved or altered); answered as unreadable")
        return UNREADABLE


def _orders_allowing(batch: list[Claimed]) -> list[Claimed]:
    """The uploads whose agency's order allows DOSIS processing now. Filing is processing too: an
    upload accepted before a suspension (or the order's end) is not filed after it (charter 2.3), but
    answered as failed, with the reason, for the agency to send again once the order allows it. One
    order check per agency and batch; its refusal is audited, and so is each agency's failed uploads."""
    by_agency: dict[int, list[Claimed]] = {}
    for upload in batch:
        by_agency.setdefault(upload.agency_id, []).append(upload)
    allowed: list[Claimed] = []
    for agency_id, uploads in by_agency.items():
        actor = actor_of(uploads[0])
        try:
            order_check(actor=actor, agency_id=agency_id, component=COMPONENT)
        except OrderRefused as refused:
            reason = f"Niet verwerkt: {refused.detail}"
            ids = [u.pk for u in uploads]
            audit_record(
                actor=actor,
                action=AuditAction.DOSSIER_UPLOAD_FAILED,
                outcome="failure",
                target=DossierUpload,
                detail={"reason": refused.reason, "uploads": ids},
            )
            uploads_finish(ids, state=DossierUpload.State.FAILED, outcome="failed", errors=[reason])
            continue
        allowed += uploads
    return allowed


def _read_back(batch: list[Claimed]) -> list[tuple[Claimed, FilingValues]]:
    """Each upload with the values it will write; one that cannot be read back any more is answered
    as failed, with the reason and its own audit event, and left out."""
    readable: list[tuple[Claimed, FilingValues]] = []
    failed: list[tuple[Claimed, str]] = []
    for upload in batch:
        try:
            readable.append((upload, filing_values(upload)))
        except DosisProcessingError as exc:
            failed.append((upload, str(exc)))
    if failed:
        audit_events_append([_failed_event(upload, reason) for upload, reason in failed])
        for upload, reason in failed:
            uploads_finish([upload.pk], state=DossierUpload.State.FAILED, outcome="failed", errors=[reason])
    return readable


def _failed_event(upload: Claimed, reason: str) -> AuditEvent:
    return audit_event_build(
        actor=actor_of(upload),
        action=AuditAction.DOSSIER_UPLOAD_FAILED,
        outcome="failure",
        target=DossierUpload,
        object_id=upload.pk,
        detail={"reason": reason},
    )


# --- the careful path: one upload at a time -------------------------------------------------------


def _upload_file_carefully(upload: Claimed, values: FilingValues, agency: Agency) -> None:
    """File one upload in its own savepoint, audited; whatever goes wrong, it is answered as failed
    rather than retried forever, and the log names the upload, never its content."""
    try:
        with transaction.atomic():
            dossier, outcome = _upload_process(upload, values, agency)
            audit_append(processed_event(actor_of(upload), outcome=outcome, filed=[(dossier.pk, upload.pk)]))
            uploads_finish([upload.pk], state=DossierUpload.State.DONE, outcome=outcome)
    except Exception as exc:
        if isinstance(exc, DosisProcessingError):
            reason = str(exc)
        else:
            log.exception("DOSIS upload %s could not be processed", upload.pk)
            reason = "Interne fout bij de verwerking; stuur de upload opnieuw."
        with transaction.atomic():
            audit_append(_failed_event(upload, reason))
            uploads_finish([upload.pk], state=DossierUpload.State.FAILED, outcome="failed", errors=[reason])


def _upload_process(upload: Claimed, p: FilingValues, agency: Agency) -> tuple[Dossier, str]:
    """File one upload; returns the dossier and what happened: created/updated/history/unchanged."""
    dossier = _lock_dossier(source_id=upload.source_id, number=upload.dossier_number)
    if dossier is None:
        try:
            with transaction.atomic():
                dossier = Dossier.objects.create(
                    agency=agency,
                    source_id=upload.source_id,
                    number=upload.dossier_number,
                    content_hash=p.dossier_hash,
                    **p.dossier_values,
                    **p.current_values,
                )
        except IntegrityError:  # created by a concurrent worker a moment ago: file into that one
            dossier = _lock_dossier(source_id=upload.source_id, number=upload.dossier_number)
            if dossier is None:
                raise DosisProcessingError("Het dossier kon niet aangemaakt worden; probeer opnieuw.") from None
        else:
            created_owners = _owners_sync(dossier, p.owners, new=True)
            status = DossierStatus.objects.create(
                dossier=dossier, agency=agency, modified_at=p.modified_at, content_hash=p.status_hash, **p.status_values
            )
            _changes_record(dossier, status, created_owners)
            return dossier, "created"

    is_newest = p.modified_at >= dossier.current_modified_at
    found = dossier.statuses.filter(modified_at=p.modified_at).first()
    status = found or DossierStatus(dossier=dossier, agency=agency, modified_at=p.modified_at)
    status_changed = found is None or found.content_hash != p.status_hash
    if status_changed:
        for name, value in p.status_values.items():
            setattr(status, name, value)
        status.content_hash = p.status_hash
        status.agency = agency
        status.save()

    if not is_newest:
        return dossier, "history" if status_changed else "unchanged"

    previous = (dossier.current_phase, dossier.current_code, dossier.action_needed)
    dossier_changed = dossier.content_hash != p.dossier_hash
    synced: list[DossierOwner] | None = None
    if dossier_changed:
        for name, value in p.dossier_values.items():
            setattr(dossier, name, value)
        dossier.content_hash = p.dossier_hash
        synced = _owners_sync(dossier, p.owners)
    if status_changed:
        for name, value in p.current_values.items():
            setattr(dossier, name, value)
    if not (dossier_changed or status_changed):
        return dossier, "unchanged"
    dossier.save()
    if status_changed and (status.phase, status.code, status.action_needed) != previous:
        _changes_record(dossier, status, synced if synced is not None else list(dossier.owners.all()))
    return dossier, "updated"


def _lock_dossier(*, source_id: int, number: str) -> Dossier | None:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("agency")
        .filter(source_id=source_id, number=number)
        .first()
    )


def _owners_sync(dossier: Dossier, wanted: set[tuple[str, str]], *, new: bool = False) -> list[DossierOwner]:
    """Make the dossier's owners the ``wanted`` ones; returns them (a new dossier has none to read)."""
    current = {} if new else {(o.kind, o.key): o for o in dossier.owners.all()}
    removed = [o.pk for key, o in current.items() if key not in wanted]
    if removed:
        DossierOwner.objects.filter(pk__in=removed).delete()
    added = DossierOwner.objects.bulk_create(
        [DossierOwner(dossier=dossier, kind=kind, key=key) for kind, key in sorted(wanted - set(current))]
    )
    return [o for key, o in current.items() if key in wanted] + added


def _changes_record(dossier: Dossier, status: DossierStatus, owners: list[DossierOwner]) -> None:
    """One outbox row per owner a melding can reach: the notifications capability tells each of them."""
    filing_parts.outbox_append(
        [(dossier.pk, owner.pk, status.pk, dossier.agency_id, owner.kind, owner.key) for owner in owners]
    )
