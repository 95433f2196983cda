"""Sub-processors (charter 6, Bijlage 2): the register, planned changes, objections, the start-up check."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import override_settings

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.agencies.selectors import current_order_version
from burgerprofiel.agencies.services import processing_order_transition
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.errors import Conflict, ValidationError
from burgerprofiel.compliance.notices.models import AgencyNotice
from burgerprofiel.compliance.subprocessors.checks import endpoints_uncovered
from burgerprofiel.compliance.subprocessors.models import Objection, SubProcessor, SubProcessorChange
from burgerprofiel.compliance.subprocessors.services import (
    SubProcessorDetails,
    TransferNotAllowed,
    objection_file,
    objection_resolve,
    subprocessor_change_plan,
    subprocessor_changes_apply,
    transfer_allow,
)
from burgerprofiel.conftest import TEST_ACTOR, bearer, make_agency
from burgerprofiel.webhooks.models import Event

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)


def details(**overrides):
    values = {
        "name": "Mailrelais BV",
        "identifier": "KvK 12345678",
        "address": "Damrak 1, 1012 LG Amsterdam",
        "country": "NL",
        "role": "Verzending van e-mail (SMTP-relay)",
        "data_categories": ("email", "boodschap"),
        "contract_date": dt.date(2026, 2, 1),
        "endpoints": ("smtp.mailrelais.example",),
    }
    values.update(overrides)
    return SubProcessorDetails(**values)


def plan(days=30, **kwargs):
    return subprocessor_change_plan(
        kind=kwargs.pop("kind", "add"),
        effective_on=TODAY + dt.timedelta(days=days),
        details=kwargs.pop("details", details()),
        actor=TEST_ACTOR,
        today=TODAY,
        **kwargs,
    )


def actions(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_the_register_starts_with_bijlage_2_covering_the_configured_endpoints():
    cronos = SubProcessor.objects.get(identifier="0458085765")
    assert cronos.state == SubProcessor.State.ACTIVE and cronos.in_eea
    assert cronos.covers("127.0.0.1")  # the test configuration's SMTP, SMPP and OIDC hosts
    assert SubProcessor.objects.get(name="Mollie B.V.").covers("api.mollie.com")
    assert endpoints_uncovered() == {}


def test_a_change_less_than_thirty_days_ahead_is_refused_and_stores_nothing(agency):
    before = SubProcessor.objects.count()
    with pytest.raises(ValidationError, match="30 dagen"):
        plan(days=29)
    assert SubProcessor.objects.count() == before
    assert not SubProcessorChange.objects.exists()


def test_a_planned_change_notifies_every_agency_with_an_active_order_at_once(agency, other_agency):
    third = make_agency(name="Stad Gent", kbo="0207451227", components="notificaties")
    order = ProcessingOrder.objects.get(pk=third.order_id)
    processing_order_transition(order=order, verb="suspend", actor=TEST_ACTOR, reason="onderzoek")
    change = plan()
    assert change.subprocessor.state == SubProcessor.State.PLANNED
    notices = list(AgencyNotice.objects.filter(kind="onderverwerker_wijziging"))
    assert {n.agency_id for n in notices} == {agency.agency_id, other_agency.agency_id}  # not the suspended one
    assert all(n.object_id == str(change.pk) and "Mailrelais BV" in n.body for n in notices)
    assert "bezwaar" in notices[0].body and notices[0].data["effective_on"] == change.effective_on.isoformat()
    assert Event.objects.filter(type="verwerker.onderverwerker_wijziging").count() == 2
    assert [e.detail["kind"] for e in actions("subprocessor.change_planned")] == ["add"]


def test_a_change_takes_effect_on_its_date_and_not_before(agency):
    change = plan()
    assert subprocessor_changes_apply(today=TODAY + dt.timedelta(days=29)) == {"applied": 0, "held": 0}
    assert subprocessor_changes_apply(today=change.effective_on) == {"applied": 1, "held": 0}
    change.refresh_from_db()
    assert change.state == SubProcessorChange.State.APPLIED
    assert change.subprocessor.state == SubProcessor.State.ACTIVE
    assert change.subprocessor.effective_from == change.effective_on


def test_an_agency_objects_over_the_api_and_the_objection_holds_the_change_back(client, agency, other_agency):
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False):
        change = plan()
        headers = bearer(client, agency)
        listed = client.get("/api/v1/subprocessors", **headers)
        assert listed.status_code == 200
        assert [c["id"] for c in listed.json()["planned_changes"]] == [str(change.pk)]
        assert any(sp["identifier"] == "0458085765" for sp in listed.json()["subprocessors"])
        response = client.post(
            f"/api/v1/subprocessors/changes/{change.pk}/objections",
            {"reason": "Onze DPO aanvaardt geen nieuwe mailverwerker zonder audit."},
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 201, response.content
        assert response.json()["outcome"] == "open"
        again = client.post(
            f"/api/v1/subprocessors/changes/{change.pk}/objections",
            {"reason": "Nog eens hetzelfde bezwaar indienen."},
            content_type="application/json",
            **headers,
        )
        assert again.status_code == 409
    objection = Objection.objects.get()
    assert objection.agency_id == agency.agency_id
    assert actions("subprocessor.objection_filed")[0].agency_id == agency.agency_id
    assert subprocessor_changes_apply(today=change.effective_on + dt.timedelta(days=3)) == {"applied": 0, "held": 1}
    objection_resolve(objection_id=objection.pk, outcome="appoint_anyway", note="Audit bezorgd.", actor=TEST_ACTOR)
    assert subprocessor_changes_apply(today=change.effective_on + dt.timedelta(days=3)) == {"applied": 1, "held": 0}


def test_an_objection_after_the_window_is_refused(agency):
    change = plan()
    with pytest.raises(Conflict, match="bezwaartermijn"):
        objection_file(
            change_id=change.pk,
            agency_id=agency.agency_id,
            reason="Te laat maar toch een bezwaar.",
            actor=TEST_ACTOR,
            today=change.effective_on,
        )


def test_an_objection_needs_a_reason(agency):
    change = plan()
    with pytest.raises(ValidationError, match="Motiveer"):
        objection_file(change_id=change.pk, agency_id=agency.agency_id, reason="nee", actor=TEST_ACTOR, today=TODAY)


def test_the_objection_endpoint_of_an_unknown_change_answers_404(client, agency):
    response = client.post(
        "/api/v1/subprocessors/changes/6a0c1f4e-2f8b-4c55-9a0e-7d2f3b4c5d6e/objections",
        {"reason": "Een bezwaar tegen niets."},
        content_type="application/json",
        **bearer(client, agency),
    )
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_an_agency_without_an_active_order_cannot_read_the_register(client, agency):
    headers = bearer(client, agency)
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    processing_order_transition(order=order, verb="suspend", actor=TEST_ACTOR, reason="onderzoek")
    assert client.get("/api/v1/subprocessors", **headers).status_code == 403


def test_not_appointed_withdraws_the_change_for_good(agency, other_agency):
    change = plan()
    first = objection_file(
        change_id=change.pk,
        agency_id=agency.agency_id,
        reason="Niet akkoord met deze partij.",
        actor=TEST_ACTOR,
        today=TODAY,
    )
    second = objection_file(
        change_id=change.pk,
        agency_id=other_agency.agency_id,
        reason="Ook wij zijn niet akkoord.",
        actor=TEST_ACTOR,
        today=TODAY,
    )
    objection_resolve(objection_id=first.pk, outcome="not_appointed", actor=TEST_ACTOR)
    change.refresh_from_db()
    second.refresh_from_db()
    assert change.state == SubProcessorChange.State.WITHDRAWN
    assert change.subprocessor.state == SubProcessor.State.WITHDRAWN
    assert second.outcome == Objection.Outcome.NOT_APPOINTED
    told = AgencyNotice.objects.filter(kind="onderverwerker_bezwaar")
    assert {n.agency_id for n in told} == {agency.agency_id, other_agency.agency_id}
    assert subprocessor_changes_apply(today=change.effective_on) == {"applied": 0, "held": 0}


def test_replace_withdraws_the_change_and_plans_the_replacement_with_a_new_notice(agency):
    change = plan()
    objection = objection_file(
        change_id=change.pk,
        agency_id=agency.agency_id,
        reason="Liever een Belgische partij.",
        actor=TEST_ACTOR,
        today=TODAY,
    )
    objection_resolve(
        objection_id=objection.pk,
        outcome="replace",
        actor=TEST_ACTOR,
        replacement=details(name="Relais NV", identifier="0203.201.340", country="BE", address="Wetstraat 1, Brussel"),
        today=TODAY + dt.timedelta(days=5),
    )
    change.refresh_from_db()
    assert change.state == SubProcessorChange.State.WITHDRAWN
    new = SubProcessorChange.objects.get(state=SubProcessorChange.State.PLANNED)
    assert new.subprocessor.name == "Relais NV"
    assert new.effective_on >= TODAY + dt.timedelta(days=35)
    assert len(actions("subprocessor.change_planned")) == 2


def test_free_termination_ends_the_agencys_order_and_releases_the_change(agency):
    change = plan()
    objection = objection_file(
        change_id=change.pk,
        agency_id=agency.agency_id,
        reason="Geen akkoord: wij stoppen.",
        actor=TEST_ACTOR,
        today=TODAY,
    )
    objection_resolve(objection_id=objection.pk, outcome="terminated", actor=TEST_ACTOR)
    assert current_order_version(agency_id=agency.agency_id).state == "terminated"
    assert subprocessor_changes_apply(today=change.effective_on)["applied"] == 1


def test_removing_a_sub_processor_retires_it_on_its_date(agency):
    mollie = SubProcessor.objects.get(name="Mollie B.V.")
    change = plan(kind="remove", details=None, target_id=mollie.pk)
    with pytest.raises(Conflict):
        objection_file(
            change_id=change.pk,
            agency_id=agency.agency_id,
            reason="Wij willen Mollie houden.",
            actor=TEST_ACTOR,
            today=TODAY,
        )
    subprocessor_changes_apply(today=change.effective_on)
    mollie.refresh_from_db()
    assert mollie.state == SubProcessor.State.RETIRED


def test_a_sub_processor_outside_the_eea_is_refused_without_every_orders_permission(agency, other_agency):
    abroad = details(name="Cloudmail Inc.", country="US", identifier="EIN 12-3456789", address="1 Main St, Dover DE")
    with pytest.raises(TransferNotAllowed, match="buiten de Europese Economische Ruimte"):
        plan(details=abroad)
    assert not SubProcessor.objects.filter(name="Cloudmail Inc.").exists()
    transfer_allow(
        order_id=agency.order_id,
        country="US",
        legal_ground="Standaardcontractbepalingen (AVG art. 46.2.c)",
        actor=TEST_ACTOR,
    )
    with pytest.raises(TransferNotAllowed, match="Departement Mobiliteit"):
        plan(details=abroad)
    transfer_allow(
        order_id=other_agency.order_id,
        country="US",
        recipient="Cloudmail Inc.",
        legal_ground="EU-US Data Privacy Framework (AVG art. 45)",
        actor=TEST_ACTOR,
    )
    change = plan(details=abroad)
    assert not change.subprocessor.in_eea
    assert len(actions("transfer.refused")) == 2


def test_production_refuses_to_start_with_an_smtp_host_no_sub_processor_covers():
    with override_settings(PRODUCTION=True, NOTIFICATIONS_SMTP_HOST="smtp.elders.example"):
        assert endpoints_uncovered() == {"NOTIFICATIONS_SMTP_HOST": "smtp.elders.example"}
        with pytest.raises(CommandError, match=r"NOTIFICATIONS_SMTP_HOST=smtp\.elders\.example"):
            call_command("worker")
        with pytest.raises(CommandError, match="onderverwerker"):
            call_command("serve", "--no-migrate")


def test_a_host_added_to_a_sub_processor_in_force_is_covered(agency):
    from burgerprofiel.compliance.subprocessors.services import subprocessor_endpoints_set

    cronos = SubProcessor.objects.get(identifier="0458085765")
    subprocessor_endpoints_set(
        subprocessor_id=cronos.pk, endpoints=[*cronos.endpoints, "smtp.elders.example"], actor=TEST_ACTOR
    )
    with override_settings(PRODUCTION=True, NOTIFICATIONS_SMTP_HOST="smtp.elders.example"):
        assert endpoints_uncovered() == {}
    # A planned sub-processor covers nothing until it is in force.
    plan(details=details(endpoints=("db.elders.example",)))
    with override_settings(NOTIFICATIONS_SMPP_HOST="db.elders.example"):
        assert endpoints_uncovered() == {"NOTIFICATIONS_SMPP_HOST": "db.elders.example"}


def test_a_non_eea_change_is_held_when_an_agency_ordered_since_without_allowing_the_transfer(agency):
    abroad = details(name="Cloudmail Inc.", country="US", identifier="EIN 12-3456789", address="1 Main St, Dover DE")
    transfer_allow(order_id=agency.order_id, country="US", legal_ground="Standaardcontractbepalingen", actor=TEST_ACTOR)
    change = plan(details=abroad)
    make_agency(name="Stad Gent", kbo="0207451227", components="notificaties")
    assert subprocessor_changes_apply(today=change.effective_on) == {"applied": 0, "held": 1}
    change.refresh_from_db()
    assert change.state == SubProcessorChange.State.PLANNED
