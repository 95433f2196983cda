"""The production path: the upload row is the queue (no task per upload); the worker's DOSIS loop files it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.agencies.services import processing_order_resume, processing_order_suspend
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, bearer
from burgerprofiel.dossiers.models import Dossier, DossierUpload
from burgerprofiel.dossiers.services import dosis_queue_drain
from burgerprofiel.dossiers.tasks import dosis_uploads_process
from burgerprofiel.dossiers.tests.conftest import BRON, Upload, full_payload, status
from burgerprofiel.notifications.tests.workers import Worker, worker_env


def test_upload_is_queued_without_a_task_and_filed_by_the_drain(upload: Upload, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    assert upload(full_payload()).status_code == 200

    assert DBTaskResult.objects.count() == 0
    assert DossierUpload.objects.get().state == "pending"
    assert Dossier.objects.count() == 0
    assert dosis_queue_drain() == 1
    assert DossierUpload.objects.get().state == "done"
    assert Dossier.objects.count() == 1
    assert dosis_queue_drain() == 0  # safe to run twice
    assert dosis_uploads_process.call() == {"processed": 0, "meldingen": 0}


def test_an_upload_queued_before_a_suspension_is_not_filed_after_it_but_answered_failed(
    upload: Upload, settings: Any, agency: OnboardedAgency, client: Client, agency_headers: dict[str, str]
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert upload(full_payload()).status_code == 200
    order = ProcessingOrder.objects.get(pk=agency.order_id)

    processing_order_suspend(order=order, reason="Rechtsgrond in herziening", actor=TEST_ACTOR)
    assert dosis_queue_drain() == 1

    assert Dossier.objects.count() == 0
    queued = DossierUpload.objects.get()
    assert (queued.state, queued.payload) == ("failed", None)
    assert "opgeschort" in queued.errors[0]["Omschrijving"]
    refusal = AuditEvent.objects.get(action="order_check.refused")
    assert (refusal.agency_id, refusal.detail["reason"]) == (agency.agency_id, "order-suspended")
    failed = AuditEvent.objects.get(action="dossier.upload_failed")
    assert failed.detail == {"reason": "order-suspended", "uploads": [queued.pk]}
    processing_order_resume(order=order, actor=TEST_ACTOR)  # resumed: the agency resends, and it is filed
    assert upload(full_payload(UploadId="upl-0002")).status_code == 200
    assert dosis_queue_drain() == 1
    assert Dossier.objects.count() == 1


def test_a_refused_upload_enqueues_no_task(upload: Upload, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    assert upload(full_payload(Status=status("Onbekend", "x"))).status_code == 400

    assert DBTaskResult.objects.count() == 0
    assert DossierUpload.objects.count() == 0


def test_a_failure_half_way_rolls_the_upload_back_and_answers_it_as_failed(
    upload: Upload, monkeypatch: Any, client: Any, agency_headers: dict[str, str]
) -> None:
    from burgerprofiel.dossiers.models import DossierOwner, DossierStatus
    from burgerprofiel.dossiers.services import filing_parts

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    # The outbox write comes after the dossier, its owners and its status were written (both paths).
    monkeypatch.setattr(filing_parts, "outbox_append", broken)

    assert upload(full_payload()).status_code == 200

    assert (Dossier.objects.count(), DossierOwner.objects.count(), DossierStatus.objects.count()) == (0, 0, 0)
    [result] = client.get("/api/v1/dosis/resultaten/perUploadId", {"uploadId": "upl-0001"}, **agency_headers).json()
    assert (result["Succes"], result["VerwerktVoorOpvraging"]) == (False, False)
    assert "opnieuw" in result["Fout"]


def test_a_fast_path_failure_falls_back_to_filing_one_by_one(
    upload: Upload, monkeypatch: Any, known_owners: None
) -> None:
    from burgerprofiel.dossiers.models import DossierStatusChange
    from burgerprofiel.dossiers.services import filing_parts

    original = filing_parts.outbox_append
    calls: list[int] = []

    def fails_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("transient")
        return original(*args, **kwargs)

    monkeypatch.setattr(filing_parts, "outbox_append", fails_once)

    assert upload(full_payload()).status_code == 200

    assert DossierUpload.objects.get().state == "done"
    assert DossierStatusChange.objects.count() == 2
    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_files_what_the_api_queued(
    client: Client, agency: OnboardedAgency, source: Any, tmp_path: Path
) -> None:
    """A real ``burgerprofiel worker`` process drains the queue: no task was enqueued for the upload."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker process shares the test database")
    headers = bearer(client, agency)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        single = client.post(
            "/api/v2/dosis/dossiers", json.dumps(full_payload()), content_type="application/json", **headers
        )
        lines = [
            full_payload(Identificatie={"Bron": BRON, "DossierNummer": f"W-{i}"}, UploadId=f"w-{i}") for i in range(3)
        ]
        bulk = client.post(
            "/api/v2/dosis/dossiers/bulk",
            "\n".join(json.dumps(line) for line in lines),
            content_type="application/x-ndjson",
            **headers,
        )
    assert (single.status_code, bulk.status_code) == (200, 200)
    # The single upload is queued; the bulk request filed its lines as it accepted them.
    assert DossierUpload.objects.filter(state="pending").count() == 1
    assert DossierUpload.objects.filter(state="done", upload_id__startswith="w-").count() == 3
    assert DBTaskResult.objects.count() == 0

    worker = Worker(env=worker_env(smtp_port=1, extra={"DOSIS_DRAIN_INTERVAL_MS": "50"}), log=tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 30
        while DossierUpload.objects.filter(state="pending").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.stop()
    assert set(DossierUpload.objects.values_list("state", flat=True)) == {"done"}
    assert Dossier.objects.count() == 4
    assert AuditEvent.objects.filter(action="dossier.upload_processed").exists()
    # The worker's two DOSIS drain threads (DOSIS_DRAIN_THREADS' default) filed each upload once:
    # a parent finds the four dossiers, each once, in "Mijn dossiers", named as uploaded.
    from burgerprofiel.citizens.services import citizen_get_or_create
    from burgerprofiel.dossiers.services import dossier_list_read
    from burgerprofiel.dossiers.tests.conftest import PARENT_1

    shown = dossier_list_read(citizen=citizen_get_or_create(insz=PARENT_1))
    assert sorted((d.number, d.name) for d in shown) == sorted(
        (p["Identificatie"]["DossierNummer"], p["Naam"]) for p in [full_payload(), *lines]
    )
