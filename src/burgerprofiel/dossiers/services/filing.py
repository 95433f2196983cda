"""Filing queued uploads into dossiers: the worker's batches.

Design note. The upload rows are the queue (``queue``); nothing is enqueued per upload. The
worker's DOSIS loop (``dosis_queue_drain``) claims a batch (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several workers never file the same upload) and files it in steps that each
look at the whole batch:

1. the order check, once per agency and batch: filing is processing too, so an upload accepted
   before a suspension is not filed after it but answered as failed (charter 2.3);
2. preparing: each payload read back and turned into the values it will write, with keyed hashes
   that recognise an identical re-upload without decrypting anything (``_prepare``; no queries);
3. new dossiers together (the fast path): uploads that each create a dossier no other upload of
   the batch names are written with one COPY per table on PostgreSQL (one multi-row INSERT
   elsewhere); anything unusual is left to
4. the careful path: one upload at a time in a savepoint, so one bad upload does not undo the
   others; it files the status into the history by its ``WijzigingsDatum``: the newest becomes
   current, a late older one only joins the history, an identical one changes nothing.

Both paths write the same stored values by the same rules: encrypted fields through the field's
own ``stored`` (DESIGN rule 3: the ORM reaches it through ``pre_save``, the COPY writer directly,
with one data-key lookup per key and batch), and the audit event through one builder
(``_processed_event``, on ``audit_event_build``; rule 2), so an upload leaves the same evidence
whichever path filed it. A real change of the current status writes one outbox row per owner
(``DossierStatusChange``) for the notifications capability.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from pydantic import ValidationError as PydanticValidationError

from burgerprofiel.agencies.order_check import OrderRefused, order_check
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_append, audit_event_build, audit_events_append, audit_record
from burgerprofiel.citizens.insz import insz_index
from burgerprofiel.common.copy import copy_rows, next_ids
from burgerprofiel.crypto.fields import Sealers, blind_index, encrypted_field, key_context
from burgerprofiel.dossiers.models import (
    Dossier,
    DossierOwner,
    DossierStatus,
    DossierStatusChange,
    DossierUpload,
    Phase,
)
from burgerprofiel.dossiers.schemas import DossierUploadIn
from burgerprofiel.dossiers.services.caller import COMPONENT

log = logging.getLogger(__name__)


class DosisProcessingError(Exception):
    """An accepted upload that could not be filed; the agency reads why at /resultaten/fouten."""


# --- the batch ------------------------------------------------------------------------------------


def dosis_queue_drain(*, batch_size: int = 500) -> int:
    """One round of the worker's DOSIS loop: file a batch of queued uploads, then run what follows
    filing (the meldingen of their status changes). Returns how many uploads it claimed (0: the
    queue is empty)."""
    claimed = dossier_uploads_process(batch_size=batch_size)
    if claimed:
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
        batch = _orders_allowing(claimed)
        filed = _new_dossiers_file(batch)
        for upload in batch:
            if upload.pk not in filed:
                _upload_file_carefully(upload)
        return len(claimed)


def _claim(batch_size: int) -> list[DossierUpload]:
    """The oldest pending uploads no other worker holds, locked until the batch commits."""
    pending = DossierUpload.objects.filter(state=DossierUpload.State.PENDING).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True, of=("self",))
    return list(pending.select_related("agency")[:batch_size])


def _orders_allowing(batch: list[DossierUpload]) -> list[DossierUpload]:
    """The uploads whose agency's order allows DOSIS processing now. Filing is processing too: an
    upload accepted before a suspension (or the order's end) is not filed after it (charter 2.3), but
    answered as failed, with the reason, for the agency to send again once the order allows it. One
    order check per agency and batch; its refusal is audited, and so is each agency's failed uploads."""
    by_agency: dict[int, list[DossierUpload]] = {}
    for upload in batch:
        by_agency.setdefault(upload.agency_id, []).append(upload)
    allowed: list[DossierUpload] = []
    for agency_id, uploads in by_agency.items():
        actor = _actor_of(uploads[0])
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
            _uploads_finish(ids, state=DossierUpload.State.FAILED, outcome="failed", errors=[reason])
            continue
        allowed += uploads
    return allowed


def _actor_of(upload: DossierUpload) -> Actor:
    """The client that sent the upload, under the order version it was accepted under."""
    return Actor(
        kind="agency_client",
        id=upload.client_id,
        agency_id=upload.agency_id,
        order_version_id=upload.order_version_id,
    )


def _processed_event(actor: Actor, *, outcome: str, filed: Sequence[tuple[int, int]]) -> AuditEvent:
    """``dossier.upload_processed`` for uploads of one client filed with one outcome, as (dossier id,
    upload id) pairs: ids only, no personal data. Both paths build their evidence here, so the fast
    path covers a batch at one event per client and an upload filed alone gets the same event."""
    return audit_event_build(
        actor=actor,
        action=AuditAction.DOSSIER_UPLOAD_PROCESSED,
        target=Dossier,
        object_id=filed[0][0] if len(filed) == 1 else "",
        detail={
            "outcome": outcome,
            "count": len(filed),
            "dossiers": [dossier_id for dossier_id, _ in filed],
            "uploads": [upload_id for _, upload_id in filed],
        },
    )


def _uploads_finish(upload_ids: list[int], *, state: str, outcome: str = "", errors: list[str] | None = None) -> None:
    # An update, not save(): the payload goes (set to NULL), nothing is re-encrypted.
    DossierUpload.objects.filter(pk__in=upload_ids).update(
        state=state,
        outcome=outcome,
        errors=[{"Omschrijving": e} for e in (errors or [])],
        processed_at=timezone.now(),
        payload=None,
    )


# --- preparing: what an upload will write ---------------------------------------------------------


@dataclass
class _Prepared:
    """What an upload will write, computed once (and hashed, to recognise an identical re-upload).
    Plain values: the writers seal the encrypted ones (``_dossier_row``, ``_status_row``, the ORM)."""

    modified_at: dt.datetime
    status_values: dict[str, Any]
    status_hash: str
    dossier_values: dict[str, Any]
    owners: set[tuple[str, str]]
    dossier_hash: str
    current_values: dict[str, Any]


def _prepare(upload: DossierUpload) -> _Prepared:
    if not isinstance(upload.payload, dict):
        raise DosisProcessingError("De inhoud van de upload is niet meer leesbaar.")
    try:
        data = DossierUploadIn.model_validate(upload.payload)
    except PydanticValidationError:
        raise DosisProcessingError("De inhoud van de upload is ongeldig.") from None
    if data.Identificatie.DossierNummer != upload.dossier_number:
        raise DosisProcessingError("Het dossiernummer van de upload klopt niet.")
    modified_at = data.WijzigingsDatum
    status_values = _status_values(data)
    dossier_values = _dossier_values(data)
    owners = _owners_of(data)
    return _Prepared(
        modified_at=modified_at,
        status_values=status_values,
        status_hash=_hash({**status_values, "modified_at": modified_at.isoformat()}, purpose="dosis-status"),
        dossier_values=dossier_values,
        owners=owners,
        dossier_hash=_hash({**dossier_values, "owners": sorted(owners)}, purpose="dosis-dossier"),
        current_values={
            "current_phase": status_values["phase"],
            "current_code": status_values["code"],
            "current_modified_at": modified_at,
            "action_needed": status_values["action_needed"],
            "closed_at": modified_at if status_values["phase"] == Phase.AFGEROND else None,
        },
    )


def _hash(value: Any, *, purpose: str) -> str:
    return blind_index(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str), purpose=purpose)


