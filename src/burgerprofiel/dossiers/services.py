"""Writes on DOSIS dossiers: accepting uploads, processing them, deleting and purging dossiers.

Design note. An upload is validated, checked against the processing order and its ``Bron``, and
stored, encrypted, as a ``DossierUpload`` row in one transaction with its audit event (DESIGN rule 4:
nothing accepted is lost). The upload rows are the queue, no task is enqueued per upload: the
worker's DOSIS loop (``dosis_queue_drain``) claims a batch (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL) and works through it, new dossiers together, the others each in a savepoint so one
bad upload does not undo the others. Processing files the status into the history by its
``WijzigingsDatum``: the newest becomes current, a late older one only joins the history, an
identical one changes nothing. A real change of the current status writes one outbox row per owner
(``DossierStatusChange``) for the notifications capability.

Deletion (DELETE by the agency, or the retention purge of DESIGN rule 7) removes the dossier, its
owners, history, outbox rows and upload results together, and leaves an audit event that names
no personal data.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from pydantic import ValidationError as PydanticValidationError

from burgerprofiel.agencies.catalogue import DEFAULT_RETENTION_DAYS, Component
from burgerprofiel.agencies.models import Agency, ProcessingOrderVersion
from burgerprofiel.agencies.order_check import OrderRefused, order_check
from burgerprofiel.agencies.selectors import client_data_key_id, current_order_version
from burgerprofiel.audit.actors import SYSTEM, Actor, citizen_actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_counted, audit_event_build, audit_insert_per_row, audit_record
from burgerprofiel.citizens.insz import insz_index
from burgerprofiel.common.copy import copy_rows, next_ids
from burgerprofiel.common.errors import ApplicationError, NotFound, ValidationError
from burgerprofiel.common.randomness import random_uuid
from burgerprofiel.common.text import UnstorableText, check_storable, may_hold_unstorable
from burgerprofiel.crypto.fields import EncryptedTextField, Sealer, blind_index, sealed
from burgerprofiel.dossiers.models import (
    DosisSource,
    Dossier,
    DossierOwner,
    DossierStatus,
    DossierStatusChange,
    DossierUpload,
    Phase,
)
from burgerprofiel.dossiers.schemas import DossierUploadIn, payload_categories

if TYPE_CHECKING:
    from burgerprofiel.oauth.services import AgencyPrincipal

log = logging.getLogger(__name__)

COMPONENT = Component.DOSIS


class DosisValidationError(ApplicationError):
    """A synchronous validation failure, answered in DOSIS's own format (wire compatibility)."""

    code = "VALIDATIE_FOUT"
    status = 400
    title = "Ongeldige upload"

    def __init__(self, errors: list[dict[str, Any]], detail: str = "De upload bevat ongeldige velden.") -> None:
        super().__init__(detail)
        self.errors = errors

    def as_dosis(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.title,
            "description": f"{self.detail} Er werd niets opgeslagen.",
            "errors": self.errors,
        }


class UnknownSource(NotFound):
    code = "bron-onbekend"


class DosisProcessingError(Exception):
    """An accepted upload that could not be filed; the agency reads why at /resultaten/fouten."""


# --- validation -----------------------------------------------------------------------------------

_MESSAGES = {
    "missing": "Verplicht veld ontbreekt.",
    "enum": "Ongeldige waarde.",
    "literal_error": "Ongeldige waarde.",
    "string_too_short": "Te kort of leeg.",
    "string_too_long": "Te lang.",
    "too_short": "Te weinig elementen.",
    "too_long": "Te veel elementen.",
    "string_type": "Moet tekst zijn.",
    "bool_type": "Moet true of false zijn.",
    "bool_parsing": "Moet true of false zijn.",
    "datetime_type": "Moet een datum en tijd zijn (ISO 8601).",
    "datetime_parsing": "Moet een datum en tijd zijn (ISO 8601).",
    "datetime_from_date_parsing": "Moet een datum en tijd zijn (ISO 8601).",
    "list_type": "Moet een lijst zijn.",
    "model_type": "Moet een object zijn.",
    "model_attributes_type": "Moet een object zijn.",
    "dict_type": "Moet een object zijn.",
    "string_pattern_mismatch": "Ongeldig formaat.",
    "json_invalid": "Geen geldige JSON.",
}


