"""The agency's side over the API: /api/v1/error-reports (list, detail, attachment, status, messages)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from jsonschema import Draft202012Validator

from burgerprofiel.conftest import OnboardedAgency, bearer, make_agency
from burgerprofiel.corrections.models import ErrorReport, ReportEntry
from burgerprofiel.corrections.tests.conftest import AN, PDF
from burgerprofiel.corrections.tests.factories import make_report
from burgerprofiel.notifications.models import Notification

pytestmark = pytest.mark.django_db
BASE = "/api/v1/error-reports"


def test_the_agency_lists_reads_and_downloads_its_reports(
    client: Client, fm_agency: OnboardedAgency, fm_headers: dict[str, str]
) -> None:
    report = make_report(fm_agency.agency_id)
    listed = client.get(BASE, **fm_headers)
    assert listed.status_code == 200, listed.content
    body = listed.json()
    assert [r["id"] for r in body["error_reports"]] == [str(report.pk)]
    assert body["error_reports"][0]["insz"] == AN and body["has_more"] is False
    detail = client.get(f"{BASE}/{report.pk}", **fm_headers).json()
    assert detail["status"] == "ingediend" and detail["history"][0]["status"] == "ingediend"
    download = client.get(f"{BASE}/{report.pk}/attachment", **fm_headers)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download.content == PDF


def test_pages_follow_the_cursor(client: Client, fm_agency: OnboardedAgency, fm_headers: dict[str, str]) -> None:
    ids = [str(make_report(fm_agency.agency_id, attachment=False).pk) for _ in range(3)]
    first = client.get(BASE, {"limit": 2}, **fm_headers).json()
    assert [r["id"] for r in first["error_reports"]] == ids[:2] and first["has_more"]
    second = client.get(BASE, {"limit": 2, "after": first["next"]}, **fm_headers).json()
    assert [r["id"] for r in second["error_reports"]] == ids[2:] and not second["has_more"]
    assert client.get(BASE, {"status": "gecorrigeerd"}, **fm_headers).json()["error_reports"] == []


def test_status_changes_and_messages_reach_the_citizen(
    client: Client, fm_agency: OnboardedAgency, fm_headers: dict[str, str]
) -> None:
    report = make_report(fm_agency.agency_id)
    moved = client.post(
        f"{BASE}/{report.pk}/status", {"status": "gecorrigeerd"}, content_type="application/json", **fm_headers
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["status"] == "gecorrigeerd"
    written = client.post(
        f"{BASE}/{report.pk}/messages", {"text": "Aangepast."}, content_type="application/json", **fm_headers
    )
    assert written.status_code == 201 and written.json()["author"] == "instantie"
    assert Notification.objects.count() == 2


def test_a_refusal_without_reason_is_a_problem_and_changes_nothing(
    client: Client, fm_agency: OnboardedAgency, fm_headers: dict[str, str]
) -> None:
    report = make_report(fm_agency.agency_id)
    answer = client.post(
        f"{BASE}/{report.pk}/status", {"status": "afgewezen"}, content_type="application/json", **fm_headers
    )
    assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
    assert answer.json()["errors"][0]["field"] == "reason"
    assert ErrorReport.objects.get().status == "ingediend"
    assert ReportEntry.objects.count() == 1 and not Notification.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [{"status": "ingediend"}, {"status": "gecorrigeerd", "extra": 1}, {"status": "afgewezen", "reason": "x" * 2001}],
)
def test_bad_input_is_refused_with_problem_json(
    client: Client, fm_agency: OnboardedAgency, fm_headers: dict[str, str], payload: dict[str, Any]
) -> None:
    report = make_report(fm_agency.agency_id)
    answer = client.post(f"{BASE}/{report.pk}/status", payload, content_type="application/json", **fm_headers)
    assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
    assert ErrorReport.objects.get().status == "ingediend"


def test_a_second_final_status_is_a_conflict(
    client: Client, fm_agency: OnboardedAgency, fm_headers: dict[str, str]
) -> None:
    report = make_report(fm_agency.agency_id)
    url = f"{BASE}/{report.pk}/status"
    assert (
        client.post(url, {"status": "doorgestuurd"}, content_type="application/json", **fm_headers).status_code == 200
    )
    again = client.post(url, {"status": "gecorrigeerd"}, content_type="application/json", **fm_headers)
    assert again.status_code == 409 and again.json()["current_status"] == "doorgestuurd"


def test_another_agencys_report_answers_404(
    client: Client, fm_agency: OnboardedAgency, other_fm_agency: OnboardedAgency
) -> None:
    report = make_report(fm_agency.agency_id)
    other = bearer(client, other_fm_agency)
    assert client.get(BASE, **other).json()["error_reports"] == []
    for answer in [
        client.get(f"{BASE}/{report.pk}", **other),
        client.get(f"{BASE}/{report.pk}/attachment", **other),
        client.post(f"{BASE}/{report.pk}/status", {"status": "gecorrigeerd"}, content_type="application/json", **other),
        client.post(f"{BASE}/{report.pk}/messages", {"text": "x"}, content_type="application/json", **other),
    ]:
        assert answer.status_code == 404 and answer["Content-Type"] == "application/problem+json"
    assert ErrorReport.objects.get().status == "ingediend"


def test_an_agency_without_foutmeldingen_in_its_order_is_refused_403(client: Client, db: None) -> None:
    agency = make_agency(components="uw_gegevens")
    answer = client.get(BASE, **bearer(client, agency))
    assert answer.status_code == 403 and answer.json()["reason"] == "component-not-ordered"


# The document tells the truth: a body its schema admits is accepted, one it does not is refused (422).
# Found by schemathesis: a refusal without reason and a message with a control character were
# schema-valid but refused; a control character the service trimmed away was schema-invalid but stored.
STATUS_BODIES = [
    ({"status": "afgewezen"}, False),
    ({"status": "afgewezen", "reason": ""}, False),
    ({"status": "afgewezen", "reason": " \t\n"}, False),
    ({"status": "afgewezen", "reason": "Geen fout gevonden."}, True),
    ({"status": "gecorrigeerd", "reason": ""}, True),
    ({"status": "doorgestuurd", "reason": "Naar de gemeente.\r\nZij antwoordt."}, True),
    ({"status": "in_behandeling", "reason": "\x0bWe kijken het na."}, False),
]
MESSAGE_BODIES = [
    ({"text": "Aangepast."}, True),
    ({"text": "Regel 1\rRegel 2\r\nRegel 3\tmet tab"}, True),
    ({"text": " \t\n"}, False),
    ({"text": "\x0bHallo"}, False),
    ({"text": "Hallo\x07"}, False),
    ({"text": "\u00a0"}, False),
]


def _document_schema(client: Client, name: str) -> Draft202012Validator:
    return Draft202012Validator(client.get("/api/v1/openapi.json").json()["components"]["schemas"][name])


@pytest.mark.parametrize(("payload", "valid"), STATUS_BODIES)
def test_a_status_body_is_accepted_exactly_when_the_document_admits_it(
    client: Client, fm_agency: OnboardedAgency, fm_headers: dict[str, str], payload: dict[str, Any], valid: bool
) -> None:
    assert _document_schema(client, "StatusIn").is_valid(payload) is valid
    report = make_report(fm_agency.agency_id)
    answer = client.post(f"{BASE}/{report.pk}/status", payload, content_type="application/json", **fm_headers)
    assert answer.status_code == (200 if valid else 422), answer.content
    assert ErrorReport.objects.get().status == (payload["status"] if valid else "ingediend")


@pytest.mark.parametrize(("payload", "valid"), MESSAGE_BODIES)
def test_a_message_is_accepted_exactly_when_the_document_admits_it(
    client: Client, fm_agency: OnboardedAgency, fm_headers: dict[str, str], payload: dict[str, Any], valid: bool
) -> None:
    assert _document_schema(client, "MessageIn").is_valid(payload) is valid
    report = make_report(fm_agency.agency_id)
    answer = client.post(f"{BASE}/{report.pk}/messages", payload, content_type="application/json", **fm_headers)
    assert answer.status_code == (201 if valid else 422), answer.content
    messages = ReportEntry.objects.filter(report=report, kind=ReportEntry.Kind.MESSAGE)
    assert [m.text for m in messages] == ([payload["text"].replace("\r\n", "\n").replace("\r", "\n")] if valid else [])
