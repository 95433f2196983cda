"""The worker's side: statuses, retries with backoff, the sweeper, leases, receipts and retention."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from burgerprofiel.agencies.models import Agency
from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.notifications.dispatch import (
    SenderSessions,
    deliveries_claim,
    deliveries_dispatch,
    deliveries_sweep,
    email_build,
    notification_email,
)
from burgerprofiel.notifications.models import Delivery, DeliveryReceipt, Notification
from burgerprofiel.notifications.services import notification_create, notifications_purge_expired
from burgerprofiel.notifications.tests.factories import INSZ, OTHER_INSZ, PRODUCT, citizen_with_contact, consent
from burgerprofiel.notifications.tests.peers import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(agency):
    """One melding with one e-mail delivery queued."""
    citizen = citizen_with_contact()
    consent(citizen, agency.agency_id, "email")
    return _melding(agency, "Bericht")


def _melding(agency, message: str) -> Delivery:
    """A melding to the citizen of ``queued`` (INSZ): its e-mail delivery, queued."""
    notification = notification_create(
        agency=Agency.objects.get(pk=agency.agency_id),
        insz=INSZ,
        message=message,
        ipdc_product=PRODUCT,
        actor=TEST_ACTOR,
    )
    return Delivery.objects.get(notification=notification)


def test_a_4xx_answer_is_a_temporary_failure_retried_after_the_backoff_then_delivered(queued, smtp_server):
    smtp_server.sink.refuse_next = 1
    deliveries_dispatch()
    queued.refresh_from_db()
    assert queued.status == "temporary-failure" and queued.attempts == 1
    assert queued.next_attempt_at > timezone.now() + dt.timedelta(seconds=290)
    deliveries_dispatch()  # not due yet
    assert Delivery.objects.get(pk=queued.pk).attempts == 1
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        deliveries_dispatch()
    queued.refresh_from_db()
    assert queued.status == "delivered" and queued.attempts == 2
    assert len(smtp_server.sink.messages) == 1


@override_settings(NOTIFICATIONS_MAX_ATTEMPTS=3, NOTIFICATIONS_RETRY_SECONDS=0)
def test_temporary_failures_become_technical_failure_after_the_last_attempt(queued, smtp_server):
    smtp_server.sink.refuse_next = 10
    for _ in range(3):
        deliveries_dispatch()
    queued.refresh_from_db()
    assert queued.status == "technical-failure" and queued.attempts == 3
    assert DeliveryReceipt.objects.get(delivery=queued).status == "technical-failure"
    assert smtp_server.sink.messages == []


def test_a_5xx_answer_is_a_permanent_failure_and_is_not_retried(queued, smtp_server):
    smtp_server.sink.refuse_next = 1
    smtp_server.sink.refuse_code = "550 5.1.1 Onbekende brievenbus"
    deliveries_dispatch()
    queued.refresh_from_db()
    assert queued.status == "permanent-failure" and queued.final_at is not None
    assert queued.recipient is None
    assert DeliveryReceipt.objects.get(delivery=queued).status == "permanent-failure"


@override_settings(NOTIFICATIONS_RETRY_SECONDS=0)
def test_a_server_that_is_down_causes_retries_and_delivery_once_it_is_back(queued, no_delivery_servers):
    from django.conf import settings

    deliveries_dispatch()
    queued.refresh_from_db()
    assert queued.status == "temporary-failure" and queued.attempts == 1
    server = SmtpServer(port=settings.NOTIFICATIONS_SMTP_PORT).start()
    try:
        deliveries_dispatch()
    finally:
        server.stop()
    queued.refresh_from_db()
    assert queued.status == "delivered"
    assert server.sink.by_message_id() == {f"<{queued.pk}@burgerprofiel.example>": 1}


def test_a_delivery_left_in_sending_by_a_crash_is_ended_by_the_sweeper_and_never_resent(queued, smtp_server):
    Delivery.objects.filter(pk=queued.pk).update(status="sending", sending_at=timezone.now(), attempts=1)
    assert deliveries_sweep() == 0  # not yet past the timeout
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        assert deliveries_sweep() == 1
        deliveries_dispatch()
    queued.refresh_from_db()
    assert queued.status == "technical-failure"
    assert smtp_server.sink.messages == []
    assert DeliveryReceipt.objects.get(delivery=queued).status == "technical-failure"


def test_a_batch_leased_by_a_dead_worker_is_taken_over_when_the_lease_runs_out(queued, smtp_server):
    assert [d.pk for d in deliveries_claim(channel="email", worker="dead-worker", limit=10)] == [queued.pk]
    deliveries_dispatch(worker="live-worker")
    assert Delivery.objects.get(pk=queued.pk).status == "created"  # still leased
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        deliveries_dispatch(worker="live-worker")
    assert Delivery.objects.get(pk=queued.pk).status == "delivered"
    assert len(smtp_server.sink.messages) == 1


def test_content_is_purged_after_retention_and_delivery_metadata_stays(queued, smtp_server):
    deliveries_dispatch()
    notification = Notification.objects.get(pk=queued.notification_id)
    assert notifications_purge_expired() == 0
    with time_machine.travel(notification.purge_after + dt.timedelta(seconds=1)):
        assert notifications_purge_expired() == 1
    notification.refresh_from_db()
    assert notification.message is None and notification.content_purged_at is not None
    assert Delivery.objects.get(pk=queued.pk).status == "delivered"
    assert notification.purge_after - notification.created_at == dt.timedelta(days=365)  # the order's retention


def test_with_the_database_backend_a_melding_queues_no_task_the_worker_drains_the_outbox(
    agency, django_capture_on_commit_callbacks
):
    from django.test import override_settings
    from django_tasks_db.models import DBTaskResult

    from burgerprofiel.notifications.services import _wake_dispatcher

    citizen = citizen_with_contact()
    consent(citizen, agency.agency_id, "email")
    org = Agency.objects.get(pk=agency.agency_id)
    with (
        override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        notification_create(agency=org, insz=INSZ, message="Bericht", ipdc_product=PRODUCT, actor=TEST_ACTOR)
    assert DBTaskResult.objects.count() == 0
    assert Delivery.objects.count() == 1
    assert _wake_dispatcher not in callbacks  # not even a callback that would do nothing


def test_with_wake_up_tasks_on_they_stop_queueing_once_two_are_waiting(
    agency, django_capture_on_commit_callbacks, settings
):
    from django.test import override_settings
    from django_tasks_db.models import DBTaskResult

    settings.NOTIFICATIONS_WAKE_TASKS = True  # workers that only run tasks
    citizen = citizen_with_contact()
    consent(citizen, agency.agency_id, "email")
    org = Agency.objects.get(pk=agency.agency_id)
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        for _ in range(4):
            with django_capture_on_commit_callbacks(execute=True):
                notification_create(agency=org, insz=INSZ, message="Bericht", ipdc_product=PRODUCT, actor=TEST_ACTOR)
    assert Delivery.objects.count() == 4
    assert DBTaskResult.objects.filter(task_path__endswith="deliveries_dispatch_task").count() == 2


@override_settings(NOTIFICATIONS_MAIL_FROM="Mijn Burgerprofiel (Vlaanderen) <noreply@burgerprofiel.example>")
@pytest.mark.parametrize(
    "agency_name",
    ["Agentschap Opgroeien", "Agentschap Zorg & Gezondheid <Vlaanderen>", "Département Wallonië " + "lang " * 30],
)
def test_a_melding_mail_written_as_bytes_is_the_email_package_message_byte_for_byte(queued, agency_name):
    """The direct writer (templates rendered once per agency) against the general builder: the same
    headers, parts, encodings and text, only the MIME boundary differs (random in the email package)."""
    import io
    import re
    from email.generator import BytesGenerator

    delivery = Delivery.objects.select_related("notification__agency").get(pk=queued.pk)
    delivery.notification.agency.name = agency_name
    reference = email_build(delivery)
    flat = io.BytesIO()
    BytesGenerator(flat, policy=reference.policy.clone(linesep="\r\n")).flatten(reference)
    mail = notification_email(delivery)
    assert mail is not None
    assert (mail.sender, mail.recipient, mail.message_id) == (
        "noreply@burgerprofiel.example",
        "burger@example.org",
        f"<{delivery.pk}@burgerprofiel.example>",
    )

    def without_boundary(data: bytes) -> bytes:
        boundary = re.search(rb'boundary="([^"]+)"', data)
        assert boundary is not None
        return data.replace(boundary.group(1), b"BOUNDARY")

    assert without_boundary(mail.data) == without_boundary(flat.getvalue())


@pytest.mark.parametrize("address", ["bürger@example.org", "burger@example.org\r\nBcc: x@example.org"])
def test_a_mail_whose_address_is_not_plain_ascii_is_left_to_the_email_package(queued, address):
    delivery = Delivery.objects.select_related("notification__agency").get(pk=queued.pk)
    delivery.recipient = address
    assert notification_email(delivery) is None


@pytest.mark.parametrize(
    ("reply", "status"), [("450 4.2.1 Later", "temporary-failure"), ("550 5.1.1 Onbekend", "permanent-failure")]
)
def test_a_refused_recipient_is_retried_or_failed_by_its_code_and_the_session_goes_on(
    queued, smtp_server, reply, status
):
    other = citizen_with_contact(insz=OTHER_INSZ, email="ander@example.org")
    consent(other, queued.notification.agency_id, "email")
    notification_create(
        agency=queued.notification.agency, insz=OTHER_INSZ, message="Bericht", ipdc_product=PRODUCT, actor=TEST_ACTOR
    )
    smtp_server.sink.refuse_rcpt = reply
    deliveries_dispatch()
    assert set(Delivery.objects.values_list("status", flat=True)) == {status}
    smtp_server.sink.refuse_rcpt = ""
    Delivery.objects.filter(status="temporary-failure").update(next_attempt_at=timezone.now())
    deliveries_dispatch()
    expected = 2 if status == "temporary-failure" else 0
    assert len(smtp_server.sink.messages) == expected
    assert Delivery.objects.filter(status="delivered").count() == expected


def test_a_claimed_delivery_carries_its_address_but_no_other_sealed_value(queued):
    """The worker decrypts what it sends with, not the INSZ, the message or the agency's DPO."""
    [claimed] = deliveries_claim(channel="email", worker="w", limit=10)
    assert claimed.recipient == "burger@example.org"
    deferred = {
        "citizen": claimed.citizen.get_deferred_fields(),
        "notification": claimed.notification.get_deferred_fields(),
        "agency": claimed.notification.agency.get_deferred_fields(),
    }
    assert deferred == {"citizen": {"insz"}, "notification": {"message"}, "agency": {"dpo_name", "dpo_email"}}
    assert claimed.notification.agency.name == "Agentschap Opgroeien"