def dosis_errors(raw_errors: Iterable[dict[str, Any]], *, strip: int = 0) -> list[dict[str, Any]]:
    """pydantic errors as DOSIS ``errors[]``: code, Dutch message, description, field path.

    Only the message and the type: pydantic's ``input`` would echo an INSZ back.
    """
    result = []
    for error in raw_errors:
        loc = [str(p) for p in list(error.get("loc", ()))[strip:]]
        kind = str(error.get("type", "invalid"))
        description = str(error.get("msg", ""))
        if kind == "value_error":
            description = description.removeprefix("Value error, ")
            message = description
        elif kind == "enum" and loc[-1:] == ["VlaamsFase"]:
            message = f"Fase moet een van {', '.join(Phase.values)} zijn."
        else:
            message = _MESSAGES.get(kind, "Ongeldige waarde.")
        result.append(
            {
                "code": kind,
                "message": message,
                "description": description,
                "field": ".".join(loc) or None,
            }
        )
    return result


def dosis_upload_parse(raw: bytes | str) -> DossierUploadIn:
    """One upload from JSON text, or ``DosisValidationError`` in DOSIS's format."""
    try:
        upload = DossierUploadIn.model_validate_json(raw)
    except PydanticValidationError as exc:
        raise DosisValidationError(dosis_errors([dict(e) for e in exc.errors(include_input=False)])) from None
    try:
        if may_hold_unstorable(raw if isinstance(raw, bytes) else raw.encode()):
            check_storable(upload.model_dump(mode="json"))
    except UnstorableText:
        raise DosisValidationError(
            [
                {
                    "code": "text_unstorable",
                    "message": "Tekst met een NUL-teken of een losse surrogaat wordt niet aanvaard.",
                    "description": "NUL characters and lone surrogates cannot be stored.",
                    "field": None,
                }
            ]
        ) from None
    return upload


# --- sources --------------------------------------------------------------------------------------


def dosis_source_register(*, agency: Agency, uri: str, actor: Actor) -> DosisSource:
    uri = uri.strip()
    if not uri or len(uri) > 500:
        raise ValidationError("Een bron-URI telt 1 tot 500 tekens.", extra={"field": "uri"})
    with transaction.atomic():
        existing = DosisSource.objects.filter(uri=uri).first()
        if existing is not None:
            if existing.agency_id != agency.pk:
                raise ValidationError("Deze bron behoort al tot een andere instantie.", extra={"field": "uri"})
            return existing
        source = DosisSource.objects.create(agency=agency, uri=uri)
        audit_record(
            actor=actor,
            action="dosis_source.registered",
            agency_id=agency.pk,
            object_type="dossiers.DosisSource",
            object_id=str(source.pk),
            detail={"uri": uri},
        )
    return source


def _source_for(*, agency_id: int, uri: str) -> DosisSource:
    """The agency's own source, else 404: another agency's source is as unknown as a missing one."""
    source = DosisSource.objects.select_related("agency").filter(uri=uri, agency_id=agency_id).first()
    if source is None:
        raise UnknownSource("Onbekende bron voor uw instantie.", extra={"bron": uri})
    return source


# --- accepting uploads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """The agency client making the call, with the order version the auth check found."""

    actor: Actor
    client_id: str
    order_version: ProcessingOrderVersion
    data_key_id: uuid.UUID

    @classmethod
    def of(cls, principal: AgencyPrincipal, version: ProcessingOrderVersion) -> Caller:
        """The authenticated client, under the order version its check found."""
        return cls(
            actor=principal.actor_under(version),
            client_id=principal.client.client_id,
            order_version=version,
            data_key_id=client_data_key_id(principal.client),
        )

    @property
    def agency_id(self) -> int:
        assert self.actor.agency_id is not None
        return self.actor.agency_id

    @functools.cached_property
    def allowed_categories(self) -> frozenset[str]:
        """What the order version lets DOSIS uploads carry (worked out once per call, not per bulk line)."""
        return frozenset(self.order_version.categories_for(COMPONENT))


def _categories_check(*, caller: Caller, upload: DossierUploadIn) -> None:
    """The order check for the categories this payload carries (403 naming them, audited)."""
    carried = payload_categories(upload)
    if not caller.allowed_categories.issuperset(carried):
        order_check(actor=caller.actor, agency_id=caller.agency_id, component=COMPONENT, categories=carried)


