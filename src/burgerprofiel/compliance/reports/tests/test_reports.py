"""Compliance report, records of processing, measures, independent audits and the platform's own
reports to agencies (charter 5, 9; GDPR 30(2)): built from the audit trail and the live configuration,
isolated per agency, audited when made."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.compliance.reports.models import IndependentAudit, ObligationsReport
from burgerprofiel.compliance.reports.services import (
    compliance_report_make,
    independent_audit_record,
    measures_make,
    obligations_reports_send_due,
    records_of_processing_make,
)
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, bearer

pytestmark = pytest.mark.django_db

STAFF = Actor(kind="staff", id="7")


def _activity(agency: OnboardedAgency, *, dossiers: int, refused: int, staff_reads: int, purges: int) -> None:
    client = Actor(kind="agency_client", id=agency.client_id, agency_id=agency.agency_id)
    for _ in range(dossiers):
        audit_record(actor=client, action=AuditAction.DOSSIER_UPLOAD_ACCEPTED, agency_id=agency.agency_id)
    for _ in range(refused):
        audit_record(
            actor=client,
            action=AuditAction.ORDER_CHECK_REFUSED,
            agency_id=agency.agency_id,
            outcome=AuditEvent.Outcome.REFUSED,
        )
    for _ in range(staff_reads):
        audit_record(actor=STAFF, action=AuditAction.AGENCY_ME_READ, agency_id=agency.agency_id)
    for _ in range(purges):
        audit_record(actor=client, action=AuditAction.DOSSIER_PURGED, agency_id=agency.agency_id, detail={"n": 3})


def test_the_report_counts_one_agencys_activity_and_nothing_of_another(
    agency: OnboardedAgency, other_agency: OnboardedAgency
) -> None:
    _activity(agency, dossiers=4, refused=2, staff_reads=3, purges=1)
    _activity(other_agency, dossiers=9, refused=5, staff_reads=7, purges=2)
    report = compliance_report_make(agency_id=agency.agency_id, actor=TEST_ACTOR)
    assert report["agency"]["id"] == agency.agency_id
    assert report["volumes_per_component"]["dosis"]["dossier.upload_accepted"] == 4
    assert report["refusals"] == {"order_check.refused": 2}
    assert report["staff_accesses"]["by_action"]["agency.me_read"] == 3
    assert [p["action"] for p in report["retention_purges"]] == ["dossier.purged"]
    assert report["processing_orders"][0]["processing_order_id"] == agency.order_id
    assert report["processing_orders"][0]["versions"][0]["state"] == "active"
    assert report["charter"]["in_force"] == "3.0"
    made = AuditEvent.objects.get(action="compliance.report_made")
    assert made.agency_id == agency.agency_id


def test_the_report_is_limited_to_its_period(agency: OnboardedAgency) -> None:
    _activity(agency, dossiers=2, refused=0, staff_reads=0, purges=0)
    later = timezone.now() + dt.timedelta(days=1)
    report = compliance_report_make(
        agency_id=agency.agency_id, since=later, until=later + dt.timedelta(days=1), actor=TEST_ACTOR
    )
    assert report["volumes_per_component"] == {}


def test_api_gives_the_calling_agency_its_own_report_as_json_and_pdf(
    client: Client, agency: OnboardedAgency, other_agency: OnboardedAgency
) -> None:
    _activity(other_agency, dossiers=9, refused=5, staff_reads=7, purges=2)
    headers = bearer(client, agency)
    body = client.get("/api/v1/compliance/report", **headers).json()
    assert body["agency"]["id"] == agency.agency_id
    assert "dossier.upload_accepted" not in json.dumps(body["volumes_per_component"])
    pdf = client.get("/api/v1/compliance/report?format=pdf", **headers)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="compliance.report_made", agency_id=agency.agency_id).count() == 2
    assert not AuditEvent.objects.filter(action="compliance.report_made", agency_id=other_agency.agency_id).exists()


def test_records_of_processing_name_every_controller_with_its_components(
    agency: OnboardedAgency, other_agency: OnboardedAgency
) -> None:
    records = records_of_processing_make(actor=TEST_ACTOR)
    by_id = {c["controller"]["id"]: c for c in records["controllers"]}
    assert set(by_id) == {agency.agency_id, other_agency.agency_id}
    assert {p["component"] for p in by_id[agency.agency_id]["categories_of_processing"]} == {"dosis", "notificaties"}
    assert records["processor"]["kbo"] == "0316.380.841"
    assert AuditEvent.objects.filter(action="compliance.records_made").exists()


def test_measures_come_from_the_live_configuration_and_name_the_last_audit_verify(agency: OnboardedAgency) -> None:
    before = measures_make(actor=TEST_ACTOR)
    assert before["audit_trail"]["last_verify"] is None
    assert before["encryption_at_rest"]["key_encryption_keys"]["wrapping"]
    assert before["encryption_at_rest"]["data_keys"]["agency"]["active"] >= 1
    call_command("audit", "seal", stdout=io.StringIO())
    call_command("audit", "verify", stdout=io.StringIO())
    after = measures_make(actor=TEST_ACTOR)
    assert after["audit_trail"]["last_verify"]["ok"] is True
    assert after["audit_trail"]["last_verify"]["events_checked"] > 0
    assert after["independent_audit"]["overdue"] is True


def test_an_independent_audit_is_recorded_with_its_report_and_each_agency_gets_the_platforms_report(
    agency: OnboardedAgency, other_agency: OnboardedAgency
) -> None:
    audit = independent_audit_record(
        auditor="Auditbureau NV",
        performed_on=timezone.localdate(),
        scope="Verwerkingscharter v3, artikelen 4 tot 12",
        conclusion="Geen tekortkomingen.",
        report_name="audit.pdf",
        report_content_type="application/pdf",
        report=b"%PDF-1.4 rapport",
        actor=TEST_ACTOR,
    )
    assert bytes(IndependentAudit.objects.get(pk=audit.pk).report) == b"%PDF-1.4 rapport"
    sent = ObligationsReport.objects.filter(audit=audit)
    assert {r.agency_id for r in sent} == {agency.agency_id, other_agency.agency_id}
    assert AuditEvent.objects.filter(action="compliance.obligations_report_sent").count() == 2
    assert measures_make(actor=TEST_ACTOR)["independent_audit"]["overdue"] is False


def test_the_periodic_report_goes_only_to_agencies_whose_interval_passed(agency: OnboardedAgency) -> None:
    now = timezone.now()
    assert obligations_reports_send_due(actor=TEST_ACTOR, now=now) == 0
    later = now + dt.timedelta(days=366)
    assert obligations_reports_send_due(actor=TEST_ACTOR, now=later) == 1
    assert ObligationsReport.objects.get().trigger == "schedule"
    # Just sent: not due again until another interval has passed.
    assert obligations_reports_send_due(actor=TEST_ACTOR, now=timezone.now() + dt.timedelta(days=30)) == 0


def test_cli_writes_the_report_as_pdf_and_json(agency: OnboardedAgency, tmp_path: Any) -> None:
    target = tmp_path / "rapport.pdf"
    call_command(
        "compliance", "report", "--agency", str(agency.agency_id), "--pdf", "-o", str(target), stdout=io.StringIO()
    )
    assert target.read_bytes().startswith(b"%PDF")
    out = io.StringIO()
    call_command("compliance", "report", "--agency", str(agency.agency_id), stdout=out)
    assert json.loads(out.getvalue())["agency"]["id"] == agency.agency_id
    out = io.StringIO()
    call_command("compliance", "measures", stdout=out)
    assert "key_encryption_keys" in json.loads(out.getvalue())["encryption_at_rest"]


def test_a_breach_notified_to_one_agency_is_in_its_report_and_not_in_anothers(
    agency: OnboardedAgency, other_agency: OnboardedAgency
) -> None:
    import time_machine

    from burgerprofiel.citizens.services import citizen_get_or_create
    from burgerprofiel.compliance.breaches.services import breach_affected_refresh, breach_notify, breach_register

    start = timezone.now() - dt.timedelta(hours=3)
    citizen = citizen_get_or_create(insz="85073003328")
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        audit_record(
            actor=Actor(kind="agency_client", id="c", agency_id=agency.agency_id),
            action=AuditAction.PERSONAL_DATA_PULLED,
            target=citizen,
            agency_id=agency.agency_id,
        )
    breach = breach_register(
        actor=STAFF,
        title="Cachefout",
        detected_at=start + dt.timedelta(hours=2),
        nature="Antwoorden voor een andere sessie.",
        window_start=start,
        window_end=start + dt.timedelta(hours=1),
        systems=["cache"],
        components=[],
        data_categories=["insz"],
        likely_consequences="Gegevens gezien door een andere burger.",
        measures="Cache uit.",
    )
    breach_affected_refresh(breach=breach, actor=STAFF)
    breach_notify(breach=breach, actor=STAFF)
    mine = compliance_report_make(agency_id=agency.agency_id, actor=TEST_ACTOR)
    assert [(b["title"], b["subjects"]) for b in mine["breaches"]] == [("Cachefout", 1)]
    assert compliance_report_make(agency_id=other_agency.agency_id, actor=TEST_ACTOR)["breaches"] == []


def test_an_agency_reads_the_measures_with_only_its_own_orders_retention(
    client: Client, agency: OnboardedAgency, other_agency: OnboardedAgency
) -> None:
    body = client.get("/api/v1/compliance/measures", **bearer(client, agency)).json()
    assert [o["processing_order_id"] for o in body["retention"]["per_order"]] == [agency.order_id]
    assert body["access_control"]["backoffice_second_factor"]
    pdf = client.get("/api/v1/compliance/measures?format=pdf", **bearer(client, agency))
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="compliance.measures_made", agency_id=agency.agency_id).count() == 2