def test_receipts_are_signed_by_the_key_current_at_each_chunk_across_a_rotation(queued, smtp_server):
    import base64
    import json

    from burgerprofiel.audit import keys

    def kid_of(receipt: DeliveryReceipt) -> str:
        return json.loads(base64.urlsafe_b64decode(receipt.signed.split(".")[0] + "=="))["kid"]

    deliveries_dispatch()
    first = DeliveryReceipt.objects.get(delivery=queued)
    new = keys.signing_key_rotate(actor=TEST_ACTOR)
    notification_create(
        agency=queued.notification.agency, insz=INSZ, message="Bericht", ipdc_product=PRODUCT, actor=TEST_ACTOR
    )
    deliveries_dispatch()
    second = DeliveryReceipt.objects.exclude(pk=first.pk).get()
    assert kid_of(first) != new.kid and kid_of(second) == new.kid
    keys.signing_key_retire(kid=kid_of(first), actor=TEST_ACTOR)
    notification_create(
        agency=queued.notification.agency, insz=INSZ, message="Bericht", ipdc_product=PRODUCT, actor=TEST_ACTOR
    )
    deliveries_dispatch()
    assert kid_of(DeliveryReceipt.objects.order_by("-pk").first()) == new.kid


def test_a_row_already_final_is_not_finished_again_and_gets_no_second_receipt(queued, smtp_server):
    from burgerprofiel.notifications.dispatch import _finish_many

    deliveries_dispatch()
    delivery = Delivery.objects.select_related("notification").get(pk=queued.pk)
    assert delivery.status == "delivered"
    _finish_many([(delivery, "technical-failure", "interrupted while sending")])
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.last_error == ""
    assert [r.status for r in DeliveryReceipt.objects.filter(delivery=delivery)] == ["delivered"]


