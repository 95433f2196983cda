"""The agency is told before its contacts are purged, and gets the certificate by e-mail (issue 13
gaps, item 2)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from email.header import decode_header, make_header

import pytest
from django.test import override_settings

from burgerprofiel.agencies.models import Agency, ProcessingOrder
from burgerprofiel.agencies.services import contact_person_add, processing_order_terminate
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.compliance.notices.models import AgencyNotice
from burgerprofiel.compliance.notices.services import notice_recipients
from burgerprofiel.compliance.offboarding import verify
from burgerprofiel.compliance.offboarding.models import Offboarding
from burgerprofiel.compliance.offboarding.services import (
    legal_hold_place,
    legal_holds_release_due,
    offboarding_run,
    offboarding_start,
)
from burgerprofiel.compliance.tests.factories import AN, agency_with_everything, populate
from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.crypto.fields import UNREADABLE
from burgerprofiel.crypto.signing import jwks
from burgerprofiel.notifications.tests.peers import SmtpServer
from burgerprofiel.payments.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    with override_settings(NOTIFICATIONS_SMTP_HOST="127.0.0.1", NOTIFICATIONS_SMTP_PORT=server.port):
        yield server
    server.stop()


def _agency(name: str, kbo: str, prefix: str):  # type: ignore[no-untyped-def]
    onboarded = agency_with_everything(name, kbo)
    populate(onboarded.agency_id, insz=AN, tag=prefix)
    agency = Agency.objects.get(pk=onboarded.agency_id)
    contact_person_add(
        agency=agency, name="Carla", email=f"contact@{prefix}.example", role="Diensthoofd", actor=TEST_ACTOR
    )
    return onboarded


def _start(onboarded, mode: str) -> Offboarding:  # type: ignore[no-untyped-def]
    order = ProcessingOrder.objects.get(pk=onboarded.order_id)
    processing_order_terminate(order=order, reason="einde samenwerking", actor=TEST_ACTOR)
    return offboarding_start(order=order, mode=mode, actor=TEST_ACTOR)


def _hold_a_payment(onboarded) -> dt.date:  # type: ignore[no-untyped-def]
    """A legal hold on one of the agency's payments, for ten days: the date it ends."""
    payment = Payment.objects.filter(agency_id=onboarded.agency_id).first()
    until = dt.date.today() + dt.timedelta(days=10)
    legal_hold_place(
        agency=Agency.objects.get(pk=onboarded.agency_id),
        model="payments.Payment",
        object_id=str(payment.pk),
        reason="Boekhoudwet",
        until=until,
        actor=TEST_ACTOR,
    )
    return until


def _to(messages) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(str(m["To"]) for m in messages)


def test_return_tells_the_agency_the_bundle_is_ready_and_mails_the_certificate_to_the_addresses_taken_before(
    smtp_server,
):
    a = _agency("Agentschap Opgroeien", "0316380841", "opgroeien")
    b = _agency("Departement Mobiliteit", "0887010362", "mobiliteit")
    expected = sorted(address for _, address in notice_recipients(agency=Agency.objects.get(pk=a.agency_id)))
    assert "contact@opgroeien.example" in expected and "dpo@example.be" in expected
    offboarding = offboarding_run(offboarding=_start(a, "return"), actor=TEST_ACTOR, batch_size=3)
    assert offboarding.state == Offboarding.State.DONE

    [notice] = AgencyNotice.objects.filter(kind="offboarding")
    assert notice.agency_id == a.agency_id and notice.object_id == str(offboarding.pk)
    assert notice.subject is UNREADABLE  # sealed with the agency's key, destroyed since
    # published as verwerker.offboarding (the event itself went with the agency's webhook data)
    assert (
        AuditEvent.objects.filter(action=AuditAction.AGENCY_NOTICE_SENT.value, detail__kind="offboarding").count() == 1
    )
    messages = smtp_server.sink.messages
    notices = [m for m in messages if m["X-Burgerprofiel-Notice"] == str(notice.pk)]
    certificates = [m for m in messages if "Verwijderingsattest" in str(make_header(decode_header(m["Subject"])))]
    assert _to(notices) == expected  # sent before the purge
    assert "klaar om terug te halen" in str(make_header(decode_header(notices[0]["Subject"])))
    assert "GET /api/v1/offboarding/bundle" in notices[0].get_body(preferencelist=("plain",)).get_content()
    assert _to(certificates) == expected  # after the purge
    offboarding_mails = [m for m in messages if m["X-Burgerprofiel-Notice-Kind"] == "offboarding"] + certificates
    assert not any("mobiliteit" in str(m["To"]) for m in offboarding_mails)
    attachments = {p.get_filename(): p.get_content() for p in certificates[0].iter_attachments()}
    [entry_json] = [c for name, c in attachments.items() if name.endswith(".json")]
    entry = json.loads(entry_json)
    assert entry == json.loads(json.dumps(offboarding.certificates[-1]))
    payload, _ = verify.jws_verify(entry["jws"], jwks())
    assert json.loads(payload)["final"] is True
    assert any(name.endswith(".pdf") and content.startswith(b"%PDF") for name, content in attachments.items())
    # the addresses are forgotten once the final certificate went; the contacts themselves are purged
    assert offboarding.mail_to == []
    assert not Agency.objects.get(pk=a.agency_id).dpo_email
    event = AuditEvent.objects.get(action="offboarding.certificate_mailed")
    assert event.outcome == "success" and event.detail["sent"] == len(expected)
    # B: nothing
    assert not AgencyNotice.objects.filter(agency_id=b.agency_id, kind="offboarding").exists()


