"""The citizen's side: the form rendered from the schema, server-side errors, the receipt, and the
request in "Mijn dossiers" once the agency answered with its dossier number."""

from __future__ import annotations

import pytest
from django.test import Client

from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, login_citizen
from burgerprofiel.corrections.tests.support import dossier_for
from burgerprofiel.service_requests.models import ServiceRequest
from burgerprofiel.service_requests.services import service_request_dossier_set
from burgerprofiel.service_requests.tests.conftest import AN
from burgerprofiel.service_requests.tests.factories import make_service
from burgerprofiel.webhooks.models import Event

pytestmark = pytest.mark.django_db
FILLED = {
    "kind_naam": "Lotte Peeters",
    "geboortedatum": "2026-03-14",
    "aantal_kinderen": "2",
    "opvang": "Onthaalouder",
    "akkoord": "ja",
}


def test_the_form_shows_each_field_with_its_label_and_name_and_insz_not_editable(
    client: Client, ar_agency: OnboardedAgency
) -> None:
    service = make_service(ar_agency.agency_id)
    login_citizen(client, AN)
    assert "Startbedrag groeipakket" in client.get("/aanvragen/").content.decode()
    page = client.get(f"/aanvragen/{service.pk}/").content.decode()
    assert '<input type="text" id="aanvrager-naam" value="Test Burger" readonly' in page
    assert 'id="aanvrager-insz" value="85.07.30-033.28" readonly' in page
    assert '<label for="veld-kind_naam">Naam van het kind</label>' in page
    assert '<p class="hint" id="veld-aantal_kinderen-hint">Tel het kind van deze aanvraag mee.</p>' in page
    assert 'type="date"' in page and 'type="radio"' in page and 'type="checkbox"' in page
    assert "<script" not in page.split("</head>")[1]  # the form itself needs no JavaScript


def test_errors_come_back_at_their_fields_in_dutch_and_nothing_is_stored(
    client: Client, ar_agency: OnboardedAgency
) -> None:
    service = make_service(ar_agency.agency_id)
    login_citizen(client, AN)
    answer = client.post(f"/aanvragen/{service.pk}/", {**FILLED, "aantal_kinderen": "twee"})
    page = answer.content.decode()
    assert answer.status_code == 422
    assert '<a href="#veld-aantal_kinderen">' in page
    assert "moet een geheel getal zijn, bijvoorbeeld 3." in page
    assert 'aria-describedby="veld-aantal_kinderen-hint veld-aantal_kinderen-fout" aria-invalid="true"' in page
    assert 'value="twee"' in page and 'value="Lotte Peeters"' in page  # what was typed stays
    assert not ServiceRequest.objects.exists() and not Event.objects.exists()


def test_errors_are_in_english_on_an_english_page(client: Client, ar_agency: OnboardedAgency) -> None:
    service = make_service(ar_agency.agency_id)
    login_citizen(client, AN)
    client.post("/taal", {"taal": "en", "next": "/"})
    page = client.post(f"/aanvragen/{service.pk}/", {**FILLED, "aantal_kinderen": "0"}).content.decode()
    assert "&#x27;Aantal kinderen in het gezin&#x27; must be at least 1." in page


def test_a_submission_goes_to_the_agency_with_a_pdf_receipt_for_the_citizen(
    client: Client, ar_agency: OnboardedAgency
) -> None:
    service = make_service(ar_agency.agency_id)
    login_citizen(client, AN)
    answer = client.post(f"/aanvragen/{service.pk}/", FILLED)
    request = ServiceRequest.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/aanvragen/ingediend/{request.pk}/"
    assert request.answers == {**{k: v for k, v in FILLED.items()}, "aantal_kinderen": 2, "akkoord": True}
    assert request.applicant_name == "Test Burger"
    assert Event.objects.get().type == "aanvraag.ingediend"
    receipt = client.get(f"/aanvragen/ingediend/{request.pk}/ontvangstbewijs.pdf")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF-")


def test_a_stronger_login_is_asked_when_the_service_needs_it(client: Client, ar_agency: OnboardedAgency) -> None:
    service = make_service(ar_agency.agency_id, min_acr="eid")
    login_citizen(client, AN, acr="sms")
    answer = client.get(f"/aanvragen/{service.pk}/")
    assert answer.status_code == 302 and "niveau=4" in answer["Location"]


def test_the_request_shows_in_mijn_dossiers_once_the_agency_gave_its_dossier_number(
    client: Client, ar_agency: OnboardedAgency
) -> None:
    service = make_service(ar_agency.agency_id)
    login_citizen(client, AN)
    client.post(f"/aanvragen/{service.pk}/", FILLED)
    request = ServiceRequest.objects.get()
    assert "Startbedrag groeipakket" not in client.get("/mijn-dossiers/").content.decode()
    service_request_dossier_set(
        agency_id=ar_agency.agency_id, request_id=request.pk, dossier_number="KO-2026-0001", actor=TEST_ACTOR
    )
    page = client.get("/mijn-dossiers/").content.decode()
    assert "Startbedrag groeipakket" in page and "dossier KO-2026-0001" in page
    assert f'href="/aanvragen/ingediend/{request.pk}/"' in page
    dossier_id = dossier_for(client, ar_agency, AN)  # the agency uploads the dossier: the request links to it
    login_citizen(client, AN)
    assert (
        f'<a href="/mijn-dossiers/{dossier_id}/">Startbedrag groeipakket</a>'
        in client.get("/mijn-dossiers/").content.decode()
    )
