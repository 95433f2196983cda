"""The agency's side over the API: /api/v1/requestable-services and /api/v1/service-requests."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from burgerprofiel.conftest import OnboardedAgency, bearer, make_agency
from burgerprofiel.service_requests.models import RequestableService, ServiceRequest
from burgerprofiel.service_requests.tests.conftest import AN
from burgerprofiel.service_requests.tests.factories import FORM, make_request, make_service

pytestmark = pytest.mark.django_db
SERVICES = "/api/v1/requestable-services"
REQUESTS = "/api/v1/service-requests"


def post(client: Client, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(url, body, content_type="application/json", **headers)


def test_an_agency_publishes_lists_and_withdraws_a_form(client: Client, ar_headers: dict[str, str]) -> None:
    created = post(
        client,
        SERVICES,
        {"ipdc_product": "1502", "title": "Startbedrag", "form_schema": FORM, "min_acr": "eid"},
        ar_headers,
    )
    assert created.status_code == 201, created.content
    service_id = created.json()["id"]
    assert [s["id"] for s in client.get(SERVICES, **ar_headers).json()] == [service_id]
    assert client.get(f"{SERVICES}/{service_id}", **ar_headers).json()["min_acr"] == "eid"
    assert client.delete(f"{SERVICES}/{service_id}", **ar_headers).status_code == 204
    assert client.get(SERVICES, **ar_headers).json() == []


@pytest.mark.parametrize(
    "body",
    [
        {"ipdc_product": "1502", "title": "T", "form_schema": {"type": "array"}},
        {"ipdc_product": "1502", "title": "T", "form_schema": FORM, "min_acr": "wachtwoord"},
        {"ipdc_product": "1502", "title": "T", "form_schema": FORM, "extra": True},
        {"ipdc_product": " ", "title": "T", "form_schema": FORM},
        {
            "ipdc_product": "1",
            "title": "T",
            "form_schema": {**FORM, "properties": {"a": {"type": "object", "title": "A"}}},
        },
        {"ipdc_product": "1", "title": "T", "form_schema": {**FORM, "required": ["bestaat_niet"]}},
    ],
)
def test_a_bad_form_is_a_problem_and_nothing_is_published(
    client: Client, ar_headers: dict[str, str], body: dict[str, Any]
) -> None:
    answer = post(client, SERVICES, body, ar_headers)
    assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
    assert not RequestableService.objects.exists()


def test_the_agency_reads_requests_and_answers_with_a_dossier(
    client: Client, ar_agency: OnboardedAgency, ar_headers: dict[str, str]
) -> None:
    request = make_request(make_service(ar_agency.agency_id))
    page = client.get(REQUESTS, **ar_headers).json()
    assert [r["id"] for r in page["service_requests"]] == [str(request.pk)] and not page["has_more"]
    assert page["service_requests"][0]["insz"] == AN
    one = client.get(f"{REQUESTS}/{request.pk}", **ar_headers).json()
    assert one["answers"]["opvang"] == "Onthaalouder"
    answered = post(client, f"{REQUESTS}/{request.pk}/dossier", {"dossier_number": "KO-2026-0001"}, ar_headers)
    assert answered.status_code == 200 and answered.json()["status"] == "dossier"
    other = post(client, f"{REQUESTS}/{request.pk}/dossier", {"dossier_number": "KO-2026-0002"}, ar_headers)
    assert other.status_code == 409
    assert ServiceRequest.objects.get().dossier_number == "KO-2026-0001"


def test_another_agencys_form_and_request_answer_404(
    client: Client, ar_agency: OnboardedAgency, other_ar_agency: OnboardedAgency
) -> None:
    service = make_service(ar_agency.agency_id)
    request = make_request(service)
    other = bearer(client, other_ar_agency)
    assert client.get(REQUESTS, **other).json()["service_requests"] == []
    for answer in [
        client.get(f"{SERVICES}/{service.pk}", **other),
        client.delete(f"{SERVICES}/{service.pk}", **other),
        client.get(f"{REQUESTS}/{request.pk}", **other),
        post(client, f"{REQUESTS}/{request.pk}/dossier", {"dossier_number": "X"}, other),
    ]:
        assert answer.status_code == 404 and answer["Content-Type"] == "application/problem+json"
    assert ServiceRequest.objects.get().dossier_number == ""


def test_an_agency_without_aanvragen_in_its_order_is_refused_403(client: Client, db: None) -> None:
    headers = bearer(client, make_agency(components="dosis"))
    for answer in [client.get(REQUESTS, **headers), client.get(SERVICES, **headers)]:
        assert answer.status_code == 403 and answer.json()["reason"] == "component-not-ordered"
