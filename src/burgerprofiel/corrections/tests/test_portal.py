"""The citizen's side: "Meld een fout" on an item of "Uw gegevens", the report's page, a reply."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from burgerprofiel.conftest import OnboardedAgency, login_citizen
from burgerprofiel.corrections.models import ErrorReport
from burgerprofiel.corrections.tests.conftest import AN, PDF
from burgerprofiel.personal_data.devpeers import DemoServer, Spec
from burgerprofiel.personal_data.tests.factories import demo_server, register
from burgerprofiel.webhooks.models import Event

pytestmark = pytest.mark.django_db
ITEM = "u e-domicilie"


@pytest.fixture
def source(fm_agency: OnboardedAgency) -> Iterator[tuple[DemoServer, int]]:
    server = demo_server({"gezin": Spec("uw_gegevens", "U en uw gezin")})
    pull_source = register(server, "gezin", fm_agency.agency_id)
    yield server, pull_source.pk
    server.stop()


def form_url(source_id: int) -> str:
    return f"/uw-gegevens/fout-melden?bron={source_id}&gegeven={ITEM}"


def test_uw_gegevens_offers_meld_een_fout_on_each_item(client: Client, source: tuple[DemoServer, int]) -> None:
    login_citizen(client, AN)
    page = client.get("/uw-gegevens").content.decode()
    assert page.count("Meld een fout") == 2
    assert f"bron={source[1]}&amp;gegeven=u%20e-domicilie" in page


def test_a_report_with_a_pdf_goes_to_the_agency_and_shows_in_the_portal(
    client: Client, source: tuple[DemoServer, int]
) -> None:
    login_citizen(client, AN)
    form = client.get(form_url(source[1]))
    assert form.status_code == 200 and "Havenlaan 88, 1000 Brussel" in form.content.decode()
    answer = client.post(
        form_url(source[1]),
        {
            "wat_is_fout": "Ik verhuisde in maart.",
            "wat_moet_het_zijn": "Veldstraat 1, 9000 Gent",
            "bijlage": SimpleUploadedFile("contract.pdf", PDF, content_type="application/pdf"),
        },
    )
    report = ErrorReport.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/foutmeldingen/{report.pk}/"
    assert (report.subject_label, report.shown_value, report.item_id) == (
        "Domicilieadres",
        "Havenlaan 88, 1000 Brussel",
        ITEM,
    )
    assert Event.objects.get().type == "foutmelding.ingediend"
    detail = client.get(answer["Location"]).content.decode()
    assert 'Status: <strong id="status">Ingediend</strong>' in detail
    assert "Domicilieadres" in client.get("/foutmeldingen/").content.decode()


def test_a_form_with_errors_answers_422_with_each_error_at_its_field_and_stores_nothing(
    client: Client, source: tuple[DemoServer, int]
) -> None:
    login_citizen(client, AN)
    answer = client.post(
        form_url(source[1]),
        {
            "wat_is_fout": "",
            "wat_moet_het_zijn": "Gent",
            "bijlage": SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf"),
        },
    )
    page = answer.content.decode()
    assert answer.status_code == 422
    assert 'aria-describedby="wat_is_fout-hint wat_is_fout-fout" aria-invalid="true"' in page
    assert "De bijlage moet een PDF, JPEG of PNG zijn." in page and 'href="#bijlage"' in page
    assert ">Gent</textarea>" in page  # what was typed stays
    assert not ErrorReport.objects.exists() and not Event.objects.exists()


def test_an_unknown_item_or_another_citizens_report_is_404(client: Client, source: tuple[DemoServer, int]) -> None:
    login_citizen(client, AN)
    assert client.get(f"/uw-gegevens/fout-melden?bron={source[1]}&gegeven=verzonnen").status_code == 404
    client.post(form_url(source[1]), {"wat_is_fout": "a", "wat_moet_het_zijn": "b"})
    report = ErrorReport.objects.get()
    other = Client()
    login_citizen(other, "90022742191")
    assert other.get(f"/foutmeldingen/{report.pk}/").status_code == 404
    assert other.post(f"/foutmeldingen/{report.pk}/bericht", {"bericht": "hallo"}).status_code == 404


def test_the_citizen_replies_and_the_agency_gets_the_message(client: Client, source: tuple[DemoServer, int]) -> None:
    login_citizen(client, AN)
    client.post(form_url(source[1]), {"wat_is_fout": "a", "wat_moet_het_zijn": "b"})
    report = ErrorReport.objects.get()
    empty = client.post(f"/foutmeldingen/{report.pk}/bericht", {"bericht": " "})
    assert empty.status_code == 422
    sent = client.post(f"/foutmeldingen/{report.pk}/bericht", {"bericht": "Het contract volgt."})
    assert sent.status_code == 302
    assert list(Event.objects.values_list("type", flat=True).order_by("position")) == [
        "foutmelding.ingediend",
        "foutmelding.bericht",
    ]


def test_a_dossier_offers_meld_een_fout(client: Client, db: Any, fm_agency: OnboardedAgency) -> None:
    from burgerprofiel.corrections.tests.support import dossier_for

    dossier_id = dossier_for(client, fm_agency, AN)
    login_citizen(client, AN)
    page = client.get(f"/mijn-dossiers/{dossier_id}/").content.decode()
    assert f"/mijn-dossiers/{dossier_id}/fout-melden" in page
    answer = client.post(
        f"/mijn-dossiers/{dossier_id}/fout-melden", {"wat_is_fout": "Verkeerde naam", "wat_moet_het_zijn": "Bouw"}
    )
    assert answer.status_code == 302
    report = ErrorReport.objects.get()
    assert report.subject_kind == "dossier" and report.dossier_id == dossier_id