def _another_melding(agency) -> Delivery:
    return _melding(agency, "Nog een bericht")


def test_a_drain_thread_keeps_its_smtp_session_between_batches(queued, agency, smtp_server):
    """The worker's drain loop sends each poll's few deliveries over the session of the one before;
    without kept sessions (the task, a one-off dispatch) every batch opens its own."""
    sessions = SenderSessions()
    try:
        deliveries_dispatch(sessions=sessions)
        second = _another_melding(agency)
        deliveries_dispatch(sessions=sessions)
        third = _another_melding(agency)
        deliveries_dispatch(sessions=sessions)
    finally:
        sessions.close()
    statuses = set(Delivery.objects.filter(pk__in=[queued.pk, second.pk, third.pk]).values_list("status", flat=True))
    assert statuses == {"delivered"}
    assert len(smtp_server.sink.messages) == 3
    assert smtp_server.sink.sessions == 1 and sessions.opened == 1

    _another_melding(agency)
    deliveries_dispatch()
    _another_melding(agency)
    deliveries_dispatch()
    assert len(smtp_server.sink.messages) == 5 and smtp_server.sink.sessions == 3


@pytest.mark.parametrize("pipelining", [False, True])
def test_a_kept_session_the_server_closed_is_replaced_before_the_next_batch(queued, agency, pipelining, monkeypatch):
    """A server that closed the idle session (here: restarted on its port) fails the NOOP probe: a
    new session takes the batch, and the melding goes out at its first attempt, not as a retry
    NOTIFICATIONS_RETRY_SECONDS later."""
    monkeypatch.setattr(SenderSessions, "PROBE_AFTER_SECONDS", 0.0)  # probe every kept session
    first = SmtpServer(pipelining=pipelining)
    sessions = SenderSessions()
    try:
        with override_settings(NOTIFICATIONS_SMTP_HOST="127.0.0.1", NOTIFICATIONS_SMTP_PORT=first.port):
            with first:
                deliveries_dispatch(sessions=sessions)
            with SmtpServer(first.port, pipelining=pipelining) as restarted:
                later = _another_melding(agency)
                deliveries_dispatch(sessions=sessions)
    finally:
        sessions.close()
    later.refresh_from_db()
    assert later.status == "delivered" and later.attempts == 1
    assert len(first.sink.messages) == 1 and len(restarted.sink.messages) == 1
    assert sessions.opened == 2