def _status_values(upload: DossierUploadIn) -> dict[str, Any]:
    actie = upload.Status.Actie
    return {
        "phase": upload.Status.VlaamsFase.value,
        "code": upload.Status.VlaamsCode,
        "detail": upload.Status.Detail1 or "",
        "action_needed": bool(actie and actie.ActieNodig),
        "action_text": (actie.Actie or "") if actie else "",
    }


def _owners_of(upload: DossierUploadIn) -> set[tuple[str, str]]:
    owners = set()
    for agent in upload.Agenten:
        if not agent.may_consult:
            continue
        if agent.is_kbo:
            owners.add((DossierOwner.Kind.KBO.value, agent.Identificatie))
        else:
            owners.add((DossierOwner.Kind.INSZ.value, insz_index(agent.Identificatie)))
    return owners


def _dossier_values(upload: DossierUploadIn) -> dict[str, Any]:
    manager = upload.DossierBeheerder.model_dump(exclude_none=True) if upload.DossierBeheerder else None
    return {
        "name": upload.Naam,
        "ipdc_product": upload.Producten[0].Id if upload.Producten else "",
        "type_code": upload.TypeDossierCode or "",
        "redirect_url": upload.Doorverwijzing or "",
        "manager": manager or None,
    }


# --- the fast path: new dossiers together ---------------------------------------------------------


