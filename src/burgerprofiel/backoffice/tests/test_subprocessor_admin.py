"""Back-office pages for sub-processors: plan a change, resolve an objection, allow a transfer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.tests.conftest import management
from burgerprofiel.compliance.subprocessors.models import (
    Objection,
    SubProcessor,
    SubProcessorChange,
    TransferPermission,
)
from burgerprofiel.compliance.subprocessors.services import objection_file
from burgerprofiel.conftest import TEST_ACTOR

pytestmark = pytest.mark.django_db

BASE = "/backoffice/subprocessors"


def _plan_form(days: int) -> dict[str, str]:
    return {
        "kind": "add",
        "effective_on": (timezone.localdate() + dt.timedelta(days=days)).isoformat(),
        "reason": "Nieuwe sms-centrale",
        "target": "",
        "name": "Sms Centrale NV",
        "identifier": "0203.201.340",
        "address": "Wetstraat 1, 1000 Brussel",
        "country": "BE",
        "role": "Verzending van sms (SMPP)",
        "data_categories": ["gsm", "boodschap"],
        "contract_date": "2026-01-15",
        "endpoints": "smsc.example.be",
        **management("objections"),
    }


def test_the_operator_sees_the_register_with_bijlage_2(operator_client):
    page = operator_client.get(f"{BASE}/subprocessor/")
    assert page.status_code == 200
    assert "CRONOS PUBLIC SERVICES NV" in page.content.decode()


def test_the_operator_plans_a_change_and_every_active_agency_is_told(operator_client, agency, other_agency):
    response = operator_client.post(f"{BASE}/subprocessorchange/add/", _plan_form(31))
    assert response.status_code == 302, response.content.decode()[:3000]
    change = SubProcessorChange.objects.get()
    assert change.subprocessor.name == "Sms Centrale NV" and change.subprocessor.identifier == "0203201340"
    assert AuditEvent.objects.filter(action="backoffice.subprocessorchange.added").exists()
    assert AuditEvent.objects.filter(action="agency_notice.sent").count() == 2


def test_a_change_sooner_than_thirty_days_is_refused_in_the_back_office(operator_client, agency):
    response = operator_client.post(f"{BASE}/subprocessorchange/add/", _plan_form(10), follow=True)
    assert "ten vroegste 30 dagen" in response.content.decode()
    assert not SubProcessorChange.objects.exists()
    assert not SubProcessor.objects.filter(name="Sms Centrale NV").exists()


def test_the_operator_resolves_an_objection_with_an_outcome_of_6_3(operator_client, agency):
    operator_client.post(f"{BASE}/subprocessorchange/add/", _plan_form(31))
    change = SubProcessorChange.objects.get()
    objection = objection_file(
        change_id=change.pk, agency_id=agency.agency_id, reason="Geen sms via een nieuwe partij.", actor=TEST_ACTOR
    )
    response = operator_client.post(
        f"{BASE}/objection/{objection.pk}/change/",
        {"outcome": "not_appointed", "resolution_note": "We blijven bij de huidige.", "data_categories": []},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    objection.refresh_from_db()
    change.refresh_from_db()
    assert objection.outcome == Objection.Outcome.NOT_APPOINTED
    assert change.state == SubProcessorChange.State.WITHDRAWN
    assert AuditEvent.objects.filter(action="subprocessor.objection_resolved", agency_id=agency.agency_id).exists()


def test_the_operator_allows_a_transfer_with_its_legal_ground(operator_client, agency):
    response = operator_client.post(
        f"{BASE}/transferpermission/add/",
        {
            "order": str(agency.order_id),
            "country": "CH",
            "recipient": "",
            "legal_ground": "Adequaatheidsbesluit Zwitserland (AVG art. 45)",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    permission = TransferPermission.objects.get()
    assert permission.country == "CH"
    assert AuditEvent.objects.filter(action="transfer.allowed", agency_id=agency.agency_id).exists()


def test_the_auditor_reads_but_cannot_plan(auditor_client):
    assert auditor_client.get(f"{BASE}/subprocessor/").status_code == 200
    assert auditor_client.get(f"{BASE}/subprocessorchange/add/").status_code == 403
