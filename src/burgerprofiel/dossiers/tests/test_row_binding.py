"""The DOSIS paths seal outside the ORM (COPY and set-based statements on PostgreSQL, the ORM's bulk
statements on SQLite), before the database has given the rows their ids; their values are bound
to their rows all the same (issue 11 item 12e). Run on both databases: each takes its own path."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.crypto.fields import SealMismatch
from burgerprofiel.dossiers.models import Dossier, DossierStatus, DossierUpload
from burgerprofiel.dossiers.services import dosis_queue_drain, filing_batch
from burgerprofiel.dossiers.tests.conftest import Upload, full_payload, status

pytestmark = pytest.mark.django_db


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def _copy(table: str, column: str, source: int, target: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [_raw(table, column, source), target])


@pytest.fixture
def writers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which writer filed each batch: COPY on PostgreSQL, the ORM's bulk statements elsewhere."""
    used: list[str] = []
    for name in ("_PostgresWriter", "_OrmWriter"):
        original = getattr(filing_batch, name)

        class Spy(original):  # type: ignore[misc, valid-type]
            def write(self, plan: Any, agencies: Any, _name: str = name) -> None:
                used.append(_name)
                super().write(plan, agencies)

        monkeypatch.setattr(filing_batch, name, Spy)
    return used


def _filed(upload: Upload, settings: Any) -> tuple[Dossier, Dossier]:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert upload(full_payload()).status_code == 200
    other = full_payload(UploadId="upl-0002", Naam="Aanvraag studietoelage voor Lotte")
    other["Identificatie"]["DossierNummer"] = "KO-2026-0002"
    other["Status"] = status("Behandeling", "In behandeling", detail="Nagekeken door Jan Claes.")
    assert upload(other).status_code == 200
    assert dosis_queue_drain() == 2
    first, second = Dossier.objects.order_by("number")
    return first, second


def test_dossiers_filed_by_the_batch_writer_are_bound_to_their_rows(
    upload: Upload, settings: Any, writers: list[str]
) -> None:
    first, second = _filed(upload, settings)
    assert writers == ["_PostgresWriter" if connection.vendor == "postgresql" else "_OrmWriter"]
    assert first.name == "Aanvraag kinderbijslag voor Lotte Peeters"
    assert second.name == "Aanvraag studietoelage voor Lotte"
    assert first.seal_id != second.seal_id
    assert _raw("dossiers_dossier", "name", first.pk).startswith("bp3:")

    _copy("dossiers_dossier", "name", first.pk, second.pk)
    with pytest.raises(SealMismatch, match=r"dossiers\.Dossier\.name"):
        Dossier.objects.get(pk=second.pk)
    assert Dossier.objects.get(pk=first.pk).name == "Aanvraag kinderbijslag voor Lotte Peeters"


def test_a_status_detail_copied_into_another_dossiers_history_does_not_decrypt(upload: Upload, settings: Any) -> None:
    first, second = _filed(upload, settings)
    mine, theirs = DossierStatus.objects.get(dossier=first), DossierStatus.objects.get(dossier=second)
    assert theirs.detail == "Nagekeken door Jan Claes."

    _copy("dossiers_dossierstatus", "detail", mine.pk, theirs.pk)
    with pytest.raises(SealMismatch, match=r"dossiers\.DossierStatus\.detail"):
        list(DossierStatus.objects.filter(dossier=second))


def test_an_update_of_an_existing_dossier_is_sealed_for_the_seal_id_it_already_has(
    upload: Upload, settings: Any, writers: list[str]
) -> None:
    """The set-based UPDATE (PostgreSQL) and the ORM's save (SQLite) seal a changed dossier and a
    changed status for the row identity read with them, not a new one."""
    first, _ = _filed(upload, settings)
    changed = full_payload(UploadId="upl-0003", Naam="Aanvraag kinderbijslag (herzien)")
    changed["Status"] = status("Behandeling", "In behandeling", detail="Herzien door Els Maes.")
    assert upload(changed).status_code == 200
    assert dosis_queue_drain() == 1
    assert len(writers) == 2

    again = Dossier.objects.get(pk=first.pk)
    assert (again.seal_id, again.name) == (first.seal_id, "Aanvraag kinderbijslag (herzien)")
    [current] = DossierStatus.objects.filter(dossier=first)
    assert current.detail == "Herzien door Els Maes."


def test_a_queued_payload_copied_into_another_upload_is_answered_unreadable_not_filed(
    upload: Upload, settings: Any
) -> None:
    """The queue reads its payloads with raw SQL (``filing._claim``), bound to each row's seal id:
    a payload moved into another upload's row is not filed under that upload (nor does it stop the
    queue); the upload is answered failed, as an unreadable one, with its audit event."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert upload(full_payload()).status_code == 200
    other = full_payload(UploadId="upl-0002")
    other["Identificatie"]["DossierNummer"] = "KO-2026-0002"
    assert upload(other).status_code == 200
    first, second = DossierUpload.objects.order_by("pk")
    _copy("dossiers_dossierupload", "payload", first.pk, second.pk)

    assert dosis_queue_drain() == 2

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.outcome) == ("done", "created")
    assert (second.state, second.outcome) == ("failed", "failed")
    assert "niet meer leesbaar" in second.errors[0]["Omschrijving"]
    assert list(Dossier.objects.values_list("number", flat=True)) == ["KO-2026-0001"]
    assert AuditEvent.objects.filter(action="dossier.upload_failed").exists()
