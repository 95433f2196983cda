"""Filing a batch of uploads set-based: a handful of statements per batch, whatever its size.

Design note. The one-at-a-time way of filing (``filing``) costs several round trips and ORM
objects per upload, so the worker fell far behind what the API accepts (issue 14). Here a batch
is filed in three steps that each look at the whole batch:

1. read what the batch's dossiers are now, one statement each: the dossiers (locked, so a second
   worker filing into one of them waits for this batch), their statuses at the batch's dates and
   their owners;
2. plan in memory, upload by upload in the order they arrived, by the rules the one-at-a-time way
   applies (``filing._upload_process``): the newest ``WijzigingsDatum`` becomes current, an older
   one arriving late only joins the history in date order, an identical re-upload changes nothing,
   and a real change of the current status writes one outbox row per owner a melding can reach;
3. write the plan set-based: new dossiers, owners, statuses and outbox rows with one COPY each;
   changed dossiers and statuses with one ``UPDATE ... FROM unnest(...)`` each; the uploads'
   results with one UPDATE; the evidence with one event per client and outcome. SQLite
   (the embedded default) writes the same plan with the ORM's bulk statements.

Encrypted values are sealed by their fields' own ``stored`` (DESIGN rule 3), with one data-key
lookup per agency and batch, each bound to its row's ``seal_id`` (made here for a new row and
written with it, read in step 1 for a row that exists); the evidence comes from
``filing_parts.processed_event`` (rule 2), as on the one-at-a-time way. A new dossier that another
worker created after step 1 (two workers filing uploads of one new dossier at once) makes the
batch's COPY fail on the unique ``(source_id, number)`` and raise ``BatchConflict``: the caller rolls
it back and files those uploads one at a time, which handles the race.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import IntegrityError, connection
from django.db.models import Model
from django.utils import timezone

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_events_append
from burgerprofiel.common.copy import copy_rows
from burgerprofiel.common.randomness import random_uuid
from burgerprofiel.crypto.fields import Sealers, encrypted_field, key_context, row_uuid
from burgerprofiel.dossiers.models import Dossier, DossierOwner, DossierStatus, DossierUpload
from burgerprofiel.dossiers.services import filing_parts
from burgerprofiel.dossiers.services.filing_parts import (
    Claimed,
    FilingValues,
    actor_of,
    processed_event,
    uploads_finish,
)

Key = tuple[int, str]  # (source id, dossier number)
T = TypeVar("T")


class BatchConflict(Exception):
    """A dossier the batch creates was created by another worker meanwhile."""


# --- the plan -------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Owner:
    kind: str
    key: str
    id: int | None = None
    new: bool = False


@dataclass(eq=False)
class _Dossier:
    """A dossier as the batch leaves it. ``values`` is set when its content is (re)written."""

    agency_id: int
    source_id: int
    number: str
    content_hash: str
    current: dict[str, Any]
    owners: dict[tuple[str, str], _Owner]
    id: int | None = None
    new: bool = False
    values: dict[str, Any] | None = None
    # The row's identity its encrypted values are bound to: made here for a new row, read for one that exists.
    seal_id: uuid.UUID = field(default_factory=random_uuid)
    content_changed: bool = False
    current_changed: bool = False


@dataclass(eq=False)
class _Status:
    dossier: _Dossier
    modified_at: dt.datetime
    content_hash: str
    values: dict[str, Any] | None = None
    id: int | None = None
    new: bool = False
    changed: bool = False
    seal_id: uuid.UUID = field(default_factory=random_uuid)


@dataclass
class _Plan:
    dossiers: dict[Key, _Dossier]
    statuses: dict[tuple[Key, dt.datetime], _Status]
    owners_removed: list[int] = field(default_factory=list)
    outbox: list[tuple[_Dossier, _Owner, _Status]] = field(default_factory=list)
    outcomes: list[tuple[Claimed, _Dossier, str]] = field(default_factory=list)


def batch_file(
    uploads: list[tuple[Claimed, FilingValues]], *, agencies: dict[int, Agency], finish: bool = True
) -> dict[int, str]:
    """File ``uploads`` (claimed, with their values) set-based; returns each upload's outcome by id.
    Runs inside the caller's transaction (a savepoint of it): on any error nothing of it stays.
    ``finish=False``: the upload rows are not written here (filing at acceptance writes them after,
    already done, with these outcomes: ``filing_inline``); their ids must be known all the same,
    for the evidence."""
    if not uploads:
        return {}
    plan = _plan(uploads, _current_state(uploads))
    writer = _PostgresWriter() if connection.vendor == "postgresql" else _OrmWriter()
    writer.write(plan, agencies)
    by_outcome: dict[tuple[Actor, str], list[tuple[int, int]]] = {}
    for upload, dossier, outcome in plan.outcomes:
        by_outcome.setdefault((actor_of(upload), outcome), []).append((_id(dossier), upload.pk))
    audit_events_append(
        [processed_event(actor, outcome=outcome, filed=filed) for (actor, outcome), filed in by_outcome.items()]
    )
    if finish:
        writer.finish([(upload.pk, outcome) for upload, _, outcome in plan.outcomes])
    return {upload.pk: outcome for upload, _, outcome in plan.outcomes}


def _current_state(uploads: list[tuple[Claimed, FilingValues]]) -> _Plan:
    """Step 1: the batch's existing dossiers (locked), their statuses at the batch's dates, their owners."""
    keys = {upload.key for upload, _ in uploads}
    columns = (
        "id, agency_id, source_id, number, content_hash, current_phase, current_code, "
        "current_modified_at, action_needed, closed_at, seal_id"
    )
    table = Dossier._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sources, numbers = zip(*keys, strict=True)
            cursor.execute(
                f"SELECT {columns} FROM {table} d "  # noqa: S608 - names are the model's own
                "JOIN unnest(%s::bigint[], %s::text[]) AS k(source_id, number) USING (source_id, number) "
                "FOR UPDATE OF d",
                [list(sources), list(numbers)],
            )
            rows = cursor.fetchall()
        else:  # SQLite: one writer at a time, nothing to lock
            placeholders = ", ".join(["(%s, %s)"] * len(keys))
            cursor.execute(
                f"SELECT {columns} FROM {table} WHERE (source_id, number) IN (VALUES {placeholders})",  # noqa: S608
                [value for key in keys for value in key],
            )
            rows = cursor.fetchall()
    dossiers: dict[Key, _Dossier] = {}
    for (
        pk,
        agency_id,
        source_id,
        number,
        content_hash,
        phase,
        code,
        modified_at,
        action_needed,
        closed_at,
        seal,
    ) in rows:
        dossiers[(source_id, number)] = _Dossier(
            id=pk,
            seal_id=row_uuid(seal),
            agency_id=agency_id,
            source_id=source_id,
            number=number,
            content_hash=content_hash,
            current=_current(phase, code, _aware(modified_at), bool(action_needed), _aware(closed_at)),
            owners={},
        )
    statuses: dict[tuple[Key, dt.datetime], _Status] = {}
    if dossiers:
        by_id = {d.id: d for d in dossiers.values()}
        dates = {values.modified_at for upload, values in uploads if upload.key in dossiers}
        for pk, dossier_id, modified_at, content_hash, seal_id in DossierStatus.objects.filter(
            dossier_id__in=by_id, modified_at__in=dates
        ).values_list("id", "dossier_id", "modified_at", "content_hash", "seal_id"):
            dossier = by_id[dossier_id]
            statuses[((dossier.source_id, dossier.number), modified_at)] = _Status(
                id=pk, dossier=dossier, modified_at=modified_at, content_hash=content_hash, seal_id=seal_id
            )
        for pk, dossier_id, kind, key in DossierOwner.objects.filter(dossier_id__in=by_id).values_list(
            "id", "dossier_id", "kind", "key"
        ):
            by_id[dossier_id].owners[(kind, key)] = _Owner(id=pk, kind=kind, key=key)
    return _Plan(dossiers=dossiers, statuses=statuses)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands naive UTC datetimes back through a plain cursor; PostgreSQL aware ones."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _current(
    phase: str, code: str, modified_at: Any, action_needed: bool, closed_at: dt.datetime | None
) -> dict[str, Any]:
    return {
        "current_phase": phase,
        "current_code": code,
        "current_modified_at": modified_at,
        "action_needed": action_needed,
        "closed_at": closed_at,
    }


def _plan(uploads: list[tuple[Claimed, FilingValues]], plan: _Plan) -> _Plan:
    """Step 2: each upload in the order it arrived, on the state the uploads before it left."""
    for upload, p in uploads:
        dossier = plan.dossiers.get(upload.key)
        if dossier is None:
            dossier = plan.dossiers[upload.key] = _Dossier(
                agency_id=upload.agency_id,
                source_id=upload.source_id,
                number=upload.dossier_number,
                content_hash=p.dossier_hash,
                current=dict(p.current_values),
                owners={owner: _Owner(*owner, new=True) for owner in sorted(p.owners)},
                new=True,
                values=p.dossier_values,
            )
            status = plan.statuses[(upload.key, p.modified_at)] = _Status(
                dossier=dossier, modified_at=p.modified_at, content_hash=p.status_hash, values=p.status_values, new=True
            )
            plan.outbox += [(dossier, owner, status) for owner in dossier.owners.values()]
            plan.outcomes.append((upload, dossier, "created"))
            continue
        plan.outcomes.append((upload, dossier, _file_into(plan, dossier, upload, p)))
    return plan


def _file_into(plan: _Plan, dossier: _Dossier, upload: Claimed, p: FilingValues) -> str:
    """One upload into a dossier that exists (or that an earlier upload of the batch created)."""
    is_newest = p.modified_at >= dossier.current["current_modified_at"]
    status = plan.statuses.get((upload.key, p.modified_at))
    status_changed = status is None or status.content_hash != p.status_hash
    if status is None:
        status = plan.statuses[(upload.key, p.modified_at)] = _Status(
            dossier=dossier, modified_at=p.modified_at, content_hash=p.status_hash, values=p.status_values, new=True
        )
    elif status_changed:
        status.content_hash, status.values, status.changed = p.status_hash, p.status_values, True
    if not is_newest:
        return "history" if status_changed else "unchanged"

    current = dossier.current
    previous = (current["current_phase"], current["current_code"], current["action_needed"])
    dossier_changed = dossier.content_hash != p.dossier_hash
    if dossier_changed:
        dossier.values, dossier.content_hash, dossier.content_changed = p.dossier_values, p.dossier_hash, True
        for key in [key for key in dossier.owners if key not in p.owners]:
            removed = dossier.owners.pop(key)
            if removed.id is not None:
                plan.owners_removed.append(removed.id)
            plan.outbox = [row for row in plan.outbox if row[1] is not removed]
        for key in sorted(p.owners - set(dossier.owners)):
            dossier.owners[key] = _Owner(*key, new=True)
    if status_changed:
        dossier.current, dossier.current_changed = dict(p.current_values), True
    if not (dossier_changed or status_changed):
        return "unchanged"
    values = p.status_values
    if status_changed and (values["phase"], values["code"], values["action_needed"]) != previous:
        plan.outbox += [(dossier, owner, status) for owner in dossier.owners.values()]
    return "updated"


# --- step 3: writing the plan ---------------------------------------------------------------------


def _known(value: T | None) -> T:
    """A value the plan fills in before it is read (an id from the sequence, a row's values)."""
    if value is None:
        raise RuntimeError("a planned row was read before it was written")
    return value


def _id(row: _Dossier | _Owner | _Status) -> int:
    return _known(row.id)


def _owners_new(plan: _Plan) -> list[tuple[_Dossier, _Owner]]:
    return [(d, o) for d in plan.dossiers.values() for o in d.owners.values() if o.new]


def _statuses_new(plan: _Plan) -> list[_Status]:
    return [s for s in plan.statuses.values() if s.new]


def _outbox_rows(plan: _Plan) -> list[filing_parts.OutboxRow]:
    return [
        (_id(dossier), _id(owner), _id(status), dossier.agency_id, owner.kind, owner.key)
        for dossier, owner, status in plan.outbox
    ]


class _PostgresWriter:
    """The plan in a handful of statements: ids first (so rows can name each other), then COPY and
    set-based INSERT ... SELECT / UPDATE ... FROM."""

    def write(self, plan: _Plan, agencies: dict[int, Agency]) -> None:
        new_dossiers = [d for d in plan.dossiers.values() if d.new]
        new_owners = _owners_new(plan)
        new_statuses = _statuses_new(plan)
        self._ids(new_dossiers, [o for _, o in new_owners], new_statuses)
        now = timezone.now()
        sealers = Sealers()  # one data-key lookup per agency and batch
        keys = {
            agency_id: key_context(Dossier(agency=agency), Dossier, DossierStatus)
            for agency_id, agency in agencies.items()
        }
        if new_dossiers:
            self._dossiers_insert([self._dossier_row(d, keys[d.agency_id], sealers, now) for d in new_dossiers])
        if plan.owners_removed:
            # The ORM, not a bare DELETE: Django removes the outbox rows that name them (on_delete).
            DossierOwner.objects.filter(pk__in=plan.owners_removed).delete()
        copy_rows(
            DossierOwner,
            ("id", "dossier_id", "kind", "key"),
            ((o.id, d.id, o.kind, o.key) for d, o in new_owners),
        )
        copy_rows(
            DossierStatus,
            _STATUS_COLUMNS,
            (self._status_row(s, keys[s.dossier.agency_id], sealers, now) for s in new_statuses),
        )
        self._statuses_update([s for s in plan.statuses.values() if s.changed], keys, sealers)
        self._dossiers_update(
            [d for d in plan.dossiers.values() if not d.new and (d.content_changed or d.current_changed)], keys, sealers
        )
        filing_parts.outbox_append(_outbox_rows(plan))

    @staticmethod
    def _ids(dossiers: list[_Dossier], owners: list[_Owner], statuses: list[_Status]) -> None:
        """Ids for every new row from the tables' sequences, in one statement."""
        wanted: list[tuple[type[Model], list[Any]]] = [
            (Dossier, dossiers),
            (DossierOwner, owners),
            (DossierStatus, statuses),
        ]
        # Each sequence looked up once (a subquery), not per id (``common.copy.next_ids``).
        selects = ", ".join(
            f"ARRAY(SELECT nextval((SELECT pg_get_serial_sequence('{m._meta.db_table}', 'id')::regclass)) "  # noqa: S608
            "FROM generate_series(1, %s))"
            for m, _ in wanted
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {selects}", [len(rows) for _, rows in wanted])
            row = _known(cursor.fetchone())
        for (_, rows), ids in zip(wanted, row, strict=True):
            for obj, pk in zip(rows, ids, strict=True):
                obj.id = pk

    @staticmethod
    def _dossier_row(d: _Dossier, keys: dict[str, Any], sealers: Sealers, now: dt.datetime) -> tuple[Any, ...]:
        values, current = _known(d.values), d.current
        return (
            d.id,
            d.agency_id,
            d.source_id,
            d.number,
            encrypted_field(Dossier, "name").stored(values["name"], row=keys, sealers=sealers, row_id=d.seal_id),
            values["ipdc_product"],
            values["type_code"],
            values["redirect_url"],
            encrypted_field(Dossier, "manager").stored(values["manager"], row=keys, sealers=sealers, row_id=d.seal_id),
            current["current_phase"],
            current["current_code"],
            current["current_modified_at"],
            current["action_needed"],
            current["closed_at"],
            d.content_hash,
            now,
            d.seal_id,
        )

    @staticmethod
    def _status_row(s: _Status, keys: dict[str, Any], sealers: Sealers, now: dt.datetime) -> tuple[Any, ...]:
        values = _known(s.values)
        return (
            s.id,
            s.dossier.id,
            s.dossier.agency_id,
            values["phase"],
            values["code"],
            encrypted_field(DossierStatus, "detail").stored(
                values["detail"], row=keys, sealers=sealers, row_id=s.seal_id
            ),
            values["action_needed"],
            encrypted_field(DossierStatus, "action_text").stored(
                values["action_text"], row=keys, sealers=sealers, row_id=s.seal_id
            ),
            s.modified_at,
            s.content_hash,
            now,
            s.seal_id,
        )

    @staticmethod
    def _dossiers_insert(rows: list[tuple[Any, ...]]) -> None:
        """The new dossiers with one COPY straight into the table (no staging table and second
        write). A dossier another worker created after step 1 violates ``(source_id, number)``:
        the COPY fails, the batch raises ``BatchConflict``, and the caller rolls it back to its
        savepoint and files those uploads one at a time, which handles the race."""
        try:
            copy_rows(Dossier, _DOSSIER_COLUMNS, rows)
        except IntegrityError as exc:
            raise BatchConflict("a new dossier of the batch was created meanwhile") from exc

    @staticmethod
    def _statuses_update(statuses: list[_Status], keys: dict[int, dict[str, Any]], sealers: Sealers) -> None:
        if not statuses:
            return
        columns: dict[str, list[Any]] = {
            c: []
            for c in (
                "id",
                "modified_at",
                "agency_id",
                "phase",
                "code",
                "detail",
                "action_needed",
                "action_text",
                "content_hash",
            )
        }
        for s in statuses:
            values, row_keys = _known(s.values), keys[s.dossier.agency_id]
            columns["id"].append(s.id)
            columns["modified_at"].append(s.modified_at)
            columns["agency_id"].append(s.dossier.agency_id)
            columns["phase"].append(values["phase"])
            columns["code"].append(values["code"])
            columns["detail"].append(
                encrypted_field(DossierStatus, "detail").stored(
                    values["detail"], row=row_keys, sealers=sealers, row_id=s.seal_id
                )
            )
            columns["action_needed"].append(values["action_needed"])
            columns["action_text"].append(
                encrypted_field(DossierStatus, "action_text").stored(
                    values["action_text"], row=row_keys, sealers=sealers, row_id=s.seal_id
                )
            )
            columns["content_hash"].append(s.content_hash)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {DossierStatus._meta.db_table} s SET agency_id = v.agency_id, phase = v.phase, "  # noqa: S608
                "code = v.code, detail = v.detail, action_needed = v.action_needed, "
                "action_text = v.action_text, content_hash = v.content_hash "
                "FROM unnest(%s::bigint[], %s::timestamptz[], %s::bigint[], %s::text[], %s::text[], %s::text[], "
                "%s::boolean[], %s::text[], %s::text[]) "
                "AS v(id, modified_at, agency_id, phase, code, detail, action_needed, action_text, content_hash) "
                "WHERE s.id = v.id AND s.modified_at = v.modified_at",
                list(columns.values()),
            )

    @staticmethod
    def _dossiers_update(dossiers: list[_Dossier], keys: dict[int, dict[str, Any]], sealers: Sealers) -> None:
        """Changed dossiers in one statement: the content where it changed, the current status where it did."""
        if not dossiers:
            return
        names = (
            "id",
            "content",
            "name",
            "ipdc_product",
            "type_code",
            "redirect_url",
            "manager",
            "content_hash",
            "current",
            "current_phase",
            "current_code",
            "current_modified_at",
            "action_needed",
            "closed_at",
        )
        columns: dict[str, list[Any]] = {c: [] for c in names}
        for d in dossiers:
            values, current, row_keys = d.values or {}, d.current, keys[d.agency_id]
            columns["id"].append(d.id)
            columns["content"].append(d.content_changed)
            columns["name"].append(
                encrypted_field(Dossier, "name").stored(values["name"], row=row_keys, sealers=sealers, row_id=d.seal_id)
                if d.content_changed
                else None
            )
            columns["ipdc_product"].append(values.get("ipdc_product"))
            columns["type_code"].append(values.get("type_code"))
            columns["redirect_url"].append(values.get("redirect_url"))
            columns["manager"].append(
                encrypted_field(Dossier, "manager").stored(
                    values["manager"], row=row_keys, sealers=sealers, row_id=d.seal_id
                )
                if d.content_changed
                else None
            )
            columns["content_hash"].append(d.content_hash)
            columns["current"].append(d.current_changed)
            for name in ("current_phase", "current_code", "current_modified_at", "action_needed", "closed_at"):
                columns[name].append(current[name])
        content = ", ".join(
            f"{c} = CASE WHEN v.content THEN v.{c} ELSE d.{c} END"
            for c in ("name", "ipdc_product", "type_code", "redirect_url", "manager")
        )
        current_sql = ", ".join(
            f"{c} = CASE WHEN v.current THEN v.{c} ELSE d.{c} END"
            for c in ("current_phase", "current_code", "current_modified_at", "action_needed", "closed_at")
        )
        types = (
            "bigint",
            "boolean",
            "text",
            "text",
            "text",
            "text",
            "text",
            "text",
            "boolean",
            "text",
            "text",
            "timestamptz",
            "boolean",
            "timestamptz",
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Dossier._meta.db_table} d SET {content}, {current_sql}, content_hash = v.content_hash "  # noqa: S608
                f"FROM unnest({', '.join(f'%s::{t}[]' for t in types)}) AS v({', '.join(names)}) WHERE d.id = v.id",
                list(columns.values()),
            )

    @staticmethod
    def finish(outcomes: list[tuple[int, str]]) -> None:
        """Every upload of the batch done, with its outcome, its payload dropped: one statement."""
        ids, labels = zip(*outcomes, strict=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {DossierUpload._meta.db_table} u SET state = %s, outcome = v.outcome, "  # noqa: S608
                "errors = '[]'::jsonb, processed_at = %s, payload = NULL "
                "FROM unnest(%s::bigint[], %s::text[]) AS v(id, outcome) WHERE u.id = v.id",
                [DossierUpload.State.DONE.value, timezone.now(), list(ids), list(labels)],
            )