def test_a_kept_session_is_not_taken_up_after_its_keep_time_or_towards_another_server(queued, agency, smtp_server):
    sessions = SenderSessions()
    try:
        with override_settings(NOTIFICATIONS_SESSION_KEEP_SECONDS=0):
            deliveries_dispatch(sessions=sessions)
            _another_melding(agency)
            deliveries_dispatch(sessions=sessions)
        assert smtp_server.sink.sessions == 2 and sessions.opened == 2
        with (
            SmtpServer(pipelining=smtp_server.sink.pipelining) as other,
            override_settings(NOTIFICATIONS_SMTP_PORT=other.port),
        ):
            moved = _another_melding(agency)
            deliveries_dispatch(sessions=sessions)
    finally:
        sessions.close()
    assert [m["Message-ID"] for m in other.sink.messages] == [f"<{moved.pk}@burgerprofiel.example>"]
    assert len(smtp_server.sink.messages) == 2 and sessions.opened == 3


def test_the_one_statement_claim_reads_the_instances_the_orm_reads(queued):
    """PostgreSQL leases and reads in one prepared statement (``_claim_statement``); its deliveries,
    citizens, meldingen and agencies hold what the ORM's ``select_related`` read would hold: the
    same values (addresses and payloads decrypted), the same fields deferred, a verification
    message without a melding."""
    from django.db import connection

    from burgerprofiel.notifications.services import email_verification_start

    if connection.vendor != "postgresql":
        pytest.skip("the one-statement claim is PostgreSQL's; elsewhere the claim is the ORM read itself")
    email_verification_start(citizen=queued.citizen, email="nieuw@example.org", actor=TEST_ACTOR)
    claimed = deliveries_claim(channel="email", worker="w", limit=10)
    assert len(claimed) == 2
    read = {
        d.pk: d
        for d in Delivery.objects.filter(pk__in=[d.pk for d in claimed])
        .select_related("citizen", "notification__agency")
        .defer("citizen__insz", "notification__message", "notification__agency__dpo_name")
        .defer("notification__agency__dpo_email")
    }

    def state(instance):
        if instance is None:
            return None
        values = {k: v for k, v in vars(instance).items() if not k.startswith("_")}
        return values, instance.get_deferred_fields()

    for delivery in claimed:
        orm = read[delivery.pk]
        assert state(delivery) == state(orm)
        assert state(delivery.citizen) == state(orm.citizen)
        assert state(delivery.notification) == state(orm.notification)
        if delivery.notification is not None:
            assert state(delivery.notification.agency) == state(orm.notification.agency)
    by_kind = {d.kind: d for d in claimed}
    assert by_kind["verify_email"].notification is None and by_kind["verify_email"].payload
    assert by_kind["notification"].recipient == "burger@example.org"
    assert by_kind["verify_email"].recipient == "nieuw@example.org"


def test_the_claim_decrypts_addresses_without_a_key_lookup_and_a_shredded_key_reads_unreadable(queued):
    """The citizen's data key comes with the claim (PostgreSQL): one statement, however many
    citizens; a key destroyed since the delivery was queued leaves its address unreadable, as
    everywhere, and the claim does not fail."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from burgerprofiel.crypto.fields import UNREADABLE
    from burgerprofiel.crypto.services import data_key_shred, forget_cached_keys

    if connection.vendor != "postgresql":
        pytest.skip("the one-statement claim is PostgreSQL's")
    forget_cached_keys()
    with CaptureQueriesContext(connection) as queries:
        [claimed] = deliveries_claim(channel="email", worker="w", limit=10)
    assert claimed.recipient == "burger@example.org"
    assert len(queries) == 1, [q["sql"][:80] for q in queries]

    Delivery.objects.filter(pk=queued.pk).update(lease_until=None)
    data_key_shred(key=queued.citizen.data_key, reason="test")
    forget_cached_keys()
    [claimed] = deliveries_claim(channel="email", worker="w", limit=10)
    assert claimed.recipient is UNREADABLE