def _new_dossiers_file(batch: list[DossierUpload]) -> set[int]:
    """Fast path: uploads that each create a dossier no other upload of the batch names.

    They are written together (COPY on PostgreSQL, one multi-row INSERT per table elsewhere),
    audited with one event per client naming the dossiers and uploads; returns the ids of the
    uploads filed. Anything unusual (an unreadable payload, a dossier that exists, a concurrent
    worker creating the same dossier) is left to the careful one-by-one path.
    """
    named = Counter((u.source_id, u.dossier_number) for u in batch)
    existing = set(
        Dossier.objects.filter(
            source_id__in={u.source_id for u in batch}, number__in={u.dossier_number for u in batch}
        ).values_list("source_id", "number")
    )
    candidates: list[tuple[DossierUpload, _Prepared]] = []
    for upload in batch:
        key = (upload.source_id, upload.dossier_number)
        if named[key] != 1 or key in existing:
            continue
        try:
            candidates.append((upload, _prepare(upload)))
        except DosisProcessingError:
            continue
    if not candidates:
        return set()
    write = _new_dossiers_copy if connection.vendor == "postgresql" else _new_dossiers_create
    try:
        with transaction.atomic():
            dossier_ids = write(candidates)
            by_actor: dict[Actor, list[tuple[int, int]]] = {}
            for dossier_id, (upload, _) in zip(dossier_ids, candidates, strict=True):
                by_actor.setdefault(_actor_of(upload), []).append((dossier_id, upload.pk))
            audit_events_append(
                [_processed_event(actor, outcome="created", filed=filed) for actor, filed in by_actor.items()]
            )
            _uploads_finish([u.pk for u, _ in candidates], state=DossierUpload.State.DONE, outcome="created")
    except Exception as exc:
        # Rolled back to the savepoint: the careful path files (or fails) each upload on its own.
        if not isinstance(exc, IntegrityError):
            log.exception("DOSIS fast path failed for a batch of %s uploads", len(candidates))
        return set()
    return {u.pk for u, _ in candidates}


# The columns the COPY writer fills, and each row's stored values in that order. An encrypted
# value is sealed by its field (``stored``), with the data key of the upload's agency.
_DOSSIER_COLUMNS = (
    "id",
    "agency_id",
    "source_id",
    "number",
    "name",
    "ipdc_product",
    "type_code",
    "redirect_url",
    "manager",
    "current_phase",
    "current_code",
    "current_modified_at",
    "action_needed",
    "closed_at",
    "content_hash",
    "created_at",
)
_STATUS_COLUMNS = (
    "id",
    "dossier_id",
    "agency_id",
    "phase",
    "code",
    "detail",
    "action_needed",
    "action_text",
    "modified_at",
    "content_hash",
    "created_at",
)


def _dossier_row(
    dossier_id: int, upload: DossierUpload, p: _Prepared, *, keys: dict[str, Any], sealers: Sealers, now: dt.datetime
) -> tuple[Any, ...]:
    values, current = p.dossier_values, p.current_values
    return (
        dossier_id,
        upload.agency_id,
        upload.source_id,
        upload.dossier_number,
        encrypted_field(Dossier, "name").stored(values["name"], row=keys, sealers=sealers),
        values["ipdc_product"],
        values["type_code"],
        values["redirect_url"],
        encrypted_field(Dossier, "manager").stored(values["manager"], row=keys, sealers=sealers),
        current["current_phase"],
        current["current_code"],
        current["current_modified_at"],
        current["action_needed"],
        current["closed_at"],
        p.dossier_hash,
        now,
    )


def _status_row(
    status_id: int,
    dossier_id: int,
    upload: DossierUpload,
    p: _Prepared,
    *,
    keys: dict[str, Any],
    sealers: Sealers,
    now: dt.datetime,
) -> tuple[Any, ...]:
    status = p.status_values
    return (
        status_id,
        dossier_id,
        upload.agency_id,
        status["phase"],
        status["code"],
        encrypted_field(DossierStatus, "detail").stored(status["detail"], row=keys, sealers=sealers),
        status["action_needed"],
        encrypted_field(DossierStatus, "action_text").stored(status["action_text"], row=keys, sealers=sealers),
        p.modified_at,
        p.status_hash,
        now,
    )