@dataclass(frozen=True)
class QueuedUpload:
    """One validated upload as the queue keeps it: the payload's JSON, encrypted with the agency's key."""

    dossier_number: str
    upload_id: str
    payload: str

    @classmethod
    def of(cls, *, upload: DossierUploadIn, sealer: Sealer) -> QueuedUpload:
        return cls(
            dossier_number=upload.Identificatie.DossierNummer,
            upload_id=upload.UploadId or str(random_uuid()),
            payload=sealer.seal(upload.model_dump_json().encode()),
        )


# The queue's columns as the fast paths write them; the payload goes in already encrypted.
_QUEUE_COLUMNS = (
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
)


@dataclass(frozen=True)
class QueueStatement:
    """PostgreSQL: one single upload's statement, ready to run: the source check, the queue row and
    its audit event together (one round trip, one commit). Built apart from running it, so that the
    bench can weigh the database's share of an upload on its own."""

    sql: str
    params: list[Any]
    event: AuditEvent
    ref: uuid.UUID


def _queue_values(
    caller: Caller, queued: QueuedUpload, *, source_id: int | None, now: dt.datetime, ref: uuid.UUID | None
) -> tuple[Any, ...]:
    """One queue row's values in the order of ``_QUEUE_COLUMNS``, as the fast paths write them."""
    return (
        caller.agency_id,
        source_id,
        queued.dossier_number,
        queued.upload_id,
        caller.client_id,
        caller.order_version.pk,
        queued.payload,
        DossierUpload.State.PENDING.value,
        "[]",
        "",
        now,
        ref,
    )


def queue_statement(*, caller: Caller, bron: str, queued: QueuedUpload) -> QueueStatement:
    ref = random_uuid()
    event = audit_event_build(
        actor=caller.actor,
        action="dossier.upload_accepted",
        object_type="dossiers.DossierUpload",
        object_id=str(ref),
        detail={"count": 1},
    )
    audit_sql, audit_params = audit_insert_per_row(event, rows_of="queued")
    table = DossierUpload._meta.db_table
    # The source's id comes from the statement's own check; every other value is a parameter.
    values = _queue_values(caller, queued, source_id=None, now=timezone.now(), ref=ref)
    select = ", ".join("source.id" if column == "source_id" else "%s" for column in _QUEUE_COLUMNS)
    sql = (
        "WITH source AS (SELECT id FROM dossiers_dosissource WHERE uri = %s AND agency_id = %s), "  # noqa: S608
        f"queued AS (INSERT INTO {table} ({', '.join(_QUEUE_COLUMNS)}) SELECT {select} FROM source RETURNING id), "
        f"audited AS ({audit_sql}) "
        "SELECT id FROM queued"
    )
    params = [
        bron,
        caller.agency_id,
        *(value for column, value in zip(_QUEUE_COLUMNS, values, strict=True) if column != "source_id"),
        *audit_params,
    ]
    return QueueStatement(sql=sql, params=params, event=event, ref=ref)


def queue_statement_run(statement: QueueStatement) -> int | None:
    """Run it; the queue row's id, or None when the agency has no such source (nothing was written)."""
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params)
        row = cursor.fetchone()
    if row is None:
        return None
    audit_counted(statement.event)
    return int(row[0])


def dossier_upload_accept(*, caller: Caller, upload: DossierUploadIn) -> str:
    """Check, store and queue one upload, audited; returns its UploadId. A worker files it."""
    _categories_check(caller=caller, upload=upload)
    queued = QueuedUpload.of(upload=upload, sealer=Sealer(caller.data_key_id))
    bron = upload.Identificatie.Bron
    if connection.vendor == "postgresql":
        if queue_statement_run(queue_statement(caller=caller, bron=bron, queued=queued)) is None:
            raise UnknownSource("Onbekende bron voor uw instantie.", extra={"bron": bron})
    else:
        source = _source_for(agency_id=caller.agency_id, uri=bron)
        with transaction.atomic():
            row = _queue_rows(caller=caller, sources={bron: source.pk}, rows=[(bron, queued)], ref=True)[0]
            audit_record(
                actor=caller.actor,
                action="dossier.upload_accepted",
                object_type="dossiers.DossierUpload",
                object_id=str(row.ref),
                detail={"count": 1},
            )
    dosis_processing_kick()
    return queued.upload_id


