"""The NDJSON bulk upload: one upload per line, an answer per line, stored all at once or not at all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from burgerprofiel.api.tests.helpers import assert_problem
from burgerprofiel.dossiers.models import Dossier, DossierUpload
from burgerprofiel.dossiers.tests.conftest import BULK_URL, OTHER_BRON, full_payload, status


def ndjson(payloads: list[dict[str, Any]]) -> str:
    return "\n".join(json.dumps(p) for p in payloads) + "\n"


def numbered(n: int) -> list[dict[str, Any]]:
    return [
        full_payload(
            Identificatie={"Bron": full_payload()["Identificatie"]["Bron"], "DossierNummer": f"KO-{i:05d}"},
            UploadId=f"bulk-{i}",
        )
        for i in range(n)
    ]


def post(client: Client, body: str, headers: dict[str, str], content_type: str = "application/x-ndjson") -> Any:
    return client.post(BULK_URL, body, content_type=content_type, **headers)


def test_bulk_answers_each_line_and_processes_the_valid_ones(
    client: Client, agency_headers: dict[str, str], second_dosis_agency: Any
) -> None:
    lines = [
        *numbered(2),
        full_payload(Status=status("Onderzoek", "Bezig")),
        full_payload(Identificatie={"Bron": OTHER_BRON, "DossierNummer": "RB-1"}),
    ]

    response = post(client, ndjson(lines) + "{niet json\n", agency_headers)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["Status"], body["Aanvaard"], body["Geweigerd"]) == ("GEDEELTELIJK", 2, 3)
    by_line = {r["Lijn"]: r for r in body["Resultaten"]}
    assert [by_line[i]["Status"] for i in range(1, 6)] == ["OK", "OK", "FOUT", "FOUT", "FOUT"]
    assert by_line[1]["UploadId"] == "bulk-0"
    assert by_line[3]["errors"][0]["field"] == "Status.VlaamsFase"
    assert by_line[4]["code"] == "bron-onbekend"
    assert by_line[5]["errors"][0]["code"] == "json_invalid"
    assert sorted(Dossier.objects.values_list("number", flat=True)) == ["KO-00000", "KO-00001"]
    assert set(DossierUpload.objects.values_list("state", flat=True)) == {"done"}


def test_bulk_over_the_line_limit_stores_nothing(client: Client, agency_headers: dict[str, str], settings: Any) -> None:
    settings.DOSIS_BULK_MAX_LINES = 5

    response = post(client, ndjson(numbered(6)), agency_headers)

    assert_problem(response, 413, "payload-too-large")
    assert DossierUpload.objects.count() == 0
    assert post(client, ndjson(numbered(5)), agency_headers).json()["Aanvaard"] == 5


def test_bulk_over_its_byte_limit_stores_nothing(client: Client, agency_headers: dict[str, str], settings: Any) -> None:
    body = ndjson(numbered(3))
    settings.DOSIS_BULK_MAX_BODY_BYTES = len(body) - 10

    response = post(client, body, agency_headers)

    assert_problem(response, 413, "payload-too-large")
    assert DossierUpload.objects.count() == 0


def test_bulk_wants_ndjson(client: Client, agency_headers: dict[str, str]) -> None:
    response = post(client, json.dumps(full_payload()), agency_headers, content_type="application/json")

    assert response.status_code == 400
    assert DossierUpload.objects.count() == 0


@pytest.mark.django_db
def test_bulk_of_ten_thousand_lines_is_accepted_under_the_bulk_limit(
    client: Client, agency_headers: dict[str, str], settings: Any
) -> None:
    # The API guard's general body limit is 1 MiB; a full 10,000-line bulk needs DOSIS's own limit.
    settings.API_MAX_BODY_BYTES = settings.DOSIS_BULK_MAX_BODY_BYTES
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.DOSIS_BULK_FILE_AT_ACCEPTANCE = False  # the limit is what is tested here, not filing
    body = ndjson(numbered(10_000))
    assert len(body) > 1024 * 1024

    response = post(client, body, agency_headers)

    assert response.status_code == 200, response.content[:500]
    assert response.json()["Aanvaard"] == 10_000
    assert DossierUpload.objects.filter(state="pending").count() == 10_000


def test_bulk_files_several_uploads_of_one_dossier_in_date_order_next_to_new_ones(
    client: Client, agency_headers: dict[str, str]
) -> None:
    newer = full_payload(
        UploadId="newer", WijzigingsDatum="2026-11-20T10:00:00+01:00", Status=status("Beslissing", "Ok")
    )
    older = full_payload(
        UploadId="older", WijzigingsDatum="2026-11-01T10:00:00+01:00", Status=status("Behandeling", "Bezig")
    )

    response = post(client, ndjson([newer, *numbered(2), older]), agency_headers)

    assert response.json()["Aanvaard"] == 4
    dossier = Dossier.objects.get(number="KO-2026-0001")
    assert (dossier.current_phase, dossier.current_code) == ("Beslissing", "Ok")
    assert [s.phase for s in dossier.statuses.order_by("modified_at")] == ["Behandeling", "Beslissing"]
    assert Dossier.objects.count() == 3
    outcomes = dict(DossierUpload.objects.values_list("upload_id", "outcome"))
    assert outcomes == {"newer": "created", "older": "history", "bulk-0": "created", "bulk-1": "created"}


def test_a_bulk_upload_larger_than_the_api_limit_is_accepted_and_replays_with_its_idempotency_key(
    client: Client, agency_headers: dict[str, str], settings: Any
) -> None:
    settings.API_MAX_BODY_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = ndjson(numbered(6))
    assert len(body) > 2048
    headers = {**agency_headers, "HTTP_IDEMPOTENCY_KEY": "bulk-groot-1"}

    first = post(client, body, headers)
    again = post(client, body, headers)

    assert first.status_code == 200, first.content
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Dossier.objects.count() == 6
    assert DossierUpload.objects.count() == 6


def test_a_bulk_upload_over_its_own_limit_is_refused_413(
    client: Client, agency_headers: dict[str, str], settings: Any
) -> None:
    settings.DOSIS_BULK_MAX_BODY_BYTES = 1024
    response = post(client, ndjson(numbered(6)), agency_headers)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert DossierUpload.objects.count() == 0
