"""The DOSIS v2 upload and v1 results, over HTTP with a private_key_jwt token."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.agencies.services import processing_order_change
from burgerprofiel.api.tests.helpers import assert_problem
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_seal_all, audit_verify
from burgerprofiel.audit.tests.factories import skip_unless_postgresql
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, bearer
from burgerprofiel.dossiers.models import (
    Dossier,
    DossierOwner,
    DossierStatus,
    DossierStatusChange,
    DossierUpload,
)
from burgerprofiel.dossiers.schemas import UploadAcceptedOut
from burgerprofiel.dossiers.tests.conftest import (
    BRON,
    OTHER_BRON,
    PARENT_1,
    PARENT_2,
    UPLOAD_URL,
    Upload,
    full_payload,
    status,
)

DOSSIER_TABLES = (Dossier, DossierOwner, DossierStatus, DossierStatusChange, DossierUpload)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in DOSSIER_TABLES}


def raw_body(response: Any) -> bytes:
    """The DOSIS 400 is streamed (so the API guard leaves its format alone)."""
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)


def assert_dosis_400(response: Any, field: str | None) -> dict[str, Any]:
    raw = raw_body(response)
    assert response.status_code == 400, raw
    assert response["Content-Type"] == "application/json"
    body: dict[str, Any] = json.loads(raw)
    assert set(body) == {"code", "message", "description", "errors"}
    assert body["errors"], body
    assert all(set(e) == {"code", "message", "description", "field"} for e in body["errors"])
    assert field in [e["field"] for e in body["errors"]], body["errors"]
    return body


def results(client: Client, headers: dict[str, str], number: str = "KO-2026-0001") -> list[dict[str, Any]]:
    response = client.get("/api/v1/dosis/resultaten", {"bron": BRON, "dossierNummer": number}, **headers)
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


def test_upload_is_answered_ok_with_its_upload_id_and_processed(
    client: Client, upload: Upload, agency_headers: dict[str, str]
) -> None:
    response = upload(full_payload())

    assert response.status_code == 200, response.content
    assert response.json() == {"Status": "OK", "UploadId": "upl-0001"}
    [result] = results(client, agency_headers)
    assert result["Identificatie"] == {"Bron": BRON, "DossierNummer": "KO-2026-0001"}
    assert result["UploadId"] == "upl-0001"
    assert (result["Succes"], result["Fout"], result["Fouten"], result["VerwerktVoorOpvraging"]) == (
        True,
        None,
        [],
        True,
    )
    assert result["TijdstipVerwerking"] is not None
    dossier = Dossier.objects.get()
    assert dossier.name == "Aanvraag kinderbijslag voor Lotte Peeters"
    assert dossier.manager["Adres"]["Gemeente"] == "Sint-Gillis"
    assert (dossier.ipdc_product, dossier.type_code, dossier.action_needed) == ("1502", "KINDERBIJSLAG", True)
    assert sorted(o.kind for o in dossier.owners.all()) == ["insz", "insz"]


def test_the_accepted_answer_is_what_django_ninjas_renderer_writes_for_the_documented_schema(upload: Upload) -> None:
    response = upload(full_payload(UploadId="upl-answer"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == json.dumps({"Status": "OK", "UploadId": "upl-answer"}).encode()
    assert UploadAcceptedOut.model_validate_json(response.content).UploadId == "upl-answer"
    assert response["Cache-Control"] == "no-store" and "X-Request-ID" in response  # the whole stack still ran


def test_upload_without_upload_id_gets_one_generated(upload: Upload) -> None:
    response = upload(full_payload(UploadId=None))

    assert response.status_code == 200
    assert response.json()["UploadId"] == DossierUpload.objects.get().upload_id
    assert len(response.json()["UploadId"]) == 36


def test_newer_upload_becomes_current_and_keeps_the_history(upload: Upload) -> None:
    upload(full_payload())
    upload(
        full_payload(
            UploadId="upl-0002",
            WijzigingsDatum="2026-11-10T14:00:00+01:00",
            Status=status("Beslissing", "Goedgekeurd", detail="U krijgt het groeipakket."),
        )
    )

    dossier = Dossier.objects.get()
    assert (dossier.current_phase, dossier.current_code, dossier.action_needed) == ("Beslissing", "Goedgekeurd", False)
    assert [s.phase for s in dossier.statuses.order_by("modified_at")] == ["Behandeling", "Beslissing"]


def test_older_upload_arriving_late_is_filed_in_history_without_replacing_current(upload: Upload) -> None:
    upload(full_payload(WijzigingsDatum="2026-11-10T14:00:00+01:00", Status=status("Beslissing", "Goedgekeurd")))
    changes_before = DossierStatusChange.objects.count()

    response = upload(
        full_payload(
            UploadId="upl-late",
            Naam="Oude naam die niet mag winnen",
            WijzigingsDatum="2026-10-01T08:00:00+02:00",
            Status=status("Samenstelling", "Ontvangen"),
        )
    )

    assert response.status_code == 200
    dossier = Dossier.objects.get()
    assert (dossier.current_phase, dossier.current_code) == ("Beslissing", "Goedgekeurd")
    assert dossier.name == "Aanvraag kinderbijslag voor Lotte Peeters"
    assert [s.phase for s in dossier.statuses.order_by("modified_at")] == ["Samenstelling", "Beslissing"]
    assert DossierStatusChange.objects.count() == changes_before
    assert DossierUpload.objects.get(upload_id="upl-late").outcome == "history"


def test_identical_reupload_changes_nothing(upload: Upload) -> None:
    upload(full_payload())
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, manager, content_hash FROM dossiers_dossier")
        dossier_before = cursor.fetchall()
        cursor.execute("SELECT detail, action_text, content_hash FROM dossiers_dossierstatus")
        status_before = cursor.fetchall()
    before = counts()

    response = upload(full_payload(UploadId="upl-again"))

    assert response.status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, manager, content_hash FROM dossiers_dossier")
        assert cursor.fetchall() == dossier_before
        cursor.execute("SELECT detail, action_text, content_hash FROM dossiers_dossierstatus")
        assert cursor.fetchall() == status_before
    after = counts()
    assert after == {**before, "DossierUpload": before["DossierUpload"] + 1}
    assert DossierUpload.objects.get(upload_id="upl-again").outcome == "unchanged"


def test_status_codes_beyond_the_known_ones_are_accepted_as_agency_text(upload: Upload) -> None:
    response = upload(full_payload(Status=status("Uitvoering", "Betaling gepland voor 15 december")))

    assert response.status_code == 200
    assert Dossier.objects.get().current_code == "Betaling gepland voor 15 december"


def test_unknown_bron_is_refused_with_404_and_stores_nothing(upload: Upload) -> None:
    payload = full_payload(Identificatie={"Bron": "https://onbekend.example/dosis", "DossierNummer": "X-1"})

    response = upload(payload)

    assert_problem(response, 404, "bron-onbekend")
    assert set(counts().values()) == {0}
    assert not AuditEvent.objects.filter(action="dossier.upload_accepted").exists()


def test_another_agencys_bron_gets_404_and_stores_nothing(
    client: Client, upload: Upload, second_dosis_agency: OnboardedAgency
) -> None:
    payload = full_payload(Identificatie={"Bron": OTHER_BRON, "DossierNummer": "RB-1"})

    response = upload(payload)

    assert_problem(response, 404, "bron-onbekend")
    assert set(counts().values()) == {0}


def test_writing_to_an_agencys_own_bron_works_for_that_agency_only(
    client: Client, upload: Upload, second_dosis_agency: OnboardedAgency
) -> None:
    their_headers = bearer(client, second_dosis_agency)
    theirs = full_payload(Identificatie={"Bron": OTHER_BRON, "DossierNummer": "RB-1"})

    assert upload(theirs, their_headers).status_code == 200
    assert upload(full_payload(), their_headers).status_code == 404
    assert Dossier.objects.get().source.uri == OTHER_BRON


def test_invalid_insz_in_agenten_is_refused_in_dosis_format_without_echoing_it(upload: Upload) -> None:
    agents = [{"Identificatie": "85073003329", "Toegangsrechten": [{"Code": "Raadpleger"}]}]

    response = upload(full_payload(Agenten=agents))

    body = assert_dosis_400(response, "Agenten.0.Identificatie")
    assert "INSZ" in json.dumps(body)
    assert "85073003329" not in json.dumps(body)
    assert set(counts().values()) == {0}


def test_missing_required_field_is_refused_naming_it(upload: Upload) -> None:
    response = upload(full_payload(Naam=None))

    body = assert_dosis_400(response, "Naam")
    assert body["errors"][0]["message"] == "Verplicht veld ontbreekt."
    assert set(counts().values()) == {0}


def test_phase_outside_the_six_is_refused(upload: Upload) -> None:
    response = upload(full_payload(Status=status("Onderzoek", "Bezig")))

    body = assert_dosis_400(response, "Status.VlaamsFase")
    assert "Samenstelling" in body["errors"][0]["message"]
    assert set(counts().values()) == {0}


def test_agents_without_raadpleger_right_are_refused(upload: Upload) -> None:
    agents = [{"Identificatie": PARENT_1, "Toegangsrechten": [{"Code": "Beheerder"}]}]

    assert_dosis_400(upload(full_payload(Agenten=agents)), "Agenten")
    assert set(counts().values()) == {0}


def test_payload_carrying_a_category_the_order_does_not_allow_is_refused_403_naming_it(
    upload: Upload, agency: OnboardedAgency
) -> None:
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    categories = [c for c in order.current.categories_for("dosis") if c != "contact_dossierbeheerder"]
    processing_order_change(order=order, actor=TEST_ACTOR, note="zonder contact", data_categories={"dosis": categories})

    response = upload(full_payload())

    body = assert_problem(response, 403, "category-not-allowed")
    assert body["missing"] == ["contact_dossierbeheerder"]
    assert "contact_dossierbeheerder" in body["detail"]
    assert set(counts().values()) == {0}
    without_contact = full_payload()
    without_contact["DossierBeheerder"] = {"Naam": "Els Maes", "Dienst": "Team Groeipakket"}
    assert upload(without_contact).status_code == 200


def test_upload_without_a_token_is_refused(client: Client, source: Any) -> None:
    response = client.post(UPLOAD_URL, json.dumps(full_payload()), content_type="application/json")

    assert_problem(response, 401, "authentication-failed")
    assert set(counts().values()) == {0}


def test_real_status_changes_write_one_outbox_row_per_owner(upload: Upload, known_owners: None) -> None:
    upload(full_payload())
    # One row per owner; the processing task hands them to notifications at once.
    assert DossierStatusChange.objects.count() == 2
    assert not DossierStatusChange.objects.filter(processed_at__isnull=True).exists()

    upload(full_payload(UploadId="again"))
    upload(full_payload(WijzigingsDatum="2026-10-01T08:00:00+02:00", Status=status("Samenstelling", "Ontvangen")))
    assert DossierStatusChange.objects.count() == 2

    upload(full_payload(WijzigingsDatum="2026-11-20T08:00:00+01:00", Status=status("Afgerond", "Uitbetaald")))
    latest = DossierStatus.objects.get(phase="Afgerond")
    assert DossierStatusChange.objects.filter(status=latest).count() == 2
    assert {c.owner_id for c in DossierStatusChange.objects.filter(status=latest)} == set(
        DossierOwner.objects.values_list("pk", flat=True)
    )


def test_free_text_is_encrypted_at_rest(upload: Upload) -> None:
    upload(full_payload())

    with connection.cursor() as cursor:
        cursor.execute("SELECT name, manager FROM dossiers_dossier")
        stored = [v for row in cursor.fetchall() for v in row]
        cursor.execute("SELECT detail, action_text FROM dossiers_dossierstatus")
        stored += [v for row in cursor.fetchall() for v in row]
        cursor.execute("SELECT key FROM dossiers_dossierowner")
        keys = [row[0] for row in cursor.fetchall()]
    assert len(stored) == 4
    assert all(value.startswith("bp3:") for value in stored)
    for secret in ("Lotte", "Els Maes", "geboorteattest", "dossierbehandelaar"):
        assert not any(secret in value for value in stored)
    assert PARENT_1 not in keys and PARENT_2 not in keys
    assert DossierUpload.objects.get().payload is None  # the queue forgets the payload once filed


def test_upload_and_processing_are_audited_without_personal_data(upload: Upload, agency: OnboardedAgency) -> None:
    upload(full_payload())

    accepted = AuditEvent.objects.get(action="dossier.upload_accepted")
    processed = AuditEvent.objects.get(action="dossier.upload_processed")
    assert accepted.agency_id == processed.agency_id == agency.agency_id
    # Written in the same statement as the queue row (PostgreSQL): it names the row by its reference.
    queued = DossierUpload.objects.get()
    assert queued.ref is not None and accepted.object_id == str(queued.ref)
    assert (accepted.actor_id, accepted.order_version_id) == (queued.client_id, queued.order_version_id)
    audit_seal_all()
    assert audit_verify().ok  # its leaf hash recomputes from what the database kept
    assert processed.object_id == str(Dossier.objects.get().pk)
    assert processed.detail["outcome"] == "created"
    dumped = json.dumps([accepted.detail, processed.detail])
    assert PARENT_1 not in dumped and "Lotte" not in dumped


def test_results_per_upload_id_and_failures_per_bron(
    client: Client, upload: Upload, agency_headers: dict[str, str], agency: OnboardedAgency
) -> None:
    upload(full_payload())
    broken = DossierUpload.objects.create(
        agency_id=agency.agency_id,
        source=Dossier.objects.get().source,
        dossier_number="KO-2026-0002",
        upload_id="upl-broken",
        client_id=agency.client_id,
        payload={"Naam": "onvolledig"},
    )
    from burgerprofiel.dossiers.services import dossier_uploads_process

    dossier_uploads_process()

    response = client.get("/api/v1/dosis/resultaten/perUploadId", {"uploadId": "upl-0001"}, **agency_headers)
    assert [r["Succes"] for r in response.json()] == [True]
    failures = client.get("/api/v1/dosis/resultaten/fouten", {"bron": BRON}, **agency_headers).json()
    assert [f["UploadId"] for f in failures] == [broken.upload_id]
    assert failures[0]["Succes"] is False
    assert failures[0]["Fout"] == failures[0]["Fouten"][0]["Omschrijving"] == "De inhoud van de upload is ongeldig."
    assert failures[0]["VerwerktVoorOpvraging"] is False


def test_results_of_another_agencys_bron_are_404(
    client: Client, upload: Upload, second_dosis_agency: OnboardedAgency
) -> None:
    upload(full_payload())
    their_headers = bearer(client, second_dosis_agency)

    response = client.get("/api/v1/dosis/resultaten", {"bron": BRON, "dossierNummer": "KO-2026-0001"}, **their_headers)
    assert_problem(response, 404, "not-found")
    by_id = client.get("/api/v1/dosis/resultaten/perUploadId", {"uploadId": "upl-0001"}, **their_headers)
    assert by_id.json() == []


def test_delete_removes_the_dossier_at_once_with_everything_naming_it(
    client: Client, upload: Upload, agency_headers: dict[str, str]
) -> None:
    upload(full_payload())

    response = client.delete(f"/api/v1/dosis/dossiers?bron={BRON}&dossierNummer=KO-2026-0001", **agency_headers)

    assert response.status_code == 204, response.content
    assert set(counts().values()) == {0}
    event = AuditEvent.objects.get(action="dossier.deleted")
    assert event.detail["reason"] == "agency"
    again = client.delete(f"/api/v1/dosis/dossiers?bron={BRON}&dossierNummer=KO-2026-0001", **agency_headers)
    assert_problem(again, 404, "not-found")


def test_another_agency_cannot_delete_a_dossier(
    client: Client, upload: Upload, second_dosis_agency: OnboardedAgency
) -> None:
    upload(full_payload())

    response = client.delete(
        f"/api/v1/dosis/dossiers?bron={BRON}&dossierNummer=KO-2026-0001", **bearer(client, second_dosis_agency)
    )

    assert_problem(response, 404, "bron-onbekend")
    assert Dossier.objects.count() == 1


def test_sources_list_names_only_the_agencys_own(
    client: Client, agency_headers: dict[str, str], second_dosis_agency: OnboardedAgency
) -> None:
    response = client.get("/api/v2/dosis/bronnen/uris", **agency_headers)

    assert response.status_code == 200
    assert response.json() == [BRON]


def test_a_body_that_is_no_json_is_refused_in_dosis_format(client: Client, agency_headers: dict[str, str]) -> None:
    response = client.post(UPLOAD_URL, "{geen json", content_type="application/json", **agency_headers)

    body = assert_dosis_400(response, None)
    assert body["errors"][0]["code"] == "json_invalid"
    assert set(counts().values()) == {0}


def test_an_upload_reads_its_client_and_order_once_and_is_queued_in_one_statement_on_postgresql(
    upload: Upload, monkeypatch: Any
) -> None:
    # What the agency waits for: accepting the upload. Filing it is the worker's (not measured here).
    monkeypatch.setattr("burgerprofiel.dossiers.services.accept.dosis_processing_kick", lambda: None)

    assert upload(full_payload()).status_code == 200  # the token's verification keys are read once a minute

    with CaptureQueriesContext(connection) as queries:
        response = upload(full_payload(UploadId="upl-0002"))

    assert response.status_code == 200, response.content
    order_reads = [q["sql"] for q in queries if "agencies_processingorderversion" in q["sql"]]
    assert len(order_reads) == 1 and "agencies_apiclient" in order_reads[0]
    assert list(DossierUpload.objects.values_list("state", flat=True)) == ["pending", "pending"]
    if connection.vendor == "postgresql":
        # One statement: the client and its orders as this process read them are still current (else
        # they are read again), the source check, whether a citizen named restricted this agency's
        # processing (charter 7, GDPR 18: an indexed NOT EXISTS), the queue row and its audit event.
        assert len(queries) == 1, [q["sql"][:120] for q in queries]
        assert "subject_rights_restriction" in queries[0]["sql"] and "dossiers_dossierupload" in queries[0]["sql"]


def _prepared_uploads() -> int:
    """How many prepared statements of this connection write the DOSIS queue (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%INSERT INTO dossiers_dossierupload%"],
        )
        return int(cursor.fetchone()[0])