def _queue_rows(
    *, caller: Caller, sources: dict[str, int], rows: list[tuple[str, QueuedUpload]], ref: bool = False
) -> list[DossierUpload]:
    """Write queue rows with the ORM (one multi-row INSERT per thousand rows)."""
    now = timezone.now()
    objects = [
        DossierUpload(
            agency_id=caller.agency_id,
            source_id=sources[bron],
            dossier_number=q.dossier_number,
            upload_id=q.upload_id,
            client_id=caller.client_id,
            order_version_id=caller.order_version.pk,
            received_at=now,
            ref=random_uuid() if ref else None,
            payload=sealed(q.payload),  # encrypted once, when the line was checked
        )
        for bron, q in rows
    ]
    return DossierUpload.objects.bulk_create(objects, batch_size=1000)


def _copy_rows(*, caller: Caller, sources: dict[str, int], rows: list[tuple[str, QueuedUpload]]) -> list[int]:
    """PostgreSQL: ids from the sequence in one query, then the rows with COPY; returns the ids."""
    ids = next_ids(DossierUpload, len(rows))
    now = timezone.now()
    copy_rows(
        DossierUpload,
        ("id", *_QUEUE_COLUMNS),
        (
            (pk, *_queue_values(caller, q, source_id=sources[bron], now=now, ref=None))
            for pk, (bron, q) in zip(ids, rows, strict=True)
        ),
    )
    return ids


def dosis_processing_kick() -> None:
    """Have what was just queued filed. ``burgerprofiel worker`` drains the queue on its own (every
    ``DOSIS_DRAIN_INTERVAL_MS`` when idle), so nothing is enqueued per upload; a task backend
    that runs tasks inline (tests, one-off scripts) files them now. Call it after the queue rows
    were written (outside their transaction)."""
    from django_tasks.backends.immediate import ImmediateBackend

    from burgerprofiel.dossiers.tasks import dosis_uploads_process

    if isinstance(dosis_uploads_process.get_backend(), ImmediateBackend):
        dosis_uploads_process.enqueue()


@dataclass
class BulkResult:
    lines: list[dict[str, Any]] = field(default_factory=list)
    accepted: int = 0
    refused: int = 0


class BulkTooLarge(ApplicationError):
    code = "payload-too-large"
    status = 413
    title = "Aanvraag te groot"


NDJSON_CHUNK_BYTES = 256 * 1024


def ndjson_lines(stream: Any, *, max_bytes: int, max_lines: int) -> Iterator[bytes]:
    """The non-empty lines of an NDJSON stream, read a chunk at a time; refuses beyond the limits.

    At most one chunk and one line are held at once, whatever the body's size.
    """
    read = 0
    count = 0
    pending = b""
    while True:
        chunk = stream.read(min(NDJSON_CHUNK_BYTES, max_bytes - read + 1))
        read += len(chunk)
        if read > max_bytes:
            raise BulkTooLarge(f"De body is groter dan {max_bytes} bytes.", extra={"max_bytes": max_bytes})
        if not chunk:
            lines = [pending]
        else:
            *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            count += 1
            if count > max_lines:
                raise BulkTooLarge(f"Meer dan {max_lines} uploads in één bulkaanvraag.", extra={"max_lines": max_lines})
            yield line
        if not chunk:
            return


