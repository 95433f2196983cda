"""Notices to agencies: recorded, published as verwerker.<kind>, mailed over real SMTP (aiosmtpd) to
the agency's own contacts and DPO, listed and acknowledged over the API by that agency only."""

from __future__ import annotations

import json
import uuid

import pytest
from django.conf import settings
from django.test import Client, override_settings

from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.compliance.notices.mail import notice_mails_dispatch, notice_mails_sweep
from burgerprofiel.compliance.notices.models import AgencyNotice, NoticeMail
from burgerprofiel.compliance.notices.services import agency_notice_send
from burgerprofiel.compliance.notices.tasks import notice_mails_task
from burgerprofiel.conftest import bearer
from burgerprofiel.notifications.tests.peers import free_port
from burgerprofiel.webhooks.models import Event

pytestmark = pytest.mark.django_db

OPERATOR = Actor(kind="staff", id="operator-1")


def _send(tenant, kind="mededeling", **overrides):
    fields = {
        "agency": tenant.agency,
        "kind": kind,
        "subject": "Gepland onderhoud",
        "body": "Op 3 december is het platform van 22 tot 23 uur niet bereikbaar.",
        "data": {"window": "2026-12-03T22:00/23:00"},
        "object_type": "maintenance",
        "object_id": "m-1",
        "actor": OPERATOR,
    }
    fields.update(overrides)
    return agency_notice_send(**fields)


def test_a_notice_is_recorded_audited_published_and_queued_for_the_agencys_contacts_and_dpo(tenant_a, tenant_b):
    notice = _send(tenant_a)
    stored = AgencyNotice.objects.get(pk=notice.pk)
    assert (stored.agency_id, stored.kind, str(stored.subject)) == (
        tenant_a.agency.pk,
        "mededeling",
        "Gepland onderhoud",
    )
    assert stored.data == {"window": "2026-12-03T22:00/23:00"}
    event = Event.objects.get(event_id=stored.event_id)
    assert (event.agency_id, event.type, event.object_type, event.object_id) == (
        tenant_a.agency.pk,
        "verwerker.mededeling",
        "maintenance",
        "m-1",
    )
    body = json.loads(str(event.body))
    assert body["data"]["notice_id"] == str(notice.pk) and body["data"]["window"] == "2026-12-03T22:00/23:00"
    mails = NoticeMail.objects.filter(notice=notice)
    assert sorted(str(m.recipient) for m in mails) == sorted(tenant_a.addresses)
    assert {m.role for m in mails} == {"contact", "dpo"}
    sent = AuditEvent.objects.get(action="agency_notice.sent", object_id=str(notice.pk))
    assert sent.agency_id == tenant_a.agency.pk and sent.detail["recipients"] == 2
    # Encrypted at rest: the subject is not in the row's column.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT subject FROM agency_notices_agencynotice WHERE id = %s", [notice.pk.hex])
        row = cursor.fetchone()
    if row is None:  # PostgreSQL stores uuid natively
        with connection.cursor() as cursor:
            cursor.execute("SELECT subject FROM agency_notices_agencynotice WHERE id = %s", [str(notice.pk)])
            row = cursor.fetchone()
    assert "onderhoud" not in row[0]


def test_an_undeclared_kind_is_refused_and_nothing_is_stored(tenant_a):
    with pytest.raises(ValueError, match="declare"):
        _send(tenant_a, kind="geheim")
    assert not AgencyNotice.objects.exists()
    assert not Event.objects.exists()


