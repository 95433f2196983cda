"""Dossiers written in bulk for test and demo data (``burgerprofiel seed``), never in production.

Design note. Seeded dossiers must be indistinguishable, in the database, from dossiers an agency
uploaded: the same columns, encrypted by the same field code (``EncryptedTextField.stored`` with
one data-key lookup per batch, ``Sealers``), the same keyed hashes the filing path compares a
re-upload with, owners keyed by the citizens app's INSZ blind index, and the current status
denormalised onto the dossier as filing does. They are written as the filing fast path writes
(``filing._new_dossiers_copy``): ids from the sequences first, then one COPY per table on
PostgreSQL; a multi-row INSERT per table elsewhere. Unlike an upload, seeding writes no
status-change outbox rows: a seed of a million dossiers must not send a million meldingen. The
batch is recorded by one audit event (``dossier.seeded``) in the same transaction (DESIGN rule 2).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_event_build, audit_events_append
from burgerprofiel.common.copy import copy_rows, next_ids
from burgerprofiel.common.randomness import random_uuid
from burgerprofiel.crypto.fields import Sealers, encrypted_field, key_context, sealed
from burgerprofiel.dossiers.models import DosisSource, Dossier, DossierOwner, DossierStatus, Phase
from burgerprofiel.dossiers.services.filing_batch import _DOSSIER_COLUMNS, _STATUS_COLUMNS
from burgerprofiel.dossiers.services.filing_parts import _hash


class SeedRefused(Exception):
    """Seeding was asked for where it must not run (production)."""


@dataclass(frozen=True)
class SeedStatus:
    phase: Phase
    code: str
    modified_at: dt.datetime
    detail: str = ""
    action_needed: bool = False
    action_text: str = ""


@dataclass(frozen=True)
class SeedDossier:
    """One dossier to seed. ``owners``: INSZ blind indexes (``Citizen.insz_index``); ``statuses``:
    its history, oldest first (the last one is current)."""

    number: str
    name: str
    owners: Sequence[str]
    statuses: Sequence[SeedStatus]
    type_code: str = ""
    ipdc_product: str = ""
    redirect_url: str = ""
    manager: dict[str, Any] | None = field(default=None)


def dossiers_seed_many(*, agency: Agency, source: DosisSource, dossiers: Sequence[SeedDossier], actor: Actor) -> int:
    """Write ``dossiers`` (with owners and status history) for ``agency`` under ``source``, audited;
    returns how many rows were written. Refused in production."""
    if settings.PRODUCTION:
        raise SeedRefused("Testgegevens horen niet in productie.")
    if not dossiers:
        return 0
    if source.agency_id != agency.pk:
        raise ValueError("the source belongs to another agency")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            written, first_id, last_id = _seed_copy(agency, source, dossiers)
        else:
            written, first_id, last_id = _seed_create(agency, source, dossiers)
        audit_events_append(
            [
                audit_event_build(
                    actor=actor,
                    action=AuditAction.DOSSIERS_SEEDED,
                    target=Dossier,
                    agency_id=agency.pk,
                    # ids only: a seed batch's dossiers are consecutive on both dialects
                    detail={"count": len(dossiers), "rows": written, "first_id": first_id, "last_id": last_id},
                )
            ]
        )
    return written


def _values(d: SeedDossier) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The dossier's plain values, its current-status values and its content hash, as filing makes them."""
    current = d.statuses[-1]
    values = {
        "name": d.name,
        "ipdc_product": d.ipdc_product,
        "type_code": d.type_code,
        "redirect_url": d.redirect_url,
        "manager": d.manager,
    }
    current_values = {
        "current_phase": current.phase.value,
        "current_code": current.code,
        "current_modified_at": current.modified_at,
        "action_needed": current.action_needed,
        "closed_at": current.modified_at if current.phase == Phase.AFGEROND else None,
    }
    owners = sorted((DossierOwner.Kind.INSZ.value, key) for key in d.owners)
    return values, current_values, _hash({**values, "owners": owners}, purpose="dosis-dossier")


def _status_values(s: SeedStatus) -> tuple[dict[str, Any], str]:
    values = {
        "phase": s.phase.value,
        "code": s.code,
        "detail": s.detail,
        "action_needed": s.action_needed,
        "action_text": s.action_text,
    }
    return values, _hash({**values, "modified_at": s.modified_at.isoformat()}, purpose="dosis-status")