def dossier_uploads_accept_bulk(*, caller: Caller, lines: Iterable[bytes]) -> BulkResult:
    """Many uploads in one request: each line is checked on its own and answered on its own.

    The valid lines are stored together (COPY on PostgreSQL) with one audit event naming them,
    after the whole stream was read: a stream that breaks off (too large, too many lines) stores
    nothing.
    """
    result = BulkResult()
    rows: list[tuple[str, QueuedUpload]] = []
    sources = dict(DosisSource.objects.filter(agency_id=caller.agency_id).values_list("uri", "pk"))
    sealer = Sealer(caller.data_key_id)
    for number, line in enumerate(lines, start=1):
        try:
            upload = dosis_upload_parse(line)
            _categories_check(caller=caller, upload=upload)
            bron = upload.Identificatie.Bron
            if bron not in sources:
                raise UnknownSource("Onbekende bron voor uw instantie.")
        except DosisValidationError as exc:
            result.lines.append({"Lijn": number, "Status": "FOUT", **exc.as_dosis()})
            result.refused += 1
            continue
        except (OrderRefused, UnknownSource) as exc:
            result.lines.append(
                {"Lijn": number, "Status": "FOUT", "code": exc.code, "message": exc.title, "description": exc.detail}
            )
            result.refused += 1
            continue
        queued = QueuedUpload.of(upload=upload, sealer=sealer)
        rows.append((bron, queued))
        result.lines.append({"Lijn": number, "Status": "OK", "UploadId": queued.upload_id})
        result.accepted += 1
    if rows:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                ids = _copy_rows(caller=caller, sources=sources, rows=rows)
            else:
                ids = [row.pk for row in _queue_rows(caller=caller, sources=sources, rows=rows)]
            audit_record(
                actor=caller.actor,
                action="dossier.upload_accepted",
                object_type="dossiers.DossierUpload",
                detail={"count": len(rows), "refused": result.refused, "bulk": True, "uploads": ids},
            )
        dosis_processing_kick()
    return result


# --- processing -----------------------------------------------------------------------------------


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


def _lock_dossier(*, source_id: int, number: str) -> Dossier | None:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("agency")
        .filter(source_id=source_id, number=number)
        .first()
    )


@dataclass
class _Prepared:
    """What an upload will write, computed once (and hashed, to recognise an identical re-upload)."""

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


def _changes_record(dossier: Dossier, status: DossierStatus, owners: list[DossierOwner]) -> None:
    """One outbox row per owner: the notifications capability tells each of them."""
    _outbox_append([(dossier.pk, owner.pk, status.pk, dossier.agency_id) for owner in owners])


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


