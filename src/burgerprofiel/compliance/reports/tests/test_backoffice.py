"""Back-office: staff reach personal data only after accepting the current confidentiality statement
(charter 4); the compliance documents and independent audits pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.tests.conftest import logged_in, make_staff
from burgerprofiel.compliance.reports.models import ConfidentialityAcceptance, IndependentAudit
from burgerprofiel.compliance.reports.services import confidentiality_statement_publish
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency

pytestmark = pytest.mark.django_db

AGENCIES = "/backoffice/agencies/agency/"
ACCEPT = "/backoffice/compliance_reports/confidentialitystatement/aanvaarden/"


def test_without_a_published_statement_nothing_is_asked() -> None:
    client = logged_in(make_staff("operator", "op"))
    assert client.get(AGENCIES).status_code == 200


def test_staff_without_acceptance_are_sent_to_the_statement_then_back(agency: OnboardedAgency) -> None:
    statement = confidentiality_statement_publish(version="1", text="Ik zwijg over wat ik zie.", actor=TEST_ACTOR)
    staff = make_staff("auditor", "aud")
    client = logged_in(staff)
    refused = client.get(AGENCIES)
    assert refused.status_code == 302
    assert refused["Location"].startswith(ACCEPT)
    assert AuditEvent.objects.filter(action="compliance.confidentiality_required", outcome="refused").exists()
    page = client.get(refused["Location"])
    assert "Ik zwijg over wat ik zie." in page.content.decode()
    # The start page stays open (nothing personal on it).
    assert client.get("/backoffice/").status_code == 200
    # Without the checkbox: not accepted.
    client.post(ACCEPT, {"next": AGENCIES})
    assert not ConfidentialityAcceptance.objects.exists()
    accepted = client.post(ACCEPT, {"accept": "1", "next": AGENCIES})
    assert accepted.status_code == 302 and accepted["Location"] == AGENCIES
    assert ConfidentialityAcceptance.objects.get().statement == statement
    assert AuditEvent.objects.filter(action="compliance.confidentiality_accepted", actor_id=str(staff.user.pk)).exists()
    assert client.get(AGENCIES).status_code == 200
    # A new version asks again.
    confidentiality_statement_publish(version="2", text="Nieuwe tekst.", actor=TEST_ACTOR)
    assert client.get(AGENCIES).status_code == 302


def test_accepting_never_redirects_off_site() -> None:
    confidentiality_statement_publish(version="1", text="Tekst.", actor=TEST_ACTOR)
    client = logged_in(make_staff("operator", "op"))
    response = client.post(ACCEPT, {"accept": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/backoffice/"


def test_an_operator_records_an_audit_with_its_report_and_downloads_it(agency: OnboardedAgency) -> None:
    client = logged_in(make_staff("operator", "op"))
    response = client.post(
        "/backoffice/compliance_reports/independentaudit/add/",
        {
            "auditor": "Auditbureau NV",
            "performed_on": (timezone.localdate() - dt.timedelta(days=2)).isoformat(),
            "scope": "Charter v3",
            "conclusion": "In orde.",
            "report_file": SimpleUploadedFile("audit.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
        },
    )
    assert response.status_code == 302, response.content
    audit = IndependentAudit.objects.get()
    download = client.get(f"/backoffice/compliance_reports/independentaudit/{audit.pk}/rapport/")
    assert download.content == b"%PDF-1.4 x"


def test_the_documents_page_serves_records_measures_and_each_agencys_report(agency: OnboardedAgency) -> None:
    client = logged_in(make_staff("auditor", "aud"))
    page = client.get("/backoffice/compliance_reports/obligationsreport/documenten/")
    assert page.status_code == 200
    assert f"rapport-{agency.agency_id}.pdf" in page.content.decode()
    base = "/backoffice/compliance_reports/obligationsreport/documenten/"
    assert client.get(base + "register.json").json()["controllers"][0]["controller"]["id"] == agency.agency_id
    assert client.get(base + "maatregelen.pdf").content.startswith(b"%PDF")
    assert client.get(base + f"rapport-{agency.agency_id}.json").json()["agency"]["id"] == agency.agency_id
    assert client.get(base + "rapport-999999.json").status_code == 404