def test_delete_with_a_hold_mails_the_provisional_and_the_final_certificate_and_notices_once(smtp_server):
    a = _agency("Agentschap Opgroeien", "0316380841", "opgroeien")
    until = _hold_a_payment(a)
    expected = sorted(address for _, address in notice_recipients(agency=Agency.objects.get(pk=a.agency_id)))
    offboarding = offboarding_run(offboarding=_start(a, "delete"), actor=TEST_ACTOR)
    assert offboarding.state == Offboarding.State.HELD
    assert "wij verwijderen uw gegevens" in AgencyNotice.objects.get(kind="offboarding").subject  # key kept
    assert sorted(offboarding.mail_to) == expected  # kept for the final certificate
    legal_holds_release_due(actor=TEST_ACTOR, on=until + dt.timedelta(days=1))
    offboarding.refresh_from_db()
    assert offboarding.state == Offboarding.State.DONE and offboarding.mail_to == []
    subjects = [
        str(make_header(decode_header(m["Subject"])))
        for m in smtp_server.sink.messages
        if "Verwijderingsattest" in str(make_header(decode_header(m["Subject"])))
    ]
    n = len(expected)
    assert sum("voorlopig" in s for s in subjects) == n and sum("definitief" in s for s in subjects) == n
    assert AgencyNotice.objects.filter(kind="offboarding").count() == 1  # the second run did not notify again


def test_an_unreachable_mail_server_is_audited_and_does_not_stop_the_deletion():
    a = _agency("Agentschap Opgroeien", "0316380841", "opgroeien")
    with override_settings(NOTIFICATIONS_SMTP_HOST="127.0.0.1", NOTIFICATIONS_SMTP_PORT=1):
        offboarding = offboarding_run(offboarding=_start(a, "delete"), actor=TEST_ACTOR)
    assert offboarding.state == Offboarding.State.DONE
    event = AuditEvent.objects.get(action="offboarding.certificate_mailed")
    assert event.outcome == "failure" and event.detail["sent"] == 0 and "smtp" in event.detail["error"]
    assert offboarding.mail_to == []


def test_an_address_the_server_refuses_does_not_keep_the_final_certificate_from_the_others(smtp_server):
    a = _agency("Agentschap Opgroeien", "0316380841", "opgroeien")
    until = _hold_a_payment(a)
    offboarding = offboarding_run(offboarding=_start(a, "delete"), actor=TEST_ACTOR)
    expected = sorted(offboarding.mail_to)
    assert len(expected) >= 2
    before = len(smtp_server.sink.messages)
    smtp_server.sink.refuse_code = "550 5.1.1 Onbekende bestemmeling"
    smtp_server.sink.refuse_next = 1  # the first address of the final round
    legal_holds_release_due(actor=TEST_ACTOR, on=until + dt.timedelta(days=1))
    final = smtp_server.sink.messages[before:]
    assert len(final) == len(expected) - 1
    assert all("definitief" in str(make_header(decode_header(m["Subject"]))) for m in final)
    event = AuditEvent.objects.filter(action="offboarding.certificate_mailed").latest("id")
    assert event.outcome == "failure"
    assert event.detail["sent"] == len(expected) - 1 and event.detail["refused"] == 1
    assert event.detail["error"] == "smtp 550"
    assert not any(address in json.dumps(event.detail) for address in expected)