def _new_dossiers_copy(candidates: list[tuple[DossierUpload, _Prepared]]) -> list[int]:
    """PostgreSQL: the new dossiers, their owners, first statuses and outbox rows with one COPY per
    table (ids from the sequences first, so the rows can name each other); returns the dossier ids.
    The rows' data keys are resolved once per agency from an upload, whose agency owns the dossier."""
    dossier_ids = next_ids(Dossier, len(candidates))
    status_ids = next_ids(DossierStatus, len(candidates))
    owner_ids = iter(next_ids(DossierOwner, sum(len(p.owners) for _, p in candidates)))
    now = timezone.now()
    sealers = Sealers()  # one data-key lookup per agency and batch
    contexts: dict[int, dict[str, Any]] = {}
    dossiers, statuses, owners, changes = [], [], [], []
    for (upload, p), dossier_id, status_id in zip(candidates, dossier_ids, status_ids, strict=True):
        keys = contexts.get(upload.agency_id)
        if keys is None:
            keys = contexts[upload.agency_id] = key_context(upload, Dossier, DossierStatus)
        dossiers.append(_dossier_row(dossier_id, upload, p, keys=keys, sealers=sealers, now=now))
        statuses.append(_status_row(status_id, dossier_id, upload, p, keys=keys, sealers=sealers, now=now))
        for kind, key in sorted(p.owners):
            owner_id = next(owner_ids)
            owners.append((owner_id, dossier_id, kind, key))
            changes.append((dossier_id, owner_id, status_id, upload.agency_id))
    copy_rows(Dossier, _DOSSIER_COLUMNS, dossiers)
    copy_rows(DossierOwner, ("id", "dossier_id", "kind", "key"), owners)
    copy_rows(DossierStatus, _STATUS_COLUMNS, statuses)
    _outbox_append(changes)
    return dossier_ids


def _new_dossiers_create(candidates: list[tuple[DossierUpload, _Prepared]]) -> list[int]:
    """The same with the ORM (one multi-row INSERT per table); returns the dossier ids."""
    dossiers = Dossier.objects.bulk_create(
        [
            Dossier(
                agency=upload.agency,
                source_id=upload.source_id,
                number=upload.dossier_number,
                content_hash=p.dossier_hash,
                **p.dossier_values,
                **p.current_values,
            )
            for upload, p in candidates
        ]
    )
    owners_of = {
        d.pk: [DossierOwner(dossier=d, kind=kind, key=key) for kind, key in sorted(p.owners)]
        for d, (_, p) in zip(dossiers, candidates, strict=True)
    }
    DossierOwner.objects.bulk_create([o for owners in owners_of.values() for o in owners])
    statuses = DossierStatus.objects.bulk_create(
        [
            DossierStatus(
                dossier=d, agency=u.agency, modified_at=p.modified_at, content_hash=p.status_hash, **p.status_values
            )
            for d, (u, p) in zip(dossiers, candidates, strict=True)
        ]
    )
    _outbox_append(
        [(d.pk, o.pk, s.pk, d.agency_id) for d, s in zip(dossiers, statuses, strict=True) for o in owners_of[d.pk]]
    )
    return [d.pk for d in dossiers]


def _outbox_append(rows: list[tuple[int, int, int, int]]) -> None:
    """Outbox rows (dossier id, owner id, status id, agency id), for the notifications capability."""
    if connection.vendor == "postgresql":
        now = timezone.now()
        copy_rows(
            DossierStatusChange,
            ("dossier_id", "owner_id", "status_id", "agency_id", "created_at"),
            ((*row, now) for row in rows),
        )
        return
    DossierStatusChange.objects.bulk_create(
        [
            DossierStatusChange(dossier_id=dossier, owner_id=owner, status_id=status, agency_id=agency)
            for dossier, owner, status, agency in rows
        ]
    )


# --- the careful path: one upload at a time -------------------------------------------------------


def _upload_file_carefully(upload: DossierUpload) -> None:
    """File one upload in its own savepoint, audited; whatever goes wrong, it is answered as failed
    rather than retried forever, and the log names the upload, never its content."""
    try:
        with transaction.atomic():
            dossier, outcome = _upload_process(upload)
            audit_append(_processed_event(_actor_of(upload), outcome=outcome, filed=[(dossier.pk, upload.pk)]))
            _uploads_finish([upload.pk], state=DossierUpload.State.DONE, outcome=outcome)
    except Exception as exc:
        if isinstance(exc, DosisProcessingError):
            reason = str(exc)
        else:
            log.exception("DOSIS upload %s could not be processed", upload.pk)
            reason = "Interne fout bij de verwerking; stuur de upload opnieuw."
        with transaction.atomic():
            audit_record(
                actor=_actor_of(upload),
                action=AuditAction.DOSSIER_UPLOAD_FAILED,
                outcome="failure",
                target=upload,
                detail={"reason": reason},
            )
            _uploads_finish([upload.pk], state=DossierUpload.State.FAILED, outcome="failed", errors=[reason])


def _upload_process(upload: DossierUpload) -> tuple[Dossier, str]:
    """File one upload; returns the dossier and what happened: created/updated/history/unchanged."""
    p = _prepare(upload)
    agency = upload.agency

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
    """One outbox row per owner: the notifications capability tells each of them."""
    _outbox_append([(dossier.pk, owner.pk, status.pk, dossier.agency_id) for owner in owners])
