"""Retention for everything (issue 13 item 9), with time frozen: the per-agency component jobs (the
order's retention as it is at the run), batches that resume, and the platform's own data."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from burgerprofiel.agencies.models import Agency, ProcessingOrder
from burgerprofiel.agencies.services import processing_order_change
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import citizen_actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.compliance.retention import services
from burgerprofiel.compliance.retention.models import RetentionRun
from burgerprofiel.compliance.retention.services import retention_component_run, retention_platform_run
from burgerprofiel.compliance.retention.tasks import retention_schedule_task
from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.crypto.models import DataKey
from burgerprofiel.notifications.models import Delivery, DeliveryReceipt, Notification
from burgerprofiel.notifications.services import notification_create
from burgerprofiel.notifications.tests.factories import (
    INSZ,
    OTHER_INSZ,
    PRODUCT,
    THIRD_INSZ,
    citizen_with_contact,
    consent,
)
from burgerprofiel.preferences.models import Verification

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)


def at(days: float) -> time_machine.travel:
    return time_machine.travel(T0 + dt.timedelta(days=days), tick=False)


def melding(agency_id: int, insz: str = INSZ) -> Notification:
    return notification_create(
        agency=Agency.objects.get(pk=agency_id),
        insz=insz,
        message="Uw premie is betaald",
        ipdc_product=PRODUCT,
        actor=TEST_ACTOR,
    )


# -- per agency and component ---------------------------------------------------------------------


def test_the_component_job_uses_the_orders_retention_and_a_change_counts_from_the_next_run(agency):
    with at(0):
        first = melding(agency.agency_id)
    with at(100):
        run = retention_component_run(agency_id=agency.agency_id, component="notificaties")
    assert (run.retention_days, run.purged, run.state) == (365, 0, "finished")
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    processing_order_change(order=order, actor=TEST_ACTOR, note="korter", retention_days={"notificaties": 90})
    with at(100):
        run = retention_component_run(agency_id=agency.agency_id, component="notificaties")
    assert (run.retention_days, run.purged) == (90, 1)
    first.refresh_from_db()
    assert first.message is None and first.content_purged_at is not None
    event = AuditEvent.objects.get(action="notification.content_purged")
    assert (event.agency_id, event.detail["count"]) == (agency.agency_id, 1)


def test_one_agencys_job_leaves_another_agencys_data_alone(agency, other_agency):
    with at(0):
        melding(agency.agency_id)
        theirs = melding(other_agency.agency_id, insz=OTHER_INSZ)
    with at(400):
        assert retention_component_run(agency_id=agency.agency_id, component="notificaties").purged == 1
    theirs.refresh_from_db()
    assert theirs.message is not None


def test_the_job_works_in_batches_and_resumes_after_an_interruption(agency, settings):
    settings.RETENTION_BATCH_SIZE = 2
    with at(0):
        for i in range(5):
            melding(agency.agency_id, insz=[INSZ, OTHER_INSZ, THIRD_INSZ][i % 3])
    real = services.COMPONENTS["notificaties"]
    calls = {"n": 0}

    def failing_second_batch(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("database went away")
        return real.batch(*args)

    broken = services.ComponentRetention(real.days, failing_second_batch)
    with at(400), mock.patch.dict(services.COMPONENTS, {"notificaties": broken}), pytest.raises(ConnectionError):
        retention_component_run(agency_id=agency.agency_id, component="notificaties")
    failed = RetentionRun.objects.get()
    assert (failed.state, failed.purged, failed.batches, failed.error) == ("failed", 2, 1, "ConnectionError")
    assert Notification.objects.filter(content_purged_at__isnull=True).count() == 3  # the first batch stayed done
    with at(400):
        run = retention_component_run(agency_id=agency.agency_id, component="notificaties")
    assert (run.purged, run.batches) == (3, 2)
    assert not Notification.objects.filter(content_purged_at__isnull=True).exists()


def test_a_run_in_progress_elsewhere_is_left_alone_until_its_lease_runs_out(agency):
    with at(0):
        RetentionRun.objects.create(
            agency_id=agency.agency_id,
            scope="dosis",
            retention_days=90,
            cutoff=timezone.now(),
            started_at=timezone.now(),
        )
    with at(0.01):
        assert retention_component_run(agency_id=agency.agency_id, component="dosis") is None
    with at(0.1):
        assert retention_component_run(agency_id=agency.agency_id, component="dosis").state == "finished"
    assert RetentionRun.objects.filter(state="interrupted").count() == 1


def test_the_schedule_queues_one_job_per_agency_and_component_and_one_per_kind_of_platform_data(agency, other_agency):
    result = retention_schedule_task.enqueue()
    assert result.return_value == {"queued": 2 * len(services.COMPONENTS) + len(services.PLATFORM)}
    runs = set(RetentionRun.objects.values_list("agency_id", "scope"))
    assert (agency.agency_id, "dosis") in runs and (other_agency.agency_id, "betalingen") in runs
    assert {(None, "burgers"), (None, "verificaties"), (None, "verzendingen")} <= runs
    assert set(RetentionRun.objects.values_list("state", flat=True)) == {"finished"}


# -- the platform's own data ----------------------------------------------------------------------


@override_settings(CITIZEN_UNREFERENCED_RETENTION_DAYS=365)
def test_a_citizen_nothing_refers_to_goes_after_its_period_with_its_key(agency):
    with at(0):
        lonely = citizen_get_or_create(insz=INSZ)
        with_melding = melding(agency.agency_id, insz=OTHER_INSZ).citizen
        active = citizen_get_or_create(insz=THIRD_INSZ)
    with at(364):
        assert retention_platform_run(scope="burgers").purged == 0
    with at(400):
        audit_record(actor=citizen_actor(active), action=AuditAction.PORTAL_LOGIN)  # logged in an hour ago
    with at(400 + 1 / 24):
        assert retention_platform_run(scope="burgers").purged == 1
    assert set(Citizen.objects.values_list("pk", flat=True)) == {with_melding.pk, active.pk}
    assert DataKey.objects.get(pk=lonely.data_key_id).is_destroyed
    event = AuditEvent.objects.get(action="retention.purged", object_type__icontains="citizen")
    assert event.detail["count"] == 1


@override_settings(CITIZEN_UNREFERENCED_RETENTION_DAYS=30)
def test_a_key_without_a_reverse_name_still_counts_as_a_reference():
    with at(0):
        citizen = citizen_get_or_create(insz=INSZ)  # only a send refers to them (Delivery.citizen, related_name "+")
        Delivery.objects.create(
            kind="verify_email",
            channel="email",
            citizen=citizen,
            next_attempt_at=timezone.now(),
            created_at=timezone.now(),
        )
    with at(60):
        assert retention_platform_run(scope="burgers").purged == 0
    assert Citizen.objects.filter(pk=citizen.pk).exists()


@override_settings(PREFERENCES_VERIFICATION_RETENTION_DAYS=30)
def test_verification_records_go_after_their_period():
    with at(0):
        citizen = citizen_get_or_create(insz=INSZ)
        Verification.objects.create(
            citizen=citizen, channel="email", address="a@example.org", secret_hash="x" * 64, expires_at=timezone.now()
        )
    with at(29):
        assert retention_platform_run(scope="verificaties").purged == 0
    with at(31):
        assert retention_platform_run(scope="verificaties").purged == 1
    assert not Verification.objects.exists()


@override_settings(NOTIFICATIONS_DELIVERY_RETENTION_DAYS=365)
def test_delivery_metadata_goes_after_its_period_with_its_receipt(agency):
    with at(0):
        citizen = citizen_with_contact()
        consent(citizen, agency.agency_id, "email")
        notification = melding(agency.agency_id)
        delivery = Delivery.objects.get(notification=notification)
        Delivery.objects.filter(pk=delivery.pk).update(status="delivered", final_at=timezone.now())
        DeliveryReceipt.objects.create(
            agency_id=agency.agency_id,
            delivery_id=delivery.pk,
            notification_id=notification.pk,
            channel="email",
            status="delivered",
            signed="jws",
            created_at=timezone.now(),
        )
    with at(300):
        assert retention_platform_run(scope="verzendingen").purged == 0
    with at(366):
        assert retention_platform_run(scope="verzendingen").purged == 1
    assert not Delivery.objects.exists() and not DeliveryReceipt.objects.exists()
    assert AuditEvent.objects.get(action="retention.purged").agency_id == agency.agency_id


def test_idempotency_records_are_forgotten_after_their_ttl(client, agency, settings):
    from burgerprofiel.api.idempotency import idempotency_records_purge
    from burgerprofiel.api.models import IdempotencyRecord
    from burgerprofiel.conftest import bearer

    settings.IDEMPOTENCY_TTL_HOURS = 24
    with at(0):
        headers = bearer(client, agency)
        response = client.post(
            "/api/v1/webhooks/endpoints",
            {"url": "https://ontvanger.example/hook", "event_types": []},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="sleutel-1",
            **headers,
        )
        assert IdempotencyRecord.objects.count() == 1, response.content
    with at(0.9):
        assert idempotency_records_purge() == 0
    with at(1.1):
        assert idempotency_records_purge() == 1


def test_used_assertions_are_forgotten_once_expired(client, agency):
    from burgerprofiel.conftest import token_with_assertion
    from burgerprofiel.oauth.models import UsedAssertion
    from burgerprofiel.oauth.services import used_assertions_purge

    with time_machine.travel(timezone.now(), tick=False):
        assert token_with_assertion(client, agency).status_code == 200
        assert UsedAssertion.objects.count() == 1
        assert used_assertions_purge() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20), tick=False):
        assert used_assertions_purge() == 1


def test_operators_and_auditors_read_the_runs_in_the_back_office(agency):
    from burgerprofiel.backoffice.tests.conftest import logged_in, make_staff

    retention_component_run(agency_id=agency.agency_id, component="dosis")
    for role in ("operator", "auditor"):
        client = logged_in(make_staff(role, f"{role}.retention"))
        page = client.get("/backoffice/retention/retentionrun/")
        assert page.status_code == 200 and "dosis" in page.content.decode()
        assert client.get("/backoffice/retention/retentionrun/add/").status_code == 403