def test_the_single_upload_statement_is_prepared_once_per_connection_and_stores_what_the_client_sent(
    upload: Upload, agency: OnboardedAgency, monkeypatch: Any
) -> None:
    skip_unless_postgresql()
    monkeypatch.setattr("burgerprofiel.dossiers.services.accept.dosis_processing_kick", lambda: None)

    # The first upload reads the client afresh (no order guard in its statement), the next ones confirm
    # the kept read in theirs: two statements, each parsed and planned once on this connection, then
    # run by name with the values bound on the server.
    assert upload(full_payload(UploadId="upl-prep-0")).status_code == 200
    assert upload(full_payload(UploadId="upl-prep-1")).status_code == 200
    assert _prepared_uploads() == 2
    assert upload(full_payload(UploadId="upl-prep-2")).status_code == 200
    assert _prepared_uploads() == 2
    rows = list(DossierUpload.objects.order_by("pk").values_list("upload_id", "state", "errors", "outcome"))
    assert rows == [(f"upl-prep-{n}", "pending", [], "") for n in range(3)]
    assert DossierUpload.objects.get(upload_id="upl-prep-2").payload["UploadId"] == "upl-prep-2"
    events = AuditEvent.objects.filter(action=AuditAction.DOSSIER_UPLOAD_ACCEPTED)
    assert events.count() == 3 and all(e.detail == {"count": 1} for e in events)
    audit_seal_all()
    assert audit_verify().ok  # the hashes computed in Python match what the casts stored


