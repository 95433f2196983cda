"""A bulk request files its uploads as it accepts them (``filing_inline``); what must wait is queued."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.agencies.services import processing_order_suspend
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency
from burgerprofiel.dossiers import selectors
from burgerprofiel.dossiers.models import Dossier, DossierStatusChange, DossierUpload
from burgerprofiel.dossiers.services import dosis_queue_drain, filing_inline
from burgerprofiel.dossiers.services.filing_batch import BatchConflict
from burgerprofiel.dossiers.tests.conftest import BULK_URL, PARENT_1, Upload, full_payload, status

NO_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def bulk(client: Client, headers: dict[str, str], payloads: list[dict[str, Any]]) -> Any:
    body = "\n".join(json.dumps(p) for p in payloads)
    return client.post(BULK_URL, body, content_type="application/x-ndjson", **headers)


def numbered(n: int, **overrides: Any) -> list[dict[str, Any]]:
    bron = full_payload()["Identificatie"]["Bron"]
    return [
        full_payload(Identificatie={"Bron": bron, "DossierNummer": f"KO-{i:03d}"}, UploadId=f"b-{i}", **overrides)
        for i in range(n)
    ]


@pytest.fixture
def no_worker(settings: Any) -> None:
    """No task runs inline: what the request did not file stays queued."""
    settings.TASKS = NO_TASKS


def test_a_bulk_request_files_its_uploads_before_it_answers_and_queues_nothing(
    client: Client, agency_headers: dict[str, str], no_worker: None
) -> None:
    response = bulk(client, agency_headers, numbered(3))

    assert response.json()["Aanvaard"] == 3
    assert set(DossierUpload.objects.values_list("state", "outcome", "payload")) == {("done", "created", None)}
    assert Dossier.objects.count() == 3
    dossier = Dossier.objects.get(number="KO-001")
    assert dossier.name == full_payload()["Naam"]  # sealed and read back through the field
    assert dossier.owners.count() == 2
    assert dossier.statuses.count() == 1
    processed = AuditEvent.objects.get(action="dossier.upload_processed")
    assert processed.detail["outcome"] == "created"
    assert sorted(processed.detail["uploads"]) == sorted(DossierUpload.objects.values_list("pk", flat=True))
    accepted = AuditEvent.objects.get(action="dossier.upload_accepted")
    assert sorted(accepted.detail["uploads"]) == sorted(processed.detail["uploads"])
    assert dosis_queue_drain() == 0


def test_a_filed_bulk_upload_is_in_the_parents_dossiers(
    client: Client, agency_headers: dict[str, str], no_worker: None
) -> None:
    from burgerprofiel.citizens.services import citizen_get_or_create

    bulk(client, agency_headers, numbered(1))

    citizen = citizen_get_or_create(insz=PARENT_1)
    shown = selectors.dossier_for_citizen(citizen=citizen, dossier_id=Dossier.objects.get().pk)
    assert shown.name == full_payload()["Naam"]


def test_identical_and_older_re_uploads_in_a_later_bulk_keep_their_outcomes(
    client: Client, agency_headers: dict[str, str], no_worker: None
) -> None:
    newer = full_payload(UploadId="n", WijzigingsDatum="2026-11-20T10:00:00+01:00", Status=status("Beslissing", "Ok"))
    bulk(client, agency_headers, [newer])

    older = full_payload(UploadId="o", WijzigingsDatum="2026-11-01T10:00:00+01:00", Status=status("Behandeling", "B"))
    bulk(client, agency_headers, [{**newer, "UploadId": "same"}, older])

    outcomes = dict(DossierUpload.objects.values_list("upload_id", "outcome"))
    assert outcomes == {"n": "created", "same": "unchanged", "o": "history"}
    dossier = Dossier.objects.get()
    assert (dossier.current_phase, dossier.current_code) == ("Beslissing", "Ok")
    assert [s.phase for s in dossier.statuses.order_by("modified_at")] == ["Behandeling", "Beslissing"]


def test_a_bulk_line_whose_dossier_has_queued_uploads_waits_its_turn_behind_them(
    client: Client, agency_headers: dict[str, str], upload: Upload, no_worker: None
) -> None:
    same_day = "2026-11-20T10:00:00+01:00"
    earlier = full_payload(UploadId="single", WijzigingsDatum=same_day, Status=status("Behandeling", "Eerst"))
    assert upload(earlier).status_code == 200  # queued: no worker ran
    later = full_payload(UploadId="bulk", WijzigingsDatum=same_day, Status=status("Beslissing", "Daarna"))

    bulk(client, agency_headers, [later, *numbered(1)])

    states = dict(DossierUpload.objects.values_list("upload_id", "state"))
    assert states == {"single": "pending", "bulk": "pending", "b-0": "done"}
    assert dosis_queue_drain() == 2
    dossier = Dossier.objects.get(number=full_payload()["Identificatie"]["DossierNummer"])
    assert (dossier.current_phase, dossier.current_code) == ("Beslissing", "Daarna")  # the later one won
    outcomes = dict(DossierUpload.objects.values_list("upload_id", "outcome"))
    assert (outcomes["single"], outcomes["bulk"]) == ("created", "updated")


def test_an_order_suspended_while_a_bulk_request_was_read_leaves_its_lines_to_the_worker_which_fails_them(
    client: Client,
    agency_headers: dict[str, str],
    agency: OnboardedAgency,
    no_worker: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys_queued = filing_inline._keys_queued

    def suspended_meanwhile(keys: Any) -> Any:  # after the request's own order check, before filing
        order = ProcessingOrder.objects.get(pk=agency.order_id)
        processing_order_suspend(order=order, reason="Rechtsgrond in herziening", actor=TEST_ACTOR)
        return keys_queued(keys)

    monkeypatch.setattr(filing_inline, "_keys_queued", suspended_meanwhile)

    assert bulk(client, agency_headers, numbered(2)).json()["Aanvaard"] == 2

    assert Dossier.objects.count() == 0
    assert set(DossierUpload.objects.values_list("state", flat=True)) == {"pending"}
    assert dosis_queue_drain() == 2
    assert set(DossierUpload.objects.values_list("state", flat=True)) == {"failed"}
    assert Dossier.objects.count() == 0
    failed = AuditEvent.objects.get(action="dossier.upload_failed")
    assert failed.detail["reason"] == "order-suspended"


def test_a_bulk_request_that_cannot_file_set_based_is_queued_whole_and_filed_by_the_worker(
    client: Client, agency_headers: dict[str, str], no_worker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def conflict(*args: Any, **kwargs: Any) -> Any:
        Dossier.objects.all().delete()  # what the savepoint must undo too
        raise BatchConflict("created meanwhile")

    monkeypatch.setattr(filing_inline, "batch_file", conflict)

    assert bulk(client, agency_headers, numbered(2)).json()["Aanvaard"] == 2

    assert set(DossierUpload.objects.values_list("state", flat=True)) == {"pending"}
    assert not AuditEvent.objects.filter(action="dossier.upload_processed").exists()
    monkeypatch.undo()
    assert dosis_queue_drain() == 2
    assert set(DossierUpload.objects.values_list("state", "outcome")) == {("done", "created")}


def test_a_status_change_filed_at_acceptance_reaches_the_melding_outbox_and_the_drain_hands_it_on(
    client: Client, agency_headers: dict[str, str], known_owners: None, no_worker: None, settings: Any
) -> None:
    settings.DOSIS_AFTER_FILING_TASKS = ["burgerprofiel.notifications.tasks.dosis_status_changes_task"]

    bulk(client, agency_headers, numbered(1))

    assert DossierStatusChange.objects.filter(processed_at__isnull=True).count() == 2
    assert dosis_queue_drain() == 0  # nothing queued, but the changes are consumed
    assert not DossierStatusChange.objects.filter(processed_at__isnull=True).exists()


def test_with_filing_at_acceptance_off_a_bulk_request_only_queues(
    client: Client, agency_headers: dict[str, str], no_worker: None, settings: Any
) -> None:
    settings.DOSIS_BULK_FILE_AT_ACCEPTANCE = False

    bulk(client, agency_headers, numbered(2))

    assert set(DossierUpload.objects.values_list("state", flat=True)) == {"pending"}
    assert Dossier.objects.count() == 0


def test_a_dossier_created_by_another_request_meanwhile_queues_the_request_and_the_worker_files_into_it(
    client: Client, agency_headers: dict[str, str], no_worker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from burgerprofiel.dossiers.services import filing_batch

    first = full_payload(UploadId="first", Status=status("Behandeling", "Eerst"))
    bulk(client, agency_headers, [first])
    read_before_it_existed = filing_batch._current_state

    def not_seen_yet(uploads: Any) -> Any:  # as if the other request committed after this one looked
        plan = read_before_it_existed(uploads)
        plan.dossiers.clear()
        plan.statuses.clear()
        return plan

    monkeypatch.setattr(filing_batch, "_current_state", not_seen_yet)
    later = full_payload(
        UploadId="later", WijzigingsDatum="2026-11-21T10:00:00+01:00", Status=status("Beslissing", "Ok")
    )

    assert bulk(client, agency_headers, [later]).json()["Aanvaard"] == 1

    assert dict(DossierUpload.objects.values_list("upload_id", "state")) == {"first": "done", "later": "pending"}
    monkeypatch.undo()
    assert dosis_queue_drain() == 1
    dossier = Dossier.objects.get()  # filed into the one dossier, not twice
    assert (dossier.current_phase, dossier.current_code) == ("Beslissing", "Ok")
    assert DossierUpload.objects.get(upload_id="later").outcome == "updated"
    assert dossier.statuses.count() == 2
