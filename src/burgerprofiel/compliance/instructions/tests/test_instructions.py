"""Instructions only from authorised contacts (3.3), an unlawful one flagged and notified (3.4), a
suspension or termination notified with its reason (2.3), a disclosure required by law notified
beforehand or, under a ban, once the ban lifts (3.1, 10)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from burgerprofiel.agencies.models import ContactPerson, ProcessingOrder
from burgerprofiel.agencies.services import contact_person_add, processing_order_transition
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.compliance.instructions.models import Instruction, LegalDisclosure
from burgerprofiel.compliance.instructions.services import (
    instruction_flag_unlawful,
    legal_disclosure_ban_lift,
    legal_disclosure_register,
)
from burgerprofiel.compliance.notices.mail import notice_mails_dispatch
from burgerprofiel.compliance.notices.models import AgencyNotice
from burgerprofiel.conftest import TEST_ACTOR, bearer
from burgerprofiel.webhooks.models import Event

pytestmark = pytest.mark.django_db

OPERATOR = Actor(kind="staff", id="operator-1")


def _post(client, headers, body):
    return client.post("/api/v1/instructions", json.dumps(body), content_type="application/json", **headers)


def _contact(tenant) -> ContactPerson:
    return ContactPerson.objects.get(agency=tenant.agency, role="Diensthoofd")


def test_an_instruction_is_accepted_only_from_the_agencys_authorised_contact(client: Client, tenant_a, tenant_b):
    headers = bearer(client, tenant_a.onboarded)
    body = {"subject": "Bewaartermijn meldingen", "text": "Graag de meldingen na 90 dagen verwijderen."}

    # Another agency's contact person: refused, audited, nothing stored.
    refused = _post(client, headers, {**body, "contact_id": _contact(tenant_b).pk})
    assert refused.status_code == 422 and refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("not-an-authorised-contact")
    # An authorisation that ended yesterday: refused too.
    expired = contact_person_add(
        agency=tenant_a.agency,
        name="Oud-diensthoofd",
        email="oud@opgroeien.example",
        role="Vorig diensthoofd",
        authorised_from=timezone.localdate() - dt.timedelta(days=30),
        authorised_until=timezone.localdate() - dt.timedelta(days=1),
        actor=TEST_ACTOR,
    )
    assert _post(client, headers, {**body, "contact_id": expired.pk}).status_code == 422
    assert not Instruction.objects.exists()
    assert AuditEvent.objects.filter(action="instruction.refused", outcome="refused").count() == 2

    accepted = _post(client, headers, {**body, "contact_id": _contact(tenant_a).pk})
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["contact_role"] == "Diensthoofd" and accepted.json()["channel"] == "api"
    instruction = Instruction.objects.get()
    assert AuditEvent.objects.filter(action="instruction.registered", object_id=str(instruction.pk)).exists()
    # Each agency lists its own only.
    assert [i["subject"] for i in client.get("/api/v1/instructions", **headers).json()] == ["Bewaartermijn meldingen"]
    assert client.get("/api/v1/instructions", **bearer(client, tenant_b.onboarded)).json() == []


def test_an_instruction_flagged_as_contrary_to_law_is_notified_to_that_agency(client, tenant_a, tenant_b, smtp_server):
    headers = bearer(client, tenant_a.onboarded)
    response = _post(
        client,
        headers,
        {"contact_id": _contact(tenant_a).pk, "subject": "Rijksregister delen", "text": "Geef alle INSZ aan X."},
    )
    instruction = Instruction.objects.get(pk=response.json()["id"])
    instruction_flag_unlawful(instruction=instruction, reason="Geen rechtsgrond voor die verstrekking.", actor=OPERATOR)
    notice = AgencyNotice.objects.get(kind="instructie_onrechtmatig")
    assert notice.agency_id == tenant_a.agency.pk and (notice.object_type, notice.object_id) == (
        "instructie",
        str(instruction.pk),
    )
    assert "Geen rechtsgrond" in str(notice.body) and "3.4" in str(notice.body)
    assert Event.objects.get(event_id=notice.event_id).type == "verwerker.instructie_onrechtmatig"
    assert notice_mails_dispatch()["sent"] == 2
    assert sorted(str(m["To"]) for m in smtp_server.sink.messages) == sorted(tenant_a.addresses)
    listed = client.get("/api/v1/instructions", **headers).json()
    assert listed[0]["flagged_unlawful_at"] is not None and "rechtsgrond" in listed[0]["flagged_reason"]
    from burgerprofiel.common.errors import Conflict

    with pytest.raises(Conflict):
        instruction_flag_unlawful(instruction=instruction, reason="Nog eens.", actor=OPERATOR)


def test_a_suspension_and_a_termination_are_notified_with_their_reason(tenant_a, tenant_b):
    order = ProcessingOrder.objects.get(pk=tenant_a.onboarded.order_id)
    processing_order_transition(
        order=order, verb="suspend", reason="Vermoeden van misbruik van de API.", actor=OPERATOR
    )
    suspended = AgencyNotice.objects.get(kind="opdracht_opgeschort")
    assert suspended.agency_id == tenant_a.agency.pk
    assert (
        "Vermoeden van misbruik" in str(suspended.body)
        and suspended.data["reason"] == "Vermoeden van misbruik van de API."
    )
    processing_order_transition(order=order, verb="resume", actor=OPERATOR)
    assert AgencyNotice.objects.count() == 1  # a resumption needs no notice
    # The CLI goes through the same state machine, so it notifies too.
    call_command(
        "agency",
        "terminate",
        "--order",
        str(order.pk),
        "--reason",
        "Einde samenwerking.",
        "--yes",
        stdout=io.StringIO(),
    )
    ended = AgencyNotice.objects.get(kind="opdracht_beeindigd")
    assert "Einde samenwerking." in str(ended.body) and ended.object_id == str(order.pk)
    assert AuditEvent.objects.filter(action="processing_order.state_notified").count() == 2
    assert not AgencyNotice.objects.filter(agency=tenant_b.agency).exists()


def test_a_disclosure_required_by_law_is_notified_beforehand_unless_banned_then_after_the_ban(tenant_a):
    planned = timezone.now() + dt.timedelta(days=3)
    told = legal_disclosure_register(
        agency=tenant_a.agency,
        legal_basis="Wetboek van strafvordering, art. 46bis",
        recipient="Parket Gent",
        description="Contactgegevens van één burger in een dossier.",
        planned_for=planned,
        actor=OPERATOR,
    )
    assert told.notified_at is not None and told.notified_at < planned
    first = AgencyNotice.objects.get(object_type="wettelijke_verstrekking", object_id=str(told.pk))
    assert first.kind == "wettelijke_verstrekking" and "46bis" in str(first.body) and first.data["after_ban"] is False

    banned = legal_disclosure_register(
        agency=tenant_a.agency,
        legal_basis="Wet op de inlichtingendiensten, art. 16",
        recipient="Staatsveiligheid",
        description="Aanmeldgegevens van één burger.",
        planned_for=planned,
        notice_banned=True,
        ban_reason="Geheimhouding opgelegd door de vorderende overheid.",
        actor=OPERATOR,
    )
    assert banned.notified_at is None and banned.state == LegalDisclosure.State.WITHHELD
    assert not AgencyNotice.objects.filter(object_id=str(banned.pk), object_type="wettelijke_verstrekking").exists()
    legal_disclosure_ban_lift(disclosure=banned, actor=OPERATOR)
    banned.refresh_from_db()
    assert banned.notified_at is not None and banned.ban_lifted_at is not None
    after = AgencyNotice.objects.get(object_type="wettelijke_verstrekking", object_id=str(banned.pk))
    assert after.data["after_ban"] is True and "verbod" in str(after.body)
    actions = list(
        AuditEvent.objects.filter(object_type="instructions.LegalDisclosure").values_list("action", flat=True)
    )
    assert actions.count("legal_disclosure.registered") == 2 and "legal_disclosure.ban_lifted" in actions


def test_the_back_office_registers_and_flags_instructions_and_lifts_a_ban(tenant_a, tenant_b):
    from burgerprofiel.backoffice.tests.conftest import logged_in, make_staff

    operator = logged_in(make_staff("operator", "olivia.operator"))
    # B's contact for A: refused with a message, nothing stored.
    response = operator.post(
        "/backoffice/instructions/instruction/add/",
        {"agency": tenant_a.agency.pk, "contact": _contact(tenant_b).pk, "subject": "Brief", "text": "Inhoud"},
    )
    assert response.status_code == 302 and not Instruction.objects.exists()
    response = operator.post(
        "/backoffice/instructions/instruction/add/",
        {"agency": tenant_a.agency.pk, "contact": _contact(tenant_a).pk, "subject": "Brief", "text": "Inhoud"},
    )
    assert response.status_code == 302
    instruction = Instruction.objects.get()
    assert instruction.channel == "backoffice"
    page = operator.get(f"/backoffice/instructions/instruction/{instruction.pk}/change/").content.decode()
    assert "in strijd met de wet" in page
    flag = f"/backoffice/instructions/instruction/{instruction.pk}/flag/"
    assert operator.get(flag).status_code == 200
    assert operator.post(flag, {"text": "Strijdig met de AVG."}).status_code == 302
    assert AgencyNotice.objects.filter(kind="instructie_onrechtmatig", agency=tenant_a.agency).count() == 1

    response = operator.post(
        "/backoffice/instructions/legaldisclosure/add/",
        {
            "agency": tenant_a.agency.pk,
            "legal_basis": "Wet X, art. 1",
            "recipient": "Rechtbank",
            "description": "Eén dossier",
            "planned_for_0": "2026-12-10",
            "planned_for_1": "10:00:00",
            "notice_banned": "on",
            "ban_reason": "Gerechtelijk geheim",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    disclosure = LegalDisclosure.objects.get()
    assert disclosure.notified_at is None
    assert operator.post(f"/backoffice/instructions/legaldisclosure/{disclosure.pk}/lift-ban/").status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.notified_at is not None
    auditor = logged_in(make_staff("auditor", "arne.auditor"))
    assert auditor.get(f"/backoffice/instructions/instruction/{instruction.pk}/change/").status_code == 200
    assert auditor.post(flag, {"text": "x"}).status_code == 403
