"""DOSIS end to end: single and bulk uploads filed by the real worker, results, deletion, DOSIS errors."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from burgerprofiel_client import AgencyClient, DosisValidationError, NotFound
from burgerprofiel_client.models import Agent, DossierIdentificatie, DossierStatus, DossierUpload, Fase, Product
from burgerprofiel_client.ndjson import ndjson_line
from conftest import DOSIS_SOURCE
from live_platform import valid_insz

_numbers = itertools.count(1)


def upload(*, number: str | None = None, insz: str | None = None, fase: Fase = Fase.BEHANDELING) -> DossierUpload:
    n = next(_numbers)
    return DossierUpload(
        Identificatie=DossierIdentificatie(Bron=DOSIS_SOURCE, DossierNummer=number or f"CT-{n}"),
        Naam="Omgevingsvergunning",
        WijzigingsDatum=dt.datetime.now(dt.UTC),
        Status=DossierStatus(VlaamsCode="In behandeling", VlaamsFase=fase),
        Producten=[Product(Id="1234")],
        Agenten=[Agent.raadpleger(insz or valid_insz(n))],
    )


def test_a_single_upload_is_accepted_then_filed_by_the_worker(client: AgencyClient) -> None:
    sent = upload()

    accepted = client.dosis.upload(sent)
    results = client.dosis.wait_for_results([accepted.UploadId], timeout=30)

    assert accepted.Status == "OK"
    result = results[accepted.UploadId]
    assert result.Succes is True
    assert result.Identificatie == sent.Identificatie
    [by_dossier] = client.dosis.results(bron=DOSIS_SOURCE, dossier_nummer=sent.Identificatie.DossierNummer)
    assert by_dossier.UploadId == accepted.UploadId


def test_a_bulk_upload_is_cut_into_requests_and_every_line_is_filed(client: AgencyClient) -> None:
    uploads = [upload() for _ in range(5)]
    longest = max(len(ndjson_line(u.wire())) for u in uploads)

    # Two lines fit a body, a third does not: five uploads take three requests.
    result = client.dosis.upload_bulk(iter(uploads), max_bytes=2 * longest + 10)
    filed = client.dosis.wait_for_results(result.upload_ids, timeout=30)

    assert result.requests == 3
    assert (result.accepted, result.refused) == (5, 0)
    assert [line.Lijn for line in result.lines] == [1, 2, 3, 4, 5]
    assert all(r.Succes for r in filed.values()) and len(filed) == 5


def test_a_refused_bulk_line_is_named_by_its_place_in_the_whole_stream(client: AgencyClient) -> None:
    uploads = [upload(), upload(), upload(insz="12345678901"), upload()]  # line 3: no valid INSZ

    result = client.dosis.upload_bulk(uploads, max_lines=2)

    assert (result.accepted, result.refused, result.requests) == (3, 1, 2)
    [failure] = result.failures
    assert failure.Lijn == 3
    assert any(e.get("field", "").startswith("Agenten") for e in failure.errors)


def test_an_invalid_single_upload_raises_the_dosis_error_with_its_fields(client: AgencyClient) -> None:
    with pytest.raises(DosisValidationError) as refused:
        client.dosis.upload(upload(insz="12345678901"))

    problem = refused.value.problem
    assert problem.status == 400
    assert problem.extra["code"] == "VALIDATIE_FOUT"
    assert [e.field for e in problem.errors] == ["Agenten.0.Identificatie"]
    assert problem.request_id


def test_an_upload_for_an_unregistered_source_is_not_found(client: AgencyClient) -> None:
    sent = upload().model_copy(
        update={"Identificatie": DossierIdentificatie(Bron="https://x.example", DossierNummer="1")}
    )

    with pytest.raises(NotFound) as refused:
        client.dosis.upload(sent)

    assert refused.value.problem.code == "bron-onbekend"


def test_a_deleted_dossier_is_gone(client: AgencyClient) -> None:
    sent = upload()
    accepted = client.dosis.upload(sent)
    client.dosis.wait_for_results([accepted.UploadId])

    client.dosis.delete(bron=DOSIS_SOURCE, dossier_nummer=sent.Identificatie.DossierNummer)

    with pytest.raises(NotFound):
        client.dosis.delete(bron=DOSIS_SOURCE, dossier_nummer=sent.Identificatie.DossierNummer)


def test_the_agencys_sources_are_listed(client: AgencyClient) -> None:
    assert client.dosis.sources() == [DOSIS_SOURCE]


def test_another_agency_does_not_see_our_results(client: AgencyClient, jwt_client: AgencyClient) -> None:
    with pytest.raises(NotFound):
        jwt_client.dosis.results(bron=DOSIS_SOURCE, dossier_nummer="CT-1")
