"""A rolling upgrade across ``crypto.0002``: web processes still on the old code queue uploads whose
payload is sealed as ``bp1:`` (bound to the key id only). The worker leaves them pending, on the
batch path and the careful path alike, and the periodic re-seal makes them fileable."""

from __future__ import annotations

import base64
import os
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.keys import data_key_destroy
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency
from burgerprofiel.crypto.fields import Sealer, decrypt_bytes, key_id_of
from burgerprofiel.crypto.models import DataKey
from burgerprofiel.crypto.services import data_key_material
from burgerprofiel.dossiers.models import DossierUpload
from burgerprofiel.dossiers.selectors import dossiers_for_citizen
from burgerprofiel.dossiers.services import dosis_queue_drain, filing
from burgerprofiel.dossiers.services.filing_batch import BatchConflict
from burgerprofiel.dossiers.tasks import dosis_uploads_reseal
from burgerprofiel.dossiers.tests.conftest import PARENT_1, Upload, full_payload

CONTEXT = "dossiers_dossierupload.payload"


def _raw(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM dossiers_dossierupload WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def _plaintext(pk: int) -> tuple[uuid.UUID, bytes]:
    stored = _raw(pk)
    seal_id = DossierUpload.objects.values_list("seal_id", flat=True).get(pk=pk)
    return key_id_of(stored), decrypt_bytes(stored, context=CONTEXT, row_id=seal_id)


def _as_old_code_sealed_it(pk: int) -> None:
    """Rewrite the queued payload as a web process before ``crypto.0002`` sealed it (``bp1:``)."""
    key_id, plaintext = _plaintext(pk)
    nonce = os.urandom(12)
    sealed = AESGCM(data_key_material(key_id)).encrypt(nonce, plaintext, str(key_id).encode())
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dossiers_dossierupload SET payload = %s WHERE id = %s",
            [f"bp1:{key_id.hex}:{base64.b64encode(nonce + sealed).decode()}", pk],
        )


def _as_code_before_row_binding_sealed_it(pk: int) -> None:
    """Rewrite the queued payload as a web process before ``crypto.0003`` sealed it (``bp2:``:
    bound to key, table and column, not the row)."""
    key_id, plaintext = _plaintext(pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dossiers_dossierupload SET payload = %s WHERE id = %s",
            [Sealer(key_id, CONTEXT).seal(plaintext), pk],
        )


@pytest.fixture
def legacy_queued(upload: Upload, settings: Any) -> DossierUpload:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert upload(full_payload()).status_code == 200
    queued = DossierUpload.objects.get(state="pending")
    _as_old_code_sealed_it(queued.pk)
    assert _raw(queued.pk).startswith("bp1:")
    return queued


@pytest.fixture(params=["batch", "careful"])
def filing_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "careful":  # as when another worker created a dossier meanwhile

        def conflict(readable: Any, *, agencies: Any) -> dict[int, str]:
            raise BatchConflict("the careful path, for this test")

        monkeypatch.setattr(filing, "batch_file", conflict)
    return str(request.param)


def test_a_bp1_upload_is_left_pending_then_resealed_and_filed(
    legacy_queued: DossierUpload, upload: Upload, filing_path: str
) -> None:
    assert upload(full_payload(UploadId="upl-0002", Naam="Nieuwe naam")).status_code == 200  # a bp3 one beside it

    assert dosis_queue_drain() == 1  # only the bp3 one is claimed
    legacy = DossierUpload.objects.get(pk=legacy_queued.pk)
    assert (legacy.state, legacy.errors) == ("pending", [])
    assert _raw(legacy.pk).startswith("bp1:")
    assert not AuditEvent.objects.filter(action="dossier.upload_failed").exists()
    assert dosis_queue_drain() == 0  # still left alone, not failed

    assert dosis_uploads_reseal.call() == {"resealed": 1, "unreadable": 0}
    assert _raw(legacy.pk).startswith("bp3:")
    assert dosis_queue_drain() == 1

    legacy.refresh_from_db()
    assert (legacy.state, legacy.outcome, legacy.payload) == ("done", "updated", None)
    [dossier] = dossiers_for_citizen(citizen=citizen_get_or_create(insz=PARENT_1))
    assert (dossier.number, dossier.name) == ("KO-2026-0001", "Aanvraag kinderbijslag voor Lotte Peeters")
    assert dosis_uploads_reseal.call() == {"resealed": 0, "unreadable": 0}  # safe to run twice


def test_a_bp1_upload_whose_key_was_destroyed_fails_with_the_reason_after_the_reseal(
    legacy_queued: DossierUpload, agency: OnboardedAgency
) -> None:
    key = DataKey.objects.get(pk=Agency.objects.get(pk=agency.agency_id).data_key_id)
    data_key_destroy(key=key, reason="test", actor=TEST_ACTOR)
    assert dosis_queue_drain() == 0

    assert dosis_uploads_reseal.call() == {"resealed": 0, "unreadable": 1}
    assert dosis_queue_drain() == 1

    failed = DossierUpload.objects.get(pk=legacy_queued.pk)
    assert (failed.state, failed.outcome, failed.payload) == ("failed", "failed", None)
    assert "niet meer leesbaar" in failed.errors[0]["Omschrijving"]
    event = AuditEvent.objects.get(action="dossier.upload_failed")
    assert event.detail == {"reason": "De inhoud van de upload is niet meer leesbaar."}


@pytest.mark.parametrize("reseal_first", [True, False], ids=["resealed", "filed-as-is"])
def test_a_bp2_upload_queued_by_code_before_row_binding_is_filed(
    upload: Upload, settings: Any, filing_path: str, reseal_first: bool
) -> None:
    """Across ``crypto.0003`` an old web process queues ``bp2:`` payloads, in rows that get their
    ``seal_id`` from the column's database default. They are readable: the worker files them as they
    are, and the periodic re-seal binds the pending ones to their rows first when it gets there first."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert upload(full_payload()).status_code == 200
    queued = DossierUpload.objects.get(state="pending")
    _as_code_before_row_binding_sealed_it(queued.pk)
    assert _raw(queued.pk).startswith("bp2:")

    if reseal_first:
        assert dosis_uploads_reseal.call() == {"resealed": 1, "unreadable": 0}
        assert _raw(queued.pk).startswith("bp3:")
    assert dosis_queue_drain() == 1

    queued.refresh_from_db()
    assert (queued.state, queued.outcome) == ("done", "created")
    [dossier] = dossiers_for_citizen(citizen=citizen_get_or_create(insz=PARENT_1))
    assert dossier.name == "Aanvraag kinderbijslag voor Lotte Peeters"