def test_without_prepared_statements_the_single_upload_still_runs_in_one_statement(
    upload: Upload, settings: Any, monkeypatch: Any
) -> None:
    skip_unless_postgresql()
    monkeypatch.setattr("burgerprofiel.dossiers.services.accept.dosis_processing_kick", lambda: None)
    settings.DATABASE_PREPARED_STATEMENTS = False  # behind a pooler that cannot keep them
    assert upload(full_payload()).status_code == 200  # the token's verification keys are read once a minute

    with CaptureQueriesContext(connection) as queries:
        assert upload(full_payload(UploadId="upl-0002")).status_code == 200

    assert len(queries) == 1 and "upl-0002" in queries[0]["sql"]  # bound on the client, as Django does
    assert _prepared_uploads() == 0
    assert DossierUpload.objects.filter(upload_id="upl-0002", state="pending").exists()


def test_an_order_suspended_or_a_client_deactivated_after_an_upload_refuses_the_next_one_and_stores_nothing(
    upload: Upload, agency: OnboardedAgency, monkeypatch: Any
) -> None:
    # The next upload confirms the client and its order in its own statement (they were kept from the
    # previous one): a change made meanwhile, by any process, is read, checked and refused as ever.
    from burgerprofiel.agencies.models import ApiClient
    from burgerprofiel.agencies.services import processing_order_resume, processing_order_suspend

    monkeypatch.setattr("burgerprofiel.dossiers.services.accept.dosis_processing_kick", lambda: None)
    assert upload(full_payload(UploadId="upl-1")).status_code == 200
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    processing_order_suspend(order=order, reason="charter 2.3", actor=TEST_ACTOR)

    assert_problem(upload(full_payload(UploadId="upl-2")), 403, "order-suspended")
    assert list(DossierUpload.objects.values_list("upload_id", flat=True)) == ["upl-1"]
    assert AuditEvent.objects.filter(action="order_check.refused", detail__reason="order-suspended").count() == 1

    resumed = processing_order_resume(order=order, actor=TEST_ACTOR)
    assert upload(full_payload(UploadId="upl-3")).status_code == 200
    assert DossierUpload.objects.get(upload_id="upl-3").order_version_id == resumed.pk
    event = AuditEvent.objects.filter(action="dossier.upload_accepted").latest("pk")
    assert event.order_version_id == resumed.pk  # audited under the order version in force

    ApiClient.objects.filter(client_id=agency.client_id).update(is_active=False)
    assert upload(full_payload(UploadId="upl-4")).status_code == 401
    assert not DossierUpload.objects.filter(upload_id="upl-4").exists()