def test_the_worker_mails_agency_as_contacts_and_not_agency_bs(tenant_a, tenant_b, smtp_server):
    notice = _send(tenant_a)
    counts = notice_mails_task.call()
    assert counts["sent"] == 2 and counts["failed"] == 0
    received = smtp_server.sink.messages
    assert sorted(str(m["To"]) for m in received) == sorted(tenant_a.addresses)
    assert not any(address in str(m["To"]) for m in received for address in tenant_b.addresses)
    mail = received[0]
    assert "Gepland onderhoud" in str(mail["Subject"])
    assert mail["X-Burgerprofiel-Notice"] == str(notice.pk)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "22 tot 23 uur" in text and f"/api/v1/notices/{notice.pk}/acknowledge" in text
    [pdf] = [part for part in mail.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert pdf.get_content().startswith(b"%PDF")
    notice.refresh_from_db()
    assert notice.mail_status == AgencyNotice.MailStatus.SENT
    assert set(NoticeMail.objects.values_list("status", flat=True)) == {"sent"}
    assert notice_mails_dispatch() == {"sent": 0, "retry": 0, "failed": 0}  # nothing twice
    assert len(smtp_server.sink.messages) == 2


def test_an_unreachable_server_means_a_retry_later_and_a_refusal_means_failed_and_audited(tenant_a, smtp_server):
    notice = _send(tenant_a)
    with override_settings(NOTIFICATIONS_SMTP_PORT=free_port()):
        assert notice_mails_dispatch()["retry"] == 2
    assert set(NoticeMail.objects.values_list("status", flat=True)) == {"retrying"}
    NoticeMail.objects.update(next_attempt_at=notice.created_at)  # due again
    smtp_server.sink.refuse_next = 1
    smtp_server.sink.refuse_code = "550 5.1.1 Onbekende ontvanger"
    counts = notice_mails_dispatch()
    assert counts == {"sent": 1, "retry": 0, "failed": 1}
    notice.refresh_from_db()
    assert notice.mail_status == AgencyNotice.MailStatus.PARTIAL
    assert AuditEvent.objects.filter(action="agency_notice.mail_failed", object_id=str(notice.pk)).count() == 1


def test_a_mail_interrupted_while_sending_is_never_sent_again(tenant_a, smtp_server):
    import datetime as dt

    notice = _send(tenant_a)
    NoticeMail.objects.update(status="sending", sending_at=notice.created_at - dt.timedelta(hours=1))
    assert notice_mails_sweep() == 2
    assert notice_mails_dispatch()["sent"] == 0
    assert smtp_server.sink.messages == []
    notice.refresh_from_db()
    assert notice.mail_status == AgencyNotice.MailStatus.FAILED


def test_the_worker_schedules_the_notice_mails():
    assert settings.PERIODIC_TASKS["agency-notice-mails"]["task"] == (
        "burgerprofiel.compliance.notices.tasks.notice_mails_task"
    )


def test_an_agency_lists_and_acknowledges_only_its_own_notices(client: Client, tenant_a, tenant_b):
    notice_a = _send(tenant_a)
    _send(tenant_b, subject="Voor Mobiliteit")
    headers_a, headers_b = bearer(client, tenant_a.onboarded), bearer(client, tenant_b.onboarded)

    listed_b = client.get("/api/v1/notices", **headers_b).json()
    assert [n["subject"] for n in listed_b] == ["Voor Mobiliteit"]
    listed_a = client.get("/api/v1/notices", **headers_a).json()
    assert [n["id"] for n in listed_a] == [str(notice_a.pk)]
    assert listed_a[0]["acknowledged_at"] is None and listed_a[0]["kind"] == "mededeling"

    refused = client.post(f"/api/v1/notices/{notice_a.pk}/acknowledge", content_type="application/json", **headers_b)
    assert refused.status_code == 404
    assert refused["Content-Type"].startswith("application/problem+json")
    assert client.get(f"/api/v1/notices/{notice_a.pk}/pdf", **headers_b).status_code == 404
    notice_a.refresh_from_db()
    assert notice_a.acknowledged_at is None

    acked = client.post(
        f"/api/v1/notices/{notice_a.pk}/acknowledge",
        json.dumps({"by": "Contact Agentschap Opgroeien"}),
        content_type="application/json",
        **headers_a,
    )
    assert acked.status_code == 200, acked.content
    assert acked.json()["acknowledged_by"] == "Contact Agentschap Opgroeien"
    first = acked.json()["acknowledged_at"]
    again = client.post(f"/api/v1/notices/{notice_a.pk}/acknowledge", content_type="application/json", **headers_a)
    assert again.status_code == 200 and again.json()["acknowledged_at"] == first
    events = AuditEvent.objects.filter(action="agency_notice.acknowledged", object_id=str(notice_a.pk))
    assert [e.agency_id for e in events] == [tenant_a.agency.pk]  # once, in A's trail
    assert client.get("/api/v1/notices?acknowledged=false", **headers_a).json() == []

    pdf = client.get(f"/api/v1/notices/{notice_a.pk}/pdf", **headers_a)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        client.post(
            f"/api/v1/notices/{uuid.uuid4()}/acknowledge", content_type="application/json", **headers_a
        ).status_code
        == 404
    )


def test_the_back_office_lists_notices_read_only_to_both_roles(tenant_a):
    from burgerprofiel.backoffice.tests.conftest import logged_in, make_staff

    notice = _send(tenant_a)
    admin_client_2fa = logged_in(make_staff("auditor", "arne.auditor"))
    page = admin_client_2fa.get("/backoffice/agency_notices/agencynotice/")
    assert page.status_code == 200
    assert "Gepland onderhoud" in page.content.decode()
    detail = admin_client_2fa.get(f"/backoffice/agency_notices/agencynotice/{notice.pk}/change/")
    assert detail.status_code == 200
    assert "dpo@opgroeien.example" not in detail.content.decode()  # addresses are not shown
    assert admin_client_2fa.get("/backoffice/agency_notices/agencynotice/add/").status_code == 403
    operator = logged_in(make_staff("operator", "olivia.operator"))
    assert operator.get("/backoffice/agency_notices/agencynotice/").status_code == 200