def _actor_of(upload: DossierUpload) -> Actor:
    return Actor(
        kind="agency_client",
        id=upload.client_id,
        agency_id=upload.agency_id,
        order_version_id=upload.order_version_id,
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


def _created_audit(filed: list[tuple[int, DossierUpload]]) -> None:
    """One ``dossier.upload_processed`` event per client for the dossiers the fast path created.

    The event names every dossier and upload it covers (ids only, no personal data), so each
    filed upload keeps its audit evidence at one INSERT per batch rather than one per dossier.
    """
    by_actor: dict[Actor, list[tuple[int, DossierUpload]]] = {}
    for dossier_id, upload in filed:
        by_actor.setdefault(_actor_of(upload), []).append((dossier_id, upload))
    for actor, pairs in by_actor.items():
        audit_record(
            actor=actor,
            action="dossier.upload_processed",
            object_type="dossiers.Dossier",
            object_id=str(pairs[0][0]) if len(pairs) == 1 else "",
            detail={
                "outcome": "created",
                "count": len(pairs),
                "dossiers": [d for d, _ in pairs],
                "uploads": [u.pk for _, u in pairs],
            },
        )


def _sealed(model: type[models.Model], name: str, value: Any, *, sealer: Sealer) -> str | None:
    """What an encrypted field of ``model`` stores for ``value`` (for rows written without the ORM)."""
    if value is None:
        return None
    field = model._meta.get_field(name)
    assert isinstance(field, EncryptedTextField)
    return sealer.seal(field.to_plain(value))


def _new_dossiers_copy(candidates: list[tuple[DossierUpload, _Prepared]]) -> list[int]:
    """PostgreSQL: the new dossiers, their owners, first statuses and outbox rows with one COPY per
    table (ids from the sequences first, so the rows can name each other); returns the dossier ids."""
    dossier_ids = next_ids(Dossier, len(candidates))
    status_ids = next_ids(DossierStatus, len(candidates))
    owner_ids = iter(next_ids(DossierOwner, sum(len(p.owners) for _, p in candidates)))
    now = timezone.now()
    dossiers, statuses, owners, changes = [], [], [], []
    sealers: dict[Any, Sealer] = {}
    for (upload, p), dossier_id, status_id in zip(candidates, dossier_ids, status_ids, strict=True):
        key_id = upload.agency.data_key_id
        sealer = sealers.get(key_id) or sealers.setdefault(key_id, Sealer(key_id))
        values, current, status = p.dossier_values, p.current_values, p.status_values
        dossiers.append(
            (
                dossier_id,
                upload.agency_id,
                upload.source_id,
                upload.dossier_number,
                _sealed(Dossier, "name", values["name"], sealer=sealer),
                values["ipdc_product"],
                values["type_code"],
                values["redirect_url"],
                _sealed(Dossier, "manager", values["manager"], sealer=sealer),
                current["current_phase"],
                current["current_code"],
                current["current_modified_at"],
                current["action_needed"],
                current["closed_at"],
                p.dossier_hash,
                now,
            )
        )
        statuses.append(
            (
                status_id,
                dossier_id,
                upload.agency_id,
                status["phase"],
                status["code"],
                _sealed(DossierStatus, "detail", status["detail"], sealer=sealer),
                status["action_needed"],
                _sealed(DossierStatus, "action_text", status["action_text"], sealer=sealer),
                p.modified_at,
                p.status_hash,
                now,
            )
        )
        for kind, key in sorted(p.owners):
            owner_id = next(owner_ids)
            owners.append((owner_id, dossier_id, kind, key))
            changes.append((dossier_id, owner_id, status_id, upload.agency_id))
    dossier_columns = ["id", "agency_id", "source_id", "number", "name", "ipdc_product", "type_code"]
    dossier_columns += ["redirect_url", "manager", "current_phase", "current_code", "current_modified_at"]
    dossier_columns += ["action_needed", "closed_at", "content_hash", "created_at"]
    copy_rows(Dossier, dossier_columns, dossiers)
    copy_rows(DossierOwner, ("id", "dossier_id", "kind", "key"), owners)
    status_columns = ["id", "dossier_id", "agency_id", "phase", "code", "detail", "action_needed", "action_text"]
    copy_rows(DossierStatus, [*status_columns, "modified_at", "content_hash", "created_at"], statuses)
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


def _new_dossiers_file(batch: list[DossierUpload]) -> set[int]:
    """Fast path: uploads that each create a dossier no other upload of the batch names.

    They are written together (COPY on PostgreSQL, one multi-row INSERT per table elsewhere),
    audited with one event per client that names the dossiers and uploads (``_created_audit``);
    returns the ids of the uploads filed. Anything unusual (an unreadable payload, a dossier that
    exists, a concurrent worker creating the same dossier) is left to the careful one-by-one path.
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
            _created_audit(list(zip(dossier_ids, (u for u, _ in candidates), strict=True)))
            _uploads_finish([u.pk for u, _ in candidates], state=DossierUpload.State.DONE, outcome="created")
    except Exception as exc:
        # Rolled back to the savepoint: the careful path files (or fails) each upload on its own.
        if not isinstance(exc, IntegrityError):
            log.exception("DOSIS fast path failed for a batch of %s uploads", len(candidates))
        return set()
    return {u.pk for u, _ in candidates}


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
                action="dossier.upload_failed",
                outcome="failure",
                object_type="dossiers.DossierUpload",
                detail={"reason": refused.reason, "uploads": ids},
            )
            _uploads_finish(ids, state=DossierUpload.State.FAILED, outcome="failed", errors=[reason])
            continue
        allowed += uploads
    return allowed


def dossier_uploads_process(*, batch_size: int = 500) -> int:
    """Claim and process one batch of pending uploads; returns how many were claimed."""
    with transaction.atomic():
        pending = DossierUpload.objects.filter(state=DossierUpload.State.PENDING).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True, of=("self",))
        claimed = list(pending.select_related("agency")[:batch_size])
        batch = _orders_allowing(claimed)
        filed = _new_dossiers_file(batch)
        for upload in batch:
            if upload.pk in filed:
                continue
            try:
                with transaction.atomic():
                    dossier, outcome = _upload_process(upload)
                    audit_record(
                        actor=_actor_of(upload),
                        action="dossier.upload_processed",
                        object_type="dossiers.Dossier",
                        object_id=str(dossier.pk),
                        detail={"upload": upload.pk, "outcome": outcome},
                    )
                    _uploads_finish([upload.pk], state=DossierUpload.State.DONE, outcome=outcome)
            except Exception as exc:
                # Whatever the reason, the upload is answered as failed rather than retried forever;
                # the log names the upload, never its content.
                if isinstance(exc, DosisProcessingError):
                    reason = str(exc)
                else:
                    log.exception("DOSIS upload %s could not be processed", upload.pk)
                    reason = "Interne fout bij de verwerking; stuur de upload opnieuw."
                with transaction.atomic():
                    audit_record(
                        actor=_actor_of(upload),
                        action="dossier.upload_failed",
                        outcome="failure",
                        object_type="dossiers.DossierUpload",
                        object_id=str(upload.pk),
                        detail={"reason": reason},
                    )
                    _uploads_finish([upload.pk], state=DossierUpload.State.FAILED, outcome="failed", errors=[reason])
        return len(claimed)


def dossier_uploads_process_all(*, batch_size: int = 500, max_batches: int = 100) -> int:
    total = 0
    for _ in range(max_batches):
        claimed = dossier_uploads_process(batch_size=batch_size)
        total += claimed
        if claimed < batch_size:
            break
    return total


def dosis_queue_drain(*, batch_size: int = 500) -> int:
    """One round of the worker's DOSIS loop: file a batch of queued uploads, then turn the status
    changes they made into meldingen. Returns how many uploads it claimed (0: the queue is empty)."""
    from burgerprofiel.notifications.dosis import dosis_status_changes_consume_all

    claimed = dossier_uploads_process(batch_size=batch_size)
    if claimed:
        dosis_status_changes_consume_all()
    return claimed


# --- deletion and retention -----------------------------------------------------------------------


def _dossier_erase(*, dossier: Dossier, actor: Actor, action: str, detail: dict[str, Any]) -> None:
    """Remove a dossier with everything that names it; the audit event keeps only ids and dates."""
    dossier_id = dossier.pk
    DossierUpload.objects.filter(source_id=dossier.source_id, dossier_number=dossier.number).delete()
    dossier.delete()  # owners, history and outbox rows go with it (CASCADE)
    audit_record(
        actor=actor,
        action=action,
        agency_id=dossier.agency_id,
        object_type="dossiers.Dossier",
        object_id=str(dossier_id),
        detail={"source_id": dossier.source_id, **detail},
    )


def dossier_delete(*, caller: Caller, bron: str, number: str) -> None:
    source = _source_for(agency_id=caller.agency_id, uri=bron)
    with transaction.atomic():
        dossier = _lock_dossier(source_id=source.pk, number=number)
        if dossier is None:
            raise NotFound("Dit dossier bestaat niet.")
        _dossier_erase(dossier=dossier, actor=caller.actor, action="dossier.deleted", detail={"reason": "agency"})


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
        cutoff = now - dt.timedelta(days=days)
        while True:
            with transaction.atomic():
                due = Dossier.objects.filter(agency_id=agency_id, closed_at__lte=cutoff).order_by("pk")
                if connection.features.has_select_for_update_skip_locked:
                    due = due.select_for_update(skip_locked=True)
                batch = list(due[:batch_size])
                for dossier in batch:
                    _dossier_erase(
                        dossier=dossier,
                        actor=Actor(kind=SYSTEM.kind, id=SYSTEM.id, agency_id=agency_id),
                        action="dossier.purged",
                        detail={
                            "reason": "retention",
                            "retention_days": days,
                            "closed_at": dossier.closed_at.isoformat() if dossier.closed_at else None,
                        },
                    )
            purged += len(batch)
            if len(batch) < batch_size:
                break
    return purged


def dossier_list_view_record(*, citizen: Any, dossiers: Iterable[Dossier], detail: dict[str, Any]) -> None:
    """A citizen saw a list of their dossiers: one event per agency whose data was shown, so each
    agency's DPO finds the views of its data (an empty list still leaves one event)."""
    shown: dict[int | None, int] = {}
    for dossier in dossiers:
        shown[dossier.agency_id] = shown.get(dossier.agency_id, 0) + 1
    for agency_id, count in shown.items() or [(None, 0)]:
        audit_record(
            actor=citizen_actor(citizen),
            action="dossier.list_viewed",
            agency_id=agency_id,
            object_type="dossiers.Dossier",
            detail={**detail, "count": count},
        )
