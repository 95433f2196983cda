"""Service requests: publish, submit (validated, stored encrypted, published to the agency), the
dossier answer, tenant isolation, retention."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection

from burgerprofiel.agencies.order_check import OrderRefused
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.errors import Conflict, NotFound, ValidationError
from burgerprofiel.conftest import OnboardedAgency, make_agency
from burgerprofiel.service_requests.models import ServiceRequest
from burgerprofiel.service_requests.selectors import service_request_for_agency
from burgerprofiel.service_requests.services import (
    AnswerErrors,
    requestable_service_withdraw,
    service_request_dossier_set,
    service_requests_purge_expired,
)
from burgerprofiel.service_requests.tests.conftest import AN
from burgerprofiel.service_requests.tests.factories import FORM, make_request, make_service
from burgerprofiel.webhooks.models import Event

pytestmark = pytest.mark.django_db


def actor_of(agency: OnboardedAgency) -> Actor:
    return Actor(kind="agency_client", id=agency.client_id, agency_id=agency.agency_id)


def test_a_submitted_request_is_stored_encrypted_audited_and_published(ar_agency: OnboardedAgency) -> None:
    request = make_request(make_service(ar_agency.agency_id))
    event = Event.objects.get()
    data = json.loads(event.body)["data"]
    assert event.type == "aanvraag.ingediend"
    assert (data["insz"], data["applicant_name"], data["answers"]["kind_naam"]) == (AN, "An Peeters", "Lotte Peeters")
    assert data["id"] == str(request.pk) and data["dossier_number"] is None
    assert AuditEvent.objects.filter(action="service_request.submitted", object_id=str(request.pk)).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers, applicant_name FROM service_requests_servicerequest")
        stored = cursor.fetchone()
    assert all(s.startswith("bp3:") and "Peeters" not in s for s in stored)


def test_invalid_answers_store_nothing(ar_agency: OnboardedAgency) -> None:
    service = make_service(ar_agency.agency_id)
    with pytest.raises(AnswerErrors) as caught:
        make_request(service, aantal_kinderen=0)
    assert set(caught.value.fields) == {"aantal_kinderen"}
    assert not ServiceRequest.objects.exists() and not Event.objects.exists()


def test_a_form_the_portal_cannot_render_is_not_published(ar_agency: OnboardedAgency) -> None:
    with pytest.raises(ValidationError):
        make_service(ar_agency.agency_id, form_schema={**FORM, "type": "array"})


def test_publishing_is_refused_without_aanvragen_in_the_order(db: None) -> None:
    agency = make_agency(components="dosis")
    with pytest.raises(OrderRefused):
        make_service(agency.agency_id)


def test_the_agency_answers_with_a_dossier_number_once(ar_agency: OnboardedAgency) -> None:
    request = make_request(make_service(ar_agency.agency_id))
    actor = actor_of(ar_agency)
    answered = service_request_dossier_set(
        agency_id=ar_agency.agency_id, request_id=request.pk, dossier_number="KO-2026-0001", actor=actor
    )
    assert (answered.status, answered.dossier_number) == ("dossier", "KO-2026-0001")
    again = service_request_dossier_set(
        agency_id=ar_agency.agency_id, request_id=request.pk, dossier_number="KO-2026-0001", actor=actor
    )
    assert again.dossier_number == "KO-2026-0001"
    with pytest.raises(Conflict):
        service_request_dossier_set(
            agency_id=ar_agency.agency_id, request_id=request.pk, dossier_number="KO-2026-0002", actor=actor
        )
    assert AuditEvent.objects.filter(action="service_request.dossier_linked").count() == 1


def test_another_agency_cannot_read_or_answer_the_request(
    ar_agency: OnboardedAgency, other_ar_agency: OnboardedAgency
) -> None:
    request = make_request(make_service(ar_agency.agency_id))
    other = actor_of(other_ar_agency)
    with pytest.raises(NotFound):
        service_request_for_agency(agency_id=other_ar_agency.agency_id, request_id=request.pk, actor=other)
    with pytest.raises(NotFound):
        service_request_dossier_set(
            agency_id=other_ar_agency.agency_id, request_id=request.pk, dossier_number="X", actor=other
        )
    with pytest.raises(NotFound):
        requestable_service_withdraw(agency_id=other_ar_agency.agency_id, service_id=request.service_id, actor=other)


def test_reading_a_request_is_audited_on_the_citizen(ar_agency: OnboardedAgency) -> None:
    request = make_request(make_service(ar_agency.agency_id))
    service_request_for_agency(agency_id=ar_agency.agency_id, request_id=request.pk, actor=actor_of(ar_agency))
    event = AuditEvent.objects.get(action="service_request.viewed")
    assert (event.object_type, event.object_id) == ("citizens.Citizen", str(request.citizen_id))


def test_a_withdrawn_service_takes_no_new_requests(ar_agency: OnboardedAgency) -> None:
    service = make_service(ar_agency.agency_id)
    requestable_service_withdraw(agency_id=ar_agency.agency_id, service_id=service.pk, actor=actor_of(ar_agency))
    service.refresh_from_db()
    with pytest.raises(NotFound):
        make_request(service)


def test_requests_past_retention_are_purged(ar_agency: OnboardedAgency) -> None:
    request = make_request(make_service(ar_agency.agency_id))
    assert service_requests_purge_expired(now=request.purge_after + dt.timedelta(seconds=1)) == 1
    assert not ServiceRequest.objects.exists()
    assert AuditEvent.objects.get(action="service_request.purged").detail["count"] == 1