def test_an_order_changed_after_an_upload_is_read_again_and_the_next_upload_runs_under_the_new_version(
    upload: Upload, agency: OnboardedAgency, monkeypatch: Any
) -> None:
    monkeypatch.setattr("burgerprofiel.dossiers.services.accept.dosis_processing_kick", lambda: None)
    assert upload(full_payload(UploadId="upl-1")).status_code == 200
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    changed = processing_order_change(order=order, actor=TEST_ACTOR, note="nieuwe versie")

    assert upload(full_payload(UploadId="upl-2")).status_code == 200
    assert DossierUpload.objects.get(upload_id="upl-2").order_version_id == changed.pk
    assert DossierUpload.objects.count() == 2


def test_an_upload_with_a_nul_character_is_refused_in_dosis_format_and_stores_nothing(
    client: Client, agency_headers: dict[str, str]
) -> None:
    # Found by schemathesis on PostgreSQL: the NUL reached the database and the upload answered 500.
    before = counts()
    body = {
        "Identificatie": {"Bron": BRON, "DossierNummer": "D-1"},
        "UploadId": "U\u00001",
        "Naam": "Groeipakket",
        "WijzigingsDatum": "2026-01-05T10:00:00+01:00",
        "Status": {"VlaamsCode": "ontvangen", "VlaamsFase": "Behandeling"},
        "Agenten": [{"Identificatie": "85073003328", "Toegangsrechten": [{"Code": "Raadpleger"}]}],
    }
    response = client.post("/api/v2/dosis/dossiers", body, content_type="application/json", **agency_headers)
    body = assert_dosis_400(response, None)
    assert body["errors"][0]["code"] == "text_unstorable"
    assert counts() == before


