"""Filing writes the same rows and the same audit evidence whichever path files an upload.

The batch path writes set-based without the ORM's models (COPY and INSERT ... SELECT on
PostgreSQL, bulk INSERTs elsewhere); the careful path saves models one by one. Both must seal
with the same field rule (DESIGN rule 3) and build the same audit event (rule 2): here one upload
is filed by each path from the same starting point (the first filing undone, ids included), with
time frozen and one request id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection, models, transaction

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import HASHED_FIELDS, event_leaf_hash
from burgerprofiel.common.requestid import clear_request_id, new_request_id
from burgerprofiel.conftest import OnboardedAgency, bearer
from burgerprofiel.crypto.fields import EncryptedTextField, key_id_of
from burgerprofiel.dossiers.models import Dossier, DossierOwner, DossierStatus, DossierStatusChange, DossierUpload
from burgerprofiel.dossiers.services import dossier_uploads_process, filing
from burgerprofiel.dossiers.services.filing_batch import BatchConflict
from burgerprofiel.dossiers.tests.conftest import OTHER_BRON, Upload, full_payload

FROZEN = dt.datetime(2026, 11, 3, 8, 0, tzinfo=dt.UTC)
REQUEST_ID = "filing-test-0001"
WRITTEN = (Dossier, DossierOwner, DossierStatus, DossierStatusChange)


class _Undo(Exception):
    """Raised to roll a filing back once it has been read."""


@pytest.fixture
def queued(upload: Upload, settings: Any) -> DossierUpload:
    """One upload accepted and waiting in the queue (the worker files it, not the request)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert upload(full_payload()).status_code == 200
    return DossierUpload.objects.get(state="pending")


@pytest.fixture
def one_request_id() -> Iterator[None]:
    new_request_id(REQUEST_ID)
    yield
    clear_request_id()


def _sequences() -> dict[str, tuple[int, bool]]:
    """Where each written table's id sequence stands (PostgreSQL: a rollback does not move it back)."""
    if connection.vendor != "postgresql":
        return {}  # SQLite's AUTOINCREMENT counters are rows: the rollback restores them
    positions = {}
    with connection.cursor() as cursor:
        for model in WRITTEN:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
            [sequence] = cursor.fetchone()
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            positions[sequence] = cursor.fetchone()
    return positions


def _sequences_restore(positions: dict[str, tuple[int, bool]]) -> None:
    with connection.cursor() as cursor:
        for sequence, (last_value, is_called) in positions.items():
            cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last_value, is_called])


def _stored(model: type[models.Model]) -> list[dict[str, Any]]:
    """The model's rows as the ORM reads them back (encrypted fields decrypted, through the instances:
    only they have the row their values are bound to), by id; the ``seal_id`` each path draws at
    random is left out."""
    columns = [f.attname for f in model._meta.concrete_fields if f.attname != "seal_id"]
    return [{c: getattr(row, c) for c in columns} for row in model.objects.order_by("pk")]


def _sealed_with(model: type[models.Model]) -> set[Any]:
    """The data keys the model's encrypted columns were sealed with, read from the raw ciphertext."""
    columns = [f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
    keys = set()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {model._meta.db_table}")
        for row in cursor.fetchall():
            keys |= {key_id_of(value) for value in row if value}
    return keys


def _file_then_undo(monkeypatch: pytest.MonkeyPatch, *, fast: bool) -> dict[str, Any]:
    """File the queued upload by one path, read back what it wrote, then undo all of it."""
    positions = _sequences()
    fast_filed: list[set[int]] = []
    original = filing.batch_file

    def batch_or_careful(readable: Any, *, agencies: Any) -> dict[int, str]:
        if not fast:  # as when another worker created a dossier meanwhile: all to the careful path
            fast_filed.append(set())
            raise BatchConflict("the careful path, for this test")
        outcomes = original(readable, agencies=agencies)
        fast_filed.append(set(outcomes))
        return outcomes

    seen: dict[str, Any] = {}
    with monkeypatch.context() as patch, time_machine.travel(FROZEN, tick=False):
        patch.setattr(filing, "batch_file", batch_or_careful)
        try:
            with transaction.atomic():
                assert dossier_uploads_process() == 1
                events = list(AuditEvent.objects.filter(action="dossier.upload_processed"))
                seen = {
                    "fast_filed": fast_filed,
                    "leaf_hashes": [e.leaf_hash for e in events],
                    "recomputed": [event_leaf_hash({n: getattr(e, n) for n in HASHED_FIELDS}) for e in events],
                    "rows": {model.__name__: _stored(model) for model in WRITTEN},
                    "keys": _sealed_with(Dossier) | _sealed_with(DossierStatus),
                    "upload": {
                        name: getattr(DossierUpload.objects.get(), name) for name in ("state", "outcome", "payload")
                    },
                }
                raise _Undo
        except _Undo:
            pass
    _sequences_restore(positions)
    return seen


def test_an_upload_filed_by_the_copy_path_or_the_orm_path_leaves_the_same_audit_hash_and_plaintext(
    queued: DossierUpload,
    agency: OnboardedAgency,
    one_request_id: None,
    monkeypatch: pytest.MonkeyPatch,
    known_owners: None,
) -> None:
    """On PostgreSQL the fast path writes with COPY; on SQLite it is the ORM's bulk INSERT, and the
    two paths are held to one result all the same."""
    fast = _file_then_undo(monkeypatch, fast=True)
    careful = _file_then_undo(monkeypatch, fast=False)

    assert fast["fast_filed"] == [{queued.pk}] and careful["fast_filed"] == [set()]
    assert len(fast["leaf_hashes"]) == 1
    assert fast["leaf_hashes"] == careful["leaf_hashes"]
    # Each path's stored event recomputes to its hash: what was written is what was built.
    assert fast["recomputed"] == fast["leaf_hashes"] and careful["recomputed"] == careful["leaf_hashes"]
    assert fast["rows"] == careful["rows"]  # every column, the encrypted ones decrypted
    assert fast["rows"]["Dossier"][0]["name"] == full_payload()["Naam"]
    assert fast["keys"] == careful["keys"] == {Agency.objects.get(pk=agency.agency_id).data_key_id}
    assert fast["upload"] == careful["upload"] == {"state": "done", "outcome": "created", "payload": None}


def test_the_copy_path_seals_each_agencys_dossiers_with_that_agencys_key(
    upload: Upload,
    agency: OnboardedAgency,
    second_dosis_agency: OnboardedAgency,
    client: Any,
    settings: Any,
) -> None:
    """One batch, two agencies: each row takes its key from its own agency (``key_from``), not the batch's."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert upload(full_payload()).status_code == 200
    other = full_payload(Identificatie={"Bron": OTHER_BRON, "DossierNummer": "RB-1"}, UploadId="rb-1")
    assert upload(other, headers=bearer(client, second_dosis_agency)).status_code == 200

    assert dossier_uploads_process() == 2

    keys = {agency_id: key for agency_id, key in Agency.objects.values_list("pk", "data_key_id")}
    for dossier in Dossier.objects.all():
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM dossiers_dossier WHERE id = %s", [dossier.pk])
            [name] = cursor.fetchone()
        assert key_id_of(name) == keys[dossier.agency_id]
    assert set(AuditEvent.objects.filter(action="dossier.upload_processed").values_list("agency_id", flat=True)) == {
        agency.agency_id,
        second_dosis_agency.agency_id,
    }