class _OrmWriter:
    """The same plan with the ORM's bulk statements (SQLite, the embedded default)."""

    def write(self, plan: _Plan, agencies: dict[int, Agency]) -> None:
        new = [d for d in plan.dossiers.values() if d.new]
        created = Dossier.objects.bulk_create(
            [
                Dossier(
                    seal_id=d.seal_id,
                    agency=agencies[d.agency_id],
                    source_id=d.source_id,
                    number=d.number,
                    content_hash=d.content_hash,
                    **(d.values or {}),
                    **d.current,
                )
                for d in new
            ]
        )
        for d, row in zip(new, created, strict=True):
            d.id = row.pk
        changed = {d.id: d for d in plan.dossiers.values() if not d.new and (d.content_changed or d.current_changed)}
        for dossier in Dossier.objects.filter(pk__in=changed):
            d = changed[dossier.pk]
            if d.content_changed:
                for name, value in (d.values or {}).items():
                    setattr(dossier, name, value)
            for name, value in d.current.items():
                setattr(dossier, name, value)
            dossier.content_hash = d.content_hash
            dossier.agency = agencies[d.agency_id]
            dossier.save()
        if plan.owners_removed:
            DossierOwner.objects.filter(pk__in=plan.owners_removed).delete()
        new_owners = _owners_new(plan)
        owners = DossierOwner.objects.bulk_create(
            [DossierOwner(dossier_id=_id(d), kind=o.kind, key=o.key) for d, o in new_owners]
        )
        for (_, o), owner in zip(new_owners, owners, strict=True):
            o.id = owner.pk
        new_statuses = _statuses_new(plan)
        statuses = DossierStatus.objects.bulk_create([self._status(s, agencies) for s in new_statuses])
        for s, status in zip(new_statuses, statuses, strict=True):
            s.id = status.pk
        for s in (s for s in plan.statuses.values() if s.changed):
            status = self._status(s, agencies)
            status.pk = s.id
            status.save(force_update=True, update_fields=[*(s.values or {}), "agency", "content_hash"])
        filing_parts.outbox_append(_outbox_rows(plan))

    @staticmethod
    def _status(s: _Status, agencies: dict[int, Agency]) -> DossierStatus:
        return DossierStatus(
            seal_id=s.seal_id,
            dossier_id=_id(s.dossier),
            agency=agencies[s.dossier.agency_id],
            modified_at=s.modified_at,
            content_hash=s.content_hash,
            **(s.values or {}),
        )

    @staticmethod
    def finish(outcomes: Iterable[tuple[int, str]]) -> None:
        by_outcome: dict[str, list[int]] = {}
        for pk, outcome in outcomes:
            by_outcome.setdefault(outcome, []).append(pk)
        for outcome, ids in by_outcome.items():
            uploads_finish(ids, state=DossierUpload.State.DONE, outcome=outcome)


# The columns the COPY writer fills, in each row's order.
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
    "seal_id",
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
    "seal_id",
)