def test_an_order_that_ran_out_or_lost_a_category_after_an_upload_refuses_the_next_one(
    upload: Upload, agency: OnboardedAgency, monkeypatch: Any
) -> None:
    # The kept order is checked against today on every upload (an end date passes without a new
    # version), and a version without a category the payload carries refuses it; nothing is stored.
    import datetime as dt

    from django.utils import timezone

    from burgerprofiel.agencies.models import ProcessingOrderVersion
    from burgerprofiel.dossiers.schemas import DossierUploadIn, payload_categories

    monkeypatch.setattr("burgerprofiel.dossiers.services.accept.dosis_processing_kick", lambda: None)
    today = timezone.localdate()
    ProcessingOrderVersion.objects.filter(order__agency_id=agency.agency_id).update(valid_until=today)
    assert upload(full_payload(UploadId="upl-1")).status_code == 200  # the client and its order are kept
    with monkeypatch.context() as later:
        later.setattr(timezone, "localdate", lambda *a, **k: today + dt.timedelta(days=1))
        assert_problem(upload(full_payload(UploadId="upl-2")), 403, "order-expired")

    order = ProcessingOrder.objects.get(pk=agency.order_id)
    assert upload(full_payload(UploadId="upl-3")).status_code == 200  # kept again
    carried = payload_categories(DossierUploadIn(**full_payload()))
    version = order.versions.order_by("-number").first()
    assert version is not None
    dosis = [c for c in version.categories_for("dosis") if c != carried[-1]]
    assert len(dosis) < len(version.categories_for("dosis"))
    processing_order_change(
        order=order, actor=TEST_ACTOR, note="", data_categories={**version.data_categories, "dosis": dosis}
    )
    refused = upload(full_payload(UploadId="upl-4"))
    assert refused.status_code == 403, refused.content
    assert sorted(DossierUpload.objects.values_list("upload_id", flat=True)) == ["upl-1", "upl-3"]