def _seed_copy(agency: Agency, source: DosisSource, dossiers: Sequence[SeedDossier]) -> tuple[int, int, int]:
    """PostgreSQL: one COPY per table, ids from the sequences first (as the filing fast path)."""
    dossier_ids = next_ids(Dossier, len(dossiers))
    status_ids = iter(next_ids(DossierStatus, sum(len(d.statuses) for d in dossiers)))
    owner_ids = iter(next_ids(DossierOwner, sum(len(d.owners) for d in dossiers)))
    keys = key_context(Dossier(agency=agency), Dossier, DossierStatus)
    sealers = Sealers()
    seal = {
        name: encrypted_field(model, name)
        for model, name in ((Dossier, "name"), (Dossier, "manager"), (DossierStatus, "detail"))
    }
    action_text = encrypted_field(DossierStatus, "action_text")
    now = timezone.now()
    dossier_rows, status_rows, owner_rows = [], [], []
    for dossier_id, d in zip(dossier_ids, dossiers, strict=True):
        values, current, content_hash = _values(d)
        seal_id = random_uuid()  # the row's identity, bound into its encrypted values
        row: dict[str, Any] = dict.fromkeys(_DOSSIER_COLUMNS)
        row.update(values)
        row.update(current)
        row.update(
            id=dossier_id,
            agency_id=agency.pk,
            source_id=source.pk,
            number=d.number,
            name=seal["name"].stored(values["name"], row=keys, sealers=sealers, row_id=seal_id),
            manager=seal["manager"].stored(values["manager"], row=keys, sealers=sealers, row_id=seal_id),
            content_hash=content_hash,
            created_at=now,
            seal_id=seal_id,
        )
        dossier_rows.append(tuple(row[c] for c in _DOSSIER_COLUMNS))
        for key in d.owners:
            owner_rows.append((next(owner_ids), dossier_id, DossierOwner.Kind.INSZ.value, key))
        for s in d.statuses:
            status, status_hash = _status_values(s)
            status_seal = random_uuid()
            status_rows.append(
                (
                    next(status_ids),
                    dossier_id,
                    agency.pk,
                    status["phase"],
                    status["code"],
                    seal["detail"].stored(status["detail"], row=keys, sealers=sealers, row_id=status_seal),
                    status["action_needed"],
                    action_text.stored(status["action_text"], row=keys, sealers=sealers, row_id=status_seal),
                    s.modified_at,
                    status_hash,
                    now,
                    status_seal,
                )
            )
    copy_rows(Dossier, _DOSSIER_COLUMNS, dossier_rows)
    copy_rows(DossierOwner, ("id", "dossier_id", "kind", "key"), owner_rows)
    copy_rows(DossierStatus, _STATUS_COLUMNS, status_rows)
    return len(dossier_rows) + len(owner_rows) + len(status_rows), dossier_ids[0], dossier_ids[-1]


def _seed_create(agency: Agency, source: DosisSource, dossiers: Sequence[SeedDossier]) -> tuple[int, int, int]:
    """Elsewhere (SQLite): the ORM's multi-row INSERTs, sealing through the same ``stored``."""
    keys = key_context(Dossier(agency=agency), Dossier, DossierStatus)
    sealers = Sealers()

    def seal(model: type[Dossier] | type[DossierStatus], name: str, value: Any, seal_id: uuid.UUID) -> Any:
        stored = encrypted_field(model, name).stored(value, row=keys, sealers=sealers, row_id=seal_id)
        return None if stored is None else sealed(stored)

    made = []
    for d in dossiers:
        values, current, content_hash = _values(d)
        seal_id = random_uuid()
        values["name"] = seal(Dossier, "name", values["name"], seal_id)
        values["manager"] = seal(Dossier, "manager", values["manager"], seal_id)
        made.append(
            Dossier(
                seal_id=seal_id,
                agency=agency,
                source=source,
                number=d.number,
                content_hash=content_hash,
                **values,
                **current,
            )
        )
    created = Dossier.objects.bulk_create(made, batch_size=500)
    owners = [
        DossierOwner(dossier_id=c.pk, kind=DossierOwner.Kind.INSZ, key=key)
        for c, d in zip(created, dossiers, strict=True)
        for key in d.owners
    ]
    statuses = []
    for c, d in zip(created, dossiers, strict=True):
        for s in d.statuses:
            status, status_hash = _status_values(s)
            status_seal = random_uuid()
            status["detail"] = seal(DossierStatus, "detail", status["detail"], status_seal)
            status["action_text"] = seal(DossierStatus, "action_text", status["action_text"], status_seal)
            statuses.append(
                DossierStatus(
                    seal_id=status_seal,
                    dossier_id=c.pk,
                    agency=agency,
                    modified_at=s.modified_at,
                    content_hash=status_hash,
                    **status,
                )
            )
    DossierOwner.objects.bulk_create(owners, batch_size=1000)
    DossierStatus.objects.bulk_create(statuses, batch_size=500)
    return len(created) + len(owners) + len(statuses), created[0].pk, created[-1].pk
