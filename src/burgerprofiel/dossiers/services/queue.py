"""The queue of accepted uploads: ``DossierUpload`` rows, each written with its acceptance event.

Design note. The queue is a table, not a broker: an upload is answered only once its row and its
audit event have committed together (DESIGN rules 2 and 4), and the worker claims rows from it
(``filing``). This module is the only one that knows how the rows are written, and that differs
by dialect because the answered rate depends on it: on PostgreSQL a single upload is one
statement (the source check, the row and the event as CTEs: one round trip, one commit) and a
bulk request is one COPY; elsewhere (SQLite, the embedded default) the ORM writes them in one
transaction. The values do not differ: the payload is sealed before (``QueuedUpload``, through
the encrypted field's own ``stored``) and the event is built by ``audit_event_build`` before;
the dialects only write what was built.

A single upload is therefore prepared, then written (``queue_upload_prepare``,
``queue_upload_write``). Preparing is work for the web process alone (the event and its leaf
hash, the statement); writing is the one round trip. Keeping them apart keeps Python work out of
the database step, and lets the two shares of an upload be weighed apart (the database share in
``bench.dosis_ingest`` writes uploads prepared beforehand).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField
from django.utils import timezone

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_append, audit_counted, audit_event_build, audit_insert_per_row
from burgerprofiel.common.copy import copy_rows, next_ids
from burgerprofiel.common.queries import StatementGuard, fetchone_prepared
from burgerprofiel.common.randomness import random_uuid
from burgerprofiel.crypto.fields import JSONText, Sealers, encrypted_field, sealed
from burgerprofiel.dossiers.models import DosisSource, DossierUpload
from burgerprofiel.dossiers.schemas import DossierUploadIn
from burgerprofiel.dossiers.services.caller import Caller
from burgerprofiel.dossiers.services.sources import UnknownSource, source_of


@dataclass(frozen=True)
class QueuedUpload:
    """One validated upload as the queue keeps it: the payload's JSON, encrypted with the agency's key."""

    dossier_number: str
    upload_id: str
    payload: str
    seal_id: uuid.UUID  # the queue row's identity, bound into its payload's ciphertext

    @classmethod
    def of(
        cls, *, upload: DossierUploadIn, caller: Caller, sealers: Sealers, upload_id: str | None = None
    ) -> QueuedUpload:
        seal_id = random_uuid()
        payload = encrypted_field(DossierUpload, "payload").stored(
            JSONText(upload.model_dump_json()), row=caller.row_keys, sealers=sealers, row_id=seal_id
        )
        return cls(
            dossier_number=upload.Identificatie.DossierNummer,
            upload_id=upload_id or upload.UploadId or str(random_uuid()),
            payload=payload,
            seal_id=seal_id,
        )


def _accepted_event(caller: Caller, *, object_id: str = "", detail: dict[str, Any]) -> AuditEvent:
    """The acceptance event, built alike for a single upload and a bulk request."""
    return audit_event_build(
        actor=caller.actor,
        action=AuditAction.DOSSIER_UPLOAD_ACCEPTED,
        target=DossierUpload,
        object_id=object_id,
        detail=detail,
    )


# --- one upload -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedUpload:
    """One upload ready to be queued: its row's values and its acceptance event built, nothing written.
    The event names the row by ``ref``: on PostgreSQL both are written before the row has an id."""

    caller: Caller
    bron: str
    queued: QueuedUpload
    ref: uuid.UUID
    received_at: dt.datetime
    event: AuditEvent
    statement: tuple[str, list[Any]] | None  # PostgreSQL: the one statement that writes both
    guard: StatementGuard | None = None  # the caller's condition, checked by the statement as it writes


def queue_upload_prepare(
    *, caller: Caller, bron: str, queued: QueuedUpload, guard: StatementGuard | None = None
) -> PreparedUpload:
    """Build what queueing one upload writes (no database work). ``guard``: a condition the write
    must meet (checked in the statement on PostgreSQL, before the write elsewhere)."""
    ref = random_uuid()
    event = _accepted_event(caller, object_id=str(ref), detail={"count": 1})
    prepared = PreparedUpload(
        caller=caller,
        bron=bron,
        queued=queued,
        ref=ref,
        received_at=timezone.now(),
        event=event,
        statement=None,
        guard=guard,
    )
    if connection.vendor == "postgresql":
        prepared = dataclasses.replace(prepared, statement=_single_statement(prepared))
    return prepared


def queue_upload_write(prepared: PreparedUpload) -> int:
    """Write a prepared upload and its event, together; the queue row's id. ``UnknownSource`` (and
    nothing written) when the calling agency has no such Bron; the guard's own refusal (nothing
    written) when its condition fails, before the source is looked at."""
    guard = prepared.guard
    if prepared.statement is not None:
        row = fetchone_prepared(*prepared.statement)
        if row is None:  # the statement's source check or the guard failed: nothing was written
            if guard is not None:
                guard.explain()
            raise UnknownSource("Onbekende bron voor uw instantie.", extra={"bron": prepared.bron})
        audit_counted(prepared.event)
        return int(row[0])
    if guard is not None:
        guard.explain()
    caller, now, ref = prepared.caller, prepared.received_at, prepared.ref
    source = source_of(agency_id=caller.agency_id, uri=prepared.bron)
    with transaction.atomic():
        [created] = _orm_rows(caller=caller, rows=[(source.pk, prepared.queued)], now=now, ref=ref)
        audit_append(prepared.event)
    return created.pk


# The queue's columns as the statement and COPY write them; the payload goes in already encrypted.
_COLUMNS = (
    "agency_id",
    "source_id",
    "dossier_number",
    "upload_id",
    "client_id",
    "order_version_id",
    "payload",
    "state",
    "errors",
    "outcome",
    "received_at",
    "ref",
    "seal_id",
)


def _row_values(
    caller: Caller,
    queued: QueuedUpload,
    *,
    source_id: int | None,
    now: dt.datetime,
    ref: uuid.UUID | None,
    done: str | None = None,
) -> tuple[Any, ...]:
    """One queue row's stored values, in the order of ``_COLUMNS``; ``done``: the outcome of an
    upload filed already (its row keeps no payload)."""
    return (
        caller.agency_id,
        source_id,
        queued.dossier_number,
        queued.upload_id,
        caller.client_id,
        caller.order_version.pk,
        queued.payload if done is None else None,
        DossierUpload.State.PENDING.value if done is None else DossierUpload.State.DONE.value,
        "[]",
        done or "",
        now,
        ref,
        queued.seal_id,
    )


def _single_statement(prepared: PreparedUpload) -> tuple[str, list[Any]]:
    """PostgreSQL: the source check, the queue row and its audit event in one statement. Its SQL is
    the same for every upload under the same guard (built once per process: ``_single_sql``); it
    runs prepared on the server (``fetchone_prepared``)."""
    caller = prepared.caller
    audit_sql, audit_params = audit_insert_per_row(prepared.event, rows_of="queued")
    # The source's id comes from the statement's own check; every other value is a parameter.
    values = _row_values(caller, prepared.queued, source_id=None, now=prepared.received_at, ref=prepared.ref)
    guard = prepared.guard
    params = [
        prepared.bron,
        caller.agency_id,
        *(guard.params if guard is not None else ()),
        *(value for column, value in zip(_COLUMNS, values, strict=True) if column != "source_id"),
        *audit_params,
    ]
    return _single_sql(guard.sql if guard is not None else None, audit_sql), params


@functools.cache
def _single_sql(guard_sql: str | None, audit_sql: str) -> str:
    table = DossierUpload._meta.db_table
    sources = DosisSource._meta.db_table
    fields = {f.column: f for f in DossierUpload._meta.concrete_fields}
    # Each value cast to its column's type (text as text: the column's own length check still
    # applies), so that the statement can be bound on the server.
    select = ", ".join(
        "source.id"
        if column == "source_id"
        else f"%s::{'text' if isinstance(fields[column], CharField) else fields[column].db_type(connection)}"
        for column in _COLUMNS
    )
    guarded = f" AND {guard_sql}" if guard_sql is not None else ""
    return (
        f"WITH source AS (SELECT id FROM {sources} WHERE uri = %s AND agency_id = %s{guarded}), "  # noqa: S608 - table names from the models; values are parameters
        f"queued AS (INSERT INTO {table} ({', '.join(_COLUMNS)}) SELECT {select} FROM source RETURNING id), "
        f"audited AS ({audit_sql}) "
        "SELECT id FROM queued"
    )


# --- many uploads ---------------------------------------------------------------------------------


def queue_uploads_write(*, caller: Caller, rows: list[tuple[int, QueuedUpload]], refused: int) -> list[int]:
    """Write many uploads (source id, upload) with one acceptance event naming them all, in one
    transaction (COPY on PostgreSQL); returns the queue rows' ids. ``refused``: the lines of the
    same request that were not accepted, for the event."""
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            ids = next_ids(DossierUpload, len(rows))
            queue_rows_copy(caller=caller, rows=[(pk, *row, None) for pk, row in zip(ids, rows, strict=True)], now=now)
        else:
            ids = [row.pk for row in _orm_rows(caller=caller, rows=rows, now=now, ref=None)]
        queue_accepted_append(caller=caller, ids=ids, refused=refused)
    return ids


def queue_accepted_append(*, caller: Caller, ids: list[int], refused: int) -> None:
    """The acceptance event of a bulk request, naming its upload rows (``ids``)."""
    audit_append(_accepted_event(caller, detail={"count": len(ids), "refused": refused, "bulk": True, "uploads": ids}))


def queue_rows_copy(*, caller: Caller, rows: list[tuple[int, int, QueuedUpload, str | None]], now: dt.datetime) -> None:
    """PostgreSQL: upload rows (id, source id, upload, outcome) with one COPY, ids from ``next_ids``.
    An outcome means the upload was filed as it was accepted (``filing_inline``): its row is
    written done, with that outcome and no payload; without one it is queued for the worker."""
    copy_rows(
        DossierUpload,
        ("id", *_COLUMNS, "processed_at"),
        (
            (
                pk,
                *_row_values(caller, queued, source_id=source_id, now=now, ref=None, done=outcome),
                None if outcome is None else now,
            )
            for pk, source_id, queued, outcome in rows
        ),
    )


def _orm_rows(
    *, caller: Caller, rows: list[tuple[int, QueuedUpload]], now: dt.datetime, ref: uuid.UUID | None
) -> list[DossierUpload]:
    """Queue rows with the ORM (one multi-row INSERT per thousand rows)."""
    objects = [
        DossierUpload(
            agency_id=caller.agency_id,
            source_id=source_id,
            dossier_number=queued.dossier_number,
            upload_id=queued.upload_id,
            client_id=caller.client_id,
            order_version_id=caller.order_version.pk,
            received_at=now,
            ref=ref,
            payload=sealed(queued.payload),  # sealed once, when the upload was checked
            seal_id=queued.seal_id,  # ... bound to this identity
        )
        for source_id, queued in rows
    ]
    return DossierUpload.objects.bulk_create(objects, batch_size=1000)
