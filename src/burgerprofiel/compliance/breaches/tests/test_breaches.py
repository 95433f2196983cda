"""Breaches end to end: the affected agencies and subjects computed from the audit trail and the data,
the notice with every element of charter 8.2 to the affected agency's contacts only (over SMTP), as
PDF, acknowledged over the API, updated in phases, the deadline's warnings with frozen time, the
detectors' drafts, the CLI and the back-office."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.test import Client, override_settings
from django.utils import timezone

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.common.errors import Conflict, ValidationError
from burgerprofiel.compliance.breaches.affected import CITIZEN_OBJECT, affected_compute
from burgerprofiel.compliance.breaches.detectors import breach_from_audit_verify, detectors_run
from burgerprofiel.compliance.breaches.models import Breach, BreachNotification
from burgerprofiel.compliance.breaches.notice import ELEMENTS_82
from burgerprofiel.compliance.breaches.services import (
    breach_close,
    breach_deadlines_check,
    breach_notify,
    breach_register,
    breach_update_notify,
)
from burgerprofiel.compliance.breaches.tasks import breaches_check_task
from burgerprofiel.compliance.notices.mail import notice_mails_dispatch
from burgerprofiel.compliance.notices.models import AgencyNotice
from burgerprofiel.conftest import bearer
from burgerprofiel.notifications.models import Notification
from burgerprofiel.notifications.tests.workers import valid_insz
from burgerprofiel.webhooks.models import Event

pytestmark = pytest.mark.django_db

OPERATOR = Actor(kind="staff", id="operator-1")
UTC = dt.UTC
WINDOW_START = dt.datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
WINDOW_END = dt.datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
DETECTED = dt.datetime(2026, 11, 2, 13, 0, tzinfo=UTC)


def _citizens(n: int) -> list[Citizen]:
    return [citizen_get_or_create(insz=valid_insz(i)) for i in range(n)]


def _access(citizen: Citizen, agency_id: int, at: dt.datetime, *, outcome: str = "success") -> None:
    with time_machine.travel(at, tick=False):
        audit_record(
            actor=Actor(kind="agency_client", id="client", agency_id=agency_id),
            action=AuditAction.PERSONAL_DATA_PULLED,
            target=citizen,
            agency_id=agency_id,
            outcome=outcome,
            detail={"test": True},
        )


def _notification(citizen: Citizen, agency_id: int, at: dt.datetime) -> None:
    Notification.objects.create(
        agency_id=agency_id,
        citizen=citizen,
        ipdc_product="Groeipakket",
        message="Uw aanvraag is goedgekeurd.",
        created_at=at,
        purge_after=at + dt.timedelta(days=365),
    )


def _seed(tenant_a, tenant_b, *, b_inside: bool) -> list[Citizen]:
    """A: c0 twice, c1, c2 accessed in the window, a notification for c6 in it; c3 before it, c4
    refused in it (neither counts). B: c0 and c5, in the window or (b_inside=False) the day before."""
    c = _citizens(7)
    a, b = tenant_a.agency.pk, tenant_b.agency.pk
    inside = WINDOW_START + dt.timedelta(hours=1)
    for citizen in (c[0], c[0], c[1], c[2]):
        _access(citizen, a, inside)
    _access(c[3], a, WINDOW_START - dt.timedelta(minutes=1))
    _access(c[4], a, inside, outcome="refused")
    _notification(c[6], a, inside)
    b_at = inside if b_inside else WINDOW_START - dt.timedelta(days=1)
    for citizen in (c[0], c[5]):
        _access(citizen, b, b_at)
    return c


def _register(**overrides) -> Breach:
    fields = {
        "title": "Verkeerde antwoorden van de cache",
        "detected_at": DETECTED,
        "nature": "Door een fout in de cache kregen aanmeldingen antwoorden die voor een andere sessie bedoeld waren.",
        "window_start": WINDOW_START,
        "window_end": WINDOW_END,
        "systems": ["webservers", "cache"],
        "components": [],
        "data_categories": ["insz", "persoonsgegevens"],
        "likely_consequences": "Burgers kunnen gegevens van een andere burger gezien hebben.",
        "measures": "Cache uitgeschakeld; sessies ongeldig gemaakt; getroffen burgers worden gecontacteerd.",
    }
    fields.update(overrides)
    with time_machine.travel(DETECTED, tick=False):
        return breach_register(actor=OPERATOR, **fields)


def test_the_affected_count_per_agency_matches_the_audit_trail_and_the_data(tenant_a, tenant_b):
    _seed(tenant_a, tenant_b, b_inside=True)
    affected = {
        e["agency_id"]: e
        for e in affected_compute(window_start=WINDOW_START, window_end=WINDOW_END, components=[], exposure="processed")
    }
    # What the audit trail itself says: distinct citizens per agency, in the window, not refused.
    from_audit = dict(
        AuditEvent.objects.filter(
            occurred_at__range=(WINDOW_START, WINDOW_END), object_type=CITIZEN_OBJECT, agency_id__isnull=False
        )
        .exclude(outcome="refused")
        .values("agency_id")
        .annotate(n=Count("object_id", distinct=True))
        .values_list("agency_id", "n")
    )
    a, b = tenant_a.agency.pk, tenant_b.agency.pk
    assert from_audit == {a: 3, b: 2}
    assert affected[a]["subjects_from_audit"] == from_audit[a]
    assert affected[b]["subjects_from_audit"] == from_audit[b] == affected[b]["subjects"]
    # A also holds a notification about a fourth citizen made in the window: one record, one subject more.
    assert (affected[a]["subjects"], affected[a]["records"], affected[a]["accesses"]) == (4, 1, 4)
    assert affected[a]["records_by_component"] == {"notificaties": 1}
    # Narrowed to one component: only what belongs to it.
    only = affected_compute(
        window_start=WINDOW_START, window_end=WINDOW_END, components=["notificaties"], exposure="processed"
    )
    assert [(e["agency_id"], e["subjects"], e["records"]) for e in only] == [(a, 1, 1)]
    # Everything stored at the window's end: the notification counts even for a window before it was made.
    stored = affected_compute(
        window_start=WINDOW_END + dt.timedelta(hours=1),
        window_end=WINDOW_END + dt.timedelta(hours=2),
        components=["notificaties"],
        exposure="stored",
    )
    assert [(e["agency_id"], e["records"]) for e in stored] == [(a, 1)]


def test_a_breach_is_notified_with_every_82_element_to_the_affected_agencys_contacts_only(
    client: Client, tenant_a, tenant_b, smtp_server, caplog
):
    _seed(tenant_a, tenant_b, b_inside=False)
    breach = _register()
    assert breach.state == Breach.State.OPEN and breach.deadline_state(DETECTED) == "ok"

    # The deadline: a warning at 12 hours, overdue at 24, each logged and audited once.
    with caplog.at_level(logging.WARNING, logger="burgerprofiel.compliance.breaches.services"):
        assert breach_deadlines_check(now=DETECTED + dt.timedelta(hours=11)) == {"warning": 0, "overdue": 0}
        assert breach_deadlines_check(now=DETECTED + dt.timedelta(hours=13)) == {"warning": 1, "overdue": 0}
        assert breach_deadlines_check(now=DETECTED + dt.timedelta(hours=14)) == {"warning": 0, "overdue": 0}
        with time_machine.travel(DETECTED + dt.timedelta(hours=25), tick=False):
            assert breaches_check_task.call()["deadline_overdue"] == 1
            breach.refresh_from_db()
            assert breach.deadline_state() == "overdue"
    assert [r.message for r in caplog.records if r.name.endswith("breaches.services")] == [
        "breach notice deadline near",
        "breach notice deadline passed",
    ]
    levels = [e.detail["level"] for e in AuditEvent.objects.filter(action="breach.deadline_warning").order_by("id")]
    assert levels == ["warning", "overdue"]

    # Now (weeks later; the contact persons were authorised today): late.
    [sent] = breach_notify(breach=breach, actor=OPERATOR)
    breach.refresh_from_db()
    assert breach.state == Breach.State.NOTIFIED and breach.deadline_state() == "late"
    assert sent.agency_id == tenant_a.agency.pk and (sent.subjects, sent.records) == (4, 1)
    assert not AgencyNotice.objects.filter(agency=tenant_b.agency).exists()

    notice = AgencyNotice.objects.get(pk=sent.notice_id)
    assert notice.kind == "inbreuk" and (notice.object_type, notice.object_id) == ("inbreuk", str(breach.pk))
    data = notice.data
    assert set(ELEMENTS_82) <= set(data)
    assert all(data[key] not in ("", None, [], {}) for key in ELEMENTS_82)
    assert data["approximate_subjects"] == 4 and data["approximate_records"] == 1
    assert data["dpo"]["email"] == "dpo@burgerprofiel.example"
    body = str(notice.body)
    for heading in (
        "1. Aard van de inbreuk",
        "Categorieën van betrokkenen",
        "Aantal betrokkenen bij benadering: 4",
        "Aantal records bij benadering: 1",
        "3. Waarschijnlijke gevolgen",
        "4. Genomen of voorgestelde maatregelen",
        "5. Functionaris voor gegevensbescherming van de verwerker",
        "dpo@burgerprofiel.example",
        "Cache uitgeschakeld",
        "andere burger gezien",
    ):
        assert heading in body, heading
    event = Event.objects.get(event_id=notice.event_id)
    assert event.type == "verwerker.inbreuk" and event.agency_id == tenant_a.agency.pk

    # The e-mails: A's contact person and DPO, with the notice as text and PDF; nothing to B.
    assert notice_mails_dispatch()["sent"] == 2
    received = smtp_server.sink.messages
    assert sorted(str(m["To"]) for m in received) == sorted(tenant_a.addresses)
    assert not any(addr in str(m["To"]) for m in received for addr in tenant_b.addresses)
    text = received[0].get_body(preferencelist=("plain",)).get_content()
    assert "Aantal betrokkenen bij benadering: 4" in text and "dpo@burgerprofiel.example" in text
    assert any(p.get_content_type() == "application/pdf" for p in received[0].iter_attachments())

    # A acknowledges over the API; B cannot see or acknowledge it.
    headers_a, headers_b = bearer(client, tenant_a.onboarded), bearer(client, tenant_b.onboarded)
    assert client.get("/api/v1/notices", **headers_b).json() == []
    url = f"/api/v1/notices/{notice.pk}/acknowledge"
    assert client.post(url, content_type="application/json", **headers_b).status_code == 404
    assert client.post(url, content_type="application/json", **headers_a).status_code == 200
    out = io.StringIO()
    call_command("breach", "show", str(breach.pk), stdout=out)
    shown = json.loads(out.getvalue())
    assert shown["notifications"][0]["acknowledged_at"] is not None
    assert shown["deadline_state"] == "late"

    # Phase 2 (GDPR 33(4)): an update linked to the breach, to the same agency.
    [update] = breach_update_notify(
        breach=breach, update="De oorzaak is gevonden: een verkeerde cachesleutel.", actor=OPERATOR
    )
    assert update.phase == 2 and update.agency_id == tenant_a.agency.pk
    later = AgencyNotice.objects.get(pk=update.notice_id)
    assert later.kind == "inbreuk_update" and later.object_id == str(breach.pk)
    assert "verkeerde cachesleutel" in str(later.body) and set(ELEMENTS_82) <= set(later.data)
    assert Event.objects.get(event_id=later.event_id).type == "verwerker.inbreuk_update"

    # Closed, and kept on record with every notice.
    breach_close(breach=breach, reason="Afgehandeld; oorzaak verholpen.", actor=OPERATOR)
    assert Breach.objects.get(pk=breach.pk).state == Breach.State.CLOSED
    assert BreachNotification.objects.filter(breach=breach).count() == 2
    actions = set(AuditEvent.objects.filter(object_type="breaches.Breach").values_list("action", flat=True))
    assert {
        "breach.registered",
        "breach.affected_computed",
        "breach.notified",
        "breach.update_notified",
        "breach.closed",
        "breach.deadline_warning",
    } <= actions


def test_bad_input_is_refused_and_nothing_is_stored():
    with pytest.raises(ValidationError) as error:
        _register(window_end=WINDOW_START - dt.timedelta(hours=1))
    assert error.value.extra["field"] == "window_end"
    with pytest.raises(ValidationError) as error:
        _register(components=["dosis"], data_categories=["iban"])
    assert error.value.extra["field"] == "data_categories"
    assert not Breach.objects.exists()


def test_a_breach_that_affects_nobody_cannot_be_notified_but_stays_on_record():
    breach = _register()
    with pytest.raises(Conflict):
        breach_notify(breach=breach, actor=OPERATOR)
    breach_close(breach=breach, reason="Geen gegevens van instanties in het venster.", actor=OPERATOR)
    breach.refresh_from_db()
    assert breach.state == Breach.State.DISMISSED and breach.deadline_state() == "none"


def test_the_detectors_open_one_draft_per_signal(tenant_a):
    citizen = _citizens(1)[0]
    audit_record(
        actor=Actor(kind="citizen", id=str(citizen.pk)),
        action=AuditAction.PULL_INCIDENT,
        target=citizen,
        agency_id=tenant_a.agency.pk,
        outcome="failure",
        detail={"source_id": 7, "kind": "other-subject"},
    )
    with override_settings(BREACH_REFUSED_SPIKE_THRESHOLD=3):
        for _ in range(3):
            audit_record(
                actor=Actor(kind="agency_client", id="c", agency_id=tenant_a.agency.pk),
                action=AuditAction.ORDER_CHECK_REFUSED,
                outcome="refused",
                agency_id=tenant_a.agency.pk,
            )
        assert detectors_run() == {"pull_incident": 1, "refused_spike": 1, "audit_verify": 0}
        assert detectors_run() == {"pull_incident": 0, "refused_spike": 0, "audit_verify": 0}
    drafts = {b.detector: b for b in Breach.objects.all()}
    assert set(drafts) == {"pull_incident", "refused_spike"}
    assert all(b.state == Breach.State.DRAFT for b in drafts.values())
    assert drafts["pull_incident"].components == ["uw_gegevens"]
    assert drafts["pull_incident"].detector_detail["source_id"] == 7
    assert AuditEvent.objects.filter(action="breach.draft_opened").count() == 2
    with pytest.raises(Conflict):
        breach_notify(breach=drafts["pull_incident"], actor=OPERATOR)  # an operator confirms first
    # A draft's clock runs from detection too.
    later = timezone.now() + dt.timedelta(hours=25)
    assert breach_deadlines_check(now=later)["overdue"] == 2


def test_a_failed_audit_verify_opens_a_draft(monkeypatch):
    from burgerprofiel.audit import services as audit_services
    from burgerprofiel.audit.services import VerifyReport

    report = VerifyReport()
    report.fail("event 12: leaf hash does not match", event_id=12)
    monkeypatch.setattr(audit_services, "audit_verify", lambda: report)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "verify", stdout=out)
    draft = Breach.objects.get(detector="audit_verify")
    assert json.loads(out.getvalue())["draft_breach_id"] == draft.pk
    assert "event 12" in draft.nature and draft.state == Breach.State.DRAFT
    assert breach_from_audit_verify(first_bad_event_id=12, problems=report.problems) is None  # once a day
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_VERIFIED, outcome="failure").count() == 1


def test_a_failed_verify_from_the_back_office_task_opens_a_draft_at_the_next_check(monkeypatch):
    from burgerprofiel.audit import services as audit_services
    from burgerprofiel.audit.services import VerifyReport
    from burgerprofiel.audit.tasks import audit_verify_task

    report = VerifyReport()
    report.fail("event 7: leaf hash does not match", event_id=7)
    monkeypatch.setattr(audit_services, "audit_verify", lambda: report)
    audit_verify_task.call(requested_by="")  # what the back-office's button enqueues, run here inline
    assert not Breach.objects.exists()  # the audit layer records the failure; it cannot open a breach
    assert breaches_check_task.call()["opened_audit_verify"] == 1
    draft = Breach.objects.get(detector="audit_verify")
    assert "event 7" in draft.nature and draft.state == Breach.State.DRAFT
    assert breaches_check_task.call()["opened_audit_verify"] == 0  # once per bad event and day


def test_the_cli_opens_lists_computes_and_notifies(tenant_a, tenant_b):
    _seed(tenant_a, tenant_b, b_inside=True)
    out = io.StringIO()
    call_command(
        "breach",
        "open",
        "--title",
        "Gelekte logbestanden",
        "--nature",
        "Logbestanden met verzoeken stonden publiek leesbaar.",
        "--window-start",
        WINDOW_START.isoformat(),
        "--window-end",
        WINDOW_END.isoformat(),
        "--system",
        "logserver",
        "--consequences",
        "Onbekend.",
        "--measures",
        "Toegang ingetrokken.",
        stdout=out,
    )
    opened = json.loads(out.getvalue())
    assert opened["state"] == "open" and opened["systems"] == ["logserver"]
    out = io.StringIO()
    call_command("breach", "list", stdout=out)
    assert "Gelekte logbestanden" in out.getvalue() and "Binnen de termijn" in out.getvalue()
    out = io.StringIO()
    call_command("breach", "notify", str(opened["breach_id"]), stdout=out)
    shown = json.loads(out.getvalue())
    assert {(n["agency_id"], n["subjects"]) for n in shown["notifications"]} == {
        (tenant_a.agency.pk, 4),
        (tenant_b.agency.pk, 2),
    }
    with pytest.raises(CommandError, match="bestaat niet"):
        call_command("breach", "show", "999999", stdout=io.StringIO())


def test_the_back_office_registers_computes_notifies_and_shows_the_deadline(tenant_a, tenant_b):
    from burgerprofiel.backoffice.tests.conftest import logged_in, make_staff

    _seed(tenant_a, tenant_b, b_inside=False)
    operator = logged_in(make_staff("operator", "olivia.operator"))
    response = operator.post(
        "/backoffice/breaches/breach/add/",
        {
            "title": "Verloren laptop",
            "detected_at_0": "2026-11-02",
            "detected_at_1": "14:00:00",
            "nature": "Een laptop met een databankexport ging verloren.",
            "window_start_0": "2026-11-02",
            "window_start_1": "09:00:00",
            "window_end_0": "2026-11-02",
            "window_end_1": "13:00:00",
            "exposure": "processed",
            "systems_text": "laptop, databankexport",
            "subject_categories": "Burgers die Mijn Burgerprofiel gebruiken",
            "likely_consequences": "Mogelijk ongeoorloofde toegang.",
            "measures": "Schijf was versleuteld; sleutels vernieuwd.",
            "notifications-TOTAL_FORMS": "0",
            "notifications-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    breach = Breach.objects.get(title="Verloren laptop")
    assert breach.systems == ["laptop", "databankexport"]
    assert AuditEvent.objects.filter(action="breach.registered", object_id=str(breach.pk)).exists()
    listing = operator.get("/backoffice/breaches/breach/").content.decode()
    assert 'data-deadline="overdue"' in listing  # detected on 2 November, not notified
    act = f"/backoffice/breaches/breach/{breach.pk}/act/"
    assert operator.post(act + "compute/").status_code == 302
    page = operator.get(f"/backoffice/breaches/breach/{breach.pk}/change/").content.decode()
    assert tenant_a.agency.name in page and "Meldingen versturen" in page
    assert operator.post(act + "notify/").status_code == 302
    [sent] = BreachNotification.objects.filter(breach=breach)
    pdf = operator.get(f"/backoffice/breaches/breach/{breach.pk}/notice/{sent.notice_id}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Auditors read, but do not act; nobody deletes.
    auditor = logged_in(make_staff("auditor", "arne.auditor"))
    assert auditor.get(f"/backoffice/breaches/breach/{breach.pk}/change/").status_code == 200
    assert auditor.post(act + "compute/").status_code == 403
    assert operator.get(f"/backoffice/breaches/breach/{breach.pk}/delete/").status_code == 403
    assert operator.post(act + "close/", {"text": "Afgehandeld."}).status_code == 302
    assert Breach.objects.get(pk=breach.pk).state == Breach.State.CLOSED
    assert operator.get(f"/backoffice/breaches/breach/{breach.pk}/change/").status_code == 200  # read-only now
