"""Issue 16, item 4: the audit browser (filters, search, names instead of ids, detail, history, verify)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from burgerprofiel.agencies.models import ApiClient
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record, audit_seal_all
from burgerprofiel.backoffice.tests.test_labels import visible_text
from burgerprofiel.staff.services import NewStaff

pytestmark = pytest.mark.django_db

LIST = "/backoffice/audit/auditevent/"


def _ids(client: Client, **params: str) -> set[int]:
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content[:500]
    return {row.pk for row in response.context["cl"].result_list}


def test_search_understands_the_start_of_a_code_and_the_dutch_words_of_an_action(auditor_client, agency):
    onboarded = AuditEvent.objects.get(action="agency.onboarded")
    versions = set(AuditEvent.objects.filter(action__startswith="processing_order.").values_list("pk", flat=True))

    assert versions and _ids(auditor_client, q="processing_order") == versions
    assert onboarded.pk in _ids(auditor_client, q="aangesloten")
    assert onboarded.pk in _ids(auditor_client, q="Agency onboarded")
    assert _ids(auditor_client, q="bestaat-niet-xyz") == set()


def test_a_number_finds_that_event_and_objects_with_that_id_not_every_agency_id(auditor_client, agency):
    event = AuditEvent.objects.order_by("pk").last()
    found = _ids(auditor_client, q=str(event.pk))

    assert event.pk in found
    assert all(
        e.pk == event.pk or e.object_id == str(event.pk) or e.request_id == str(event.pk)
        for e in AuditEvent.objects.filter(pk__in=found)
    )


def test_filters_by_kind_of_action_action_agency_staff_member_and_outcome(
    auditor_client, agency, other_agency, operator
):
    staff_actor = Actor(kind="staff", id=str(operator.user.pk))
    refused = audit_record(
        actor=staff_actor, action=AuditAction.BACKOFFICE_LOGIN, outcome=AuditEvent.Outcome.REFUSED, agency_id=None
    )

    agency_kind = _ids(auditor_client, actiegroep="agency")
    assert agency_kind and all(
        a.startswith("agency.") for a in AuditEvent.objects.filter(pk__in=agency_kind).values_list("action", flat=True)
    )
    page = auditor_client.get(LIST, {"actiegroep": "agency"}).content.decode()
    assert "Instantie aangesloten" in page  # the actions of the chosen kind, by their Dutch label
    assert _ids(auditor_client, actie="agency.onboarded") == set(
        AuditEvent.objects.filter(action="agency.onboarded").values_list("pk", flat=True)
    )
    mine = _ids(auditor_client, agency_id=str(agency.agency_id))
    assert mine and set(AuditEvent.objects.filter(pk__in=mine).values_list("agency_id", flat=True)) == {
        agency.agency_id
    }
    assert refused.pk in _ids(auditor_client, medewerker=str(operator.user.pk))
    assert refused.pk in _ids(auditor_client, outcome__exact="refused")
    assert refused.pk not in _ids(auditor_client, outcome__exact="success")


def test_staff_appear_by_username_and_agencies_by_name(auditor_client, agency, operator: NewStaff):
    audit_record(actor=Actor(kind="staff", id=str(operator.user.pk)), action=AuditAction.BACKOFFICE_LOGIN)
    audit_record(actor=Actor(kind="staff", id="cli:root"), action=AuditAction.BACKOFFICE_LOGIN)
    text = " ".join(visible_text(auditor_client.get(LIST).content.decode()))

    assert "olivia.operator" in text
    assert "root (CLI)" in text
    assert "Agentschap Opgroeien" in text
    assert "Medewerker" in text  # the filter on the kind of actor, in Dutch
    assert "staff:" not in text


def test_the_date_hierarchy_shows_the_year_without_reading_every_row(auditor_client, agency):
    page = auditor_client.get(LIST).content.decode()
    year = timezone.localtime().year

    assert f"occurred_at__year={year}" in page
    month = auditor_client.get(LIST, {"occurred_at__year": str(year)}).content.decode()
    assert f"occurred_at__month={timezone.localtime().month}" in month


def test_the_event_page_pretty_prints_the_detail_and_links_to_the_object(auditor_client, agency):
    event = AuditEvent.objects.get(action="api_client.created")
    client_pk = ApiClient.objects.get(client_id=agency.client_id).pk
    page = auditor_client.get(f"{LIST}{event.pk}/change/").content.decode()

    assert f'href="/backoffice/agencies/apiclient/{client_pk}/change/"' in page
    assert '<pre class="bo-detail">' in page
    assert "&quot;jwks&quot;: true" in page
    assert f"Gebeurtenis {event.pk}: API-client aangemaakt" in page
    onboarded = AuditEvent.objects.get(action="agency.onboarded")
    page = auditor_client.get(f"{LIST}{onboarded.pk}/change/").content.decode()
    assert f'href="/backoffice/agencies/agency/{agency.agency_id}/change/"' in page


def test_history_on_an_object_opens_its_audit_trail(operator_client, agency):
    client_pk = ApiClient.objects.get(client_id=agency.client_id).pk

    to_agency = operator_client.get(f"/backoffice/agencies/agency/{agency.agency_id}/history/")
    to_client = operator_client.get(f"/backoffice/agencies/apiclient/{client_pk}/history/")

    assert to_agency.status_code == 302
    assert to_agency["Location"] == f"{LIST}?agency_id={agency.agency_id}"
    assert to_client["Location"] == f"{LIST}?object_type=agencies.ApiClient&object_id={agency.client_id}"
    trail = operator_client.get(to_client["Location"])
    assert trail.status_code == 200
    assert {e.object_id for e in trail.context["cl"].result_list} == {agency.client_id}
    assert "Gebeurtenissen over API-client" in trail.content.decode()
    change = operator_client.get(f"/backoffice/agencies/agency/{agency.agency_id}/change/").content.decode()
    assert f"/backoffice/agencies/agency/{agency.agency_id}/history/" in change


def test_the_verify_button_runs_audit_verify_as_a_task_and_shows_its_result(auditor_client, auditor, agency):
    audit_seal_all()
    before = auditor_client.get(LIST).content.decode()
    assert "Het auditlog is nog niet gecontroleerd." in before
    assert auditor_client.get(f"{LIST}controleren/").status_code == 405

    response = auditor_client.post(f"{LIST}controleren/")

    assert response.status_code == 302
    verified = AuditEvent.objects.get(action="audit.verified")
    assert (verified.actor_type, verified.actor_id, verified.outcome) == ("staff", str(auditor.user.pk), "success")
    assert verified.detail["events_checked"] > 0
    assert verified.detail["problems"] == []
    page = auditor_client.get(LIST).content.decode()
    assert "In orde" in page
    assert "arne.auditor" in page
    assert "Laatste ondertekende boomkop" in page


def test_a_failed_verification_shows_its_problems(auditor_client, agency):
    audit_record(
        actor=Actor(kind="system", id="burgerprofiel"),
        action=AuditAction.AUDIT_VERIFIED,
        outcome=AuditEvent.Outcome.FAILURE,
        detail={"events_checked": 3, "tree_heads_checked": 1, "problems": ["event 2 (leaf 1) was altered or moved"]},
    )

    page = auditor_client.get(LIST).content.decode()

    assert "Problemen gevonden" in page
    assert "event 2 (leaf 1) was altered or moved" in page


def test_the_verify_button_needs_a_login(client: Client, agency: Any):
    response = client.post(f"{LIST}controleren/")

    assert response.status_code == 302
    assert "/backoffice/login/" in response["Location"]
    assert not AuditEvent.objects.filter(action="audit.verified").exists()
