"""Idempotency-Key on POST: a retry does nothing twice (DESIGN rule 4)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from burgerprofiel.api.idempotency import request_digest
from burgerprofiel.api.models import IdempotencyRecord
from burgerprofiel.api.routers import notifications as api_module
from burgerprofiel.api.tests.helpers import assert_problem
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conftest import bearer
from burgerprofiel.notifications.models import Notification

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"
BODY = {"insz": "85073003328", "message": "Uw dossier is afgerond.", "ipdc_product": "Groeipakket"}


def _post(client, headers, key, body=BODY):
    return client.post(URL, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **headers)


def test_a_replay_within_24_hours_returns_the_first_answer_and_creates_nothing(client, auth_headers):
    first = _post(client, auth_headers, "order-2024-0001")
    assert first.status_code == 202, first.content
    assert not first.has_header("Idempotent-Replayed")

    replay = _post(client, auth_headers, "order-2024-0001")

    assert replay.status_code == 202
    assert replay.content == first.content
    assert replay["Content-Type"] == first["Content-Type"]
    assert replay["Idempotent-Replayed"] == "true"
    assert Notification.objects.count() == 1
    assert AuditEvent.objects.filter(action="notification.created").count() == 1


def test_the_same_key_with_another_body_is_refused_with_422_and_creates_nothing(client, auth_headers):
    assert _post(client, auth_headers, "order-2024-0002").status_code == 202

    response = _post(client, auth_headers, "order-2024-0002", {**BODY, "message": "Een ander bericht."})

    assert_problem(response, 422, "idempotency-key-reused")
    assert [n.message for n in Notification.objects.all()] == [BODY["message"]]


def test_different_clients_may_use_the_same_key_independently(client, agency, other_agency):
    mine = _post(client, bearer(client, agency), "shared-key")
    theirs = _post(client, bearer(client, other_agency), "shared-key", {**BODY, "message": "Een ander bericht."})

    assert mine.status_code == theirs.status_code == 202
    assert not theirs.has_header("Idempotent-Replayed")
    assert Notification.objects.filter(agency_id=agency.agency_id).count() == 1
    assert Notification.objects.filter(agency_id=other_agency.agency_id).count() == 1


def test_a_key_is_forgotten_after_24_hours(client, auth_headers):
    assert _post(client, auth_headers, "order-2024-0003").status_code == 202
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=24, minutes=1))

    again = _post(client, auth_headers, "order-2024-0003")

    assert again.status_code == 202
    assert not again.has_header("Idempotent-Replayed")
    assert Notification.objects.count() == 2


def test_a_retry_while_the_first_request_is_still_running_gets_409(client, agency, auth_headers):
    _claim_in_progress(agency, "order-2024-0004", started=timezone.now())

    response = _post(client, auth_headers, "order-2024-0004")

    assert_problem(response, 409, "idempotency-in-progress")
    assert response["Retry-After"] == "1"
    assert Notification.objects.count() == 0


def test_a_claim_whose_request_never_finished_stops_blocking_retries(client, agency, auth_headers):
    _claim_in_progress(agency, "order-2024-0005", started=timezone.now() - timedelta(minutes=6))

    response = _post(client, auth_headers, "order-2024-0005")

    assert response.status_code == 202, response.content
    assert Notification.objects.count() == 1


def test_a_request_that_failed_with_a_server_error_is_not_remembered(client, auth_headers, monkeypatch):
    real = api_module.notification_accept

    def explode(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(api_module, "notification_accept", explode)
    assert _post(client, auth_headers, "order-2024-0006").status_code == 500
    monkeypatch.setattr(api_module, "notification_accept", real)

    retry = _post(client, auth_headers, "order-2024-0006")

    assert retry.status_code == 202, retry.content
    assert not retry.has_header("Idempotent-Replayed")
    assert Notification.objects.count() == 1


@pytest.mark.parametrize("key", ["x" * 201, "sleutel-met-ë", "tab\tkey"])
def test_an_invalid_idempotency_key_is_refused_with_400_and_creates_nothing(client, auth_headers, key):
    assert_problem(_post(client, auth_headers, key), 400, "invalid-idempotency-key")
    assert Notification.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0


def _claim_in_progress(agency, key, *, started):
    """The claim a first request leaves before its view runs, as if it were still running (or had died)."""
    record = IdempotencyRecord.objects.create(
        client_id=agency.client_id,
        key=key,
        method="POST",
        path=URL,
        request_hash=request_digest(method="POST", full_path=URL, body=json.dumps(BODY).encode()),
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=started)


def test_the_kept_answer_is_encrypted_and_its_replay_is_audited(client, auth_headers):
    first = _post(client, auth_headers, "versleuteld-1")
    assert first.status_code == 202
    stored = bytes(IdempotencyRecord.objects.get(key="versleuteld-1").body)
    assert b"85073003328" not in stored and stored.startswith(b"bp2:")  # nothing personal in clear
    replay = _post(client, auth_headers, "versleuteld-1")
    assert replay.content == first.content
    assert AuditEvent.objects.filter(action="api.idempotent_replay").count() == 1


def test_no_replay_once_the_order_is_suspended(client, agency, auth_headers):
    from burgerprofiel.agencies.models import ProcessingOrder
    from burgerprofiel.agencies.services import processing_order_suspend
    from burgerprofiel.conftest import TEST_ACTOR

    assert _post(client, auth_headers, "opgeschort-1").status_code == 202
    processing_order_suspend(order=ProcessingOrder.objects.get(pk=agency.order_id), reason="2.3", actor=TEST_ACTOR)
    replay = _post(client, auth_headers, "opgeschort-1")
    assert_problem(replay, 403, "order-suspended")


def test_when_keeping_the_answer_fails_the_act_is_rolled_back_too(client, auth_headers, monkeypatch):
    from burgerprofiel.api import idempotency

    def broken(*args, **kwargs):
        raise RuntimeError("the process dies between the act and its record")

    monkeypatch.setattr(idempotency, "encrypt_bytes", broken)
    with pytest.raises(RuntimeError):
        _post(client, auth_headers, "half-1")
    assert Notification.objects.count() == 0  # nothing half-done: a retry will run the act once
    monkeypatch.undo()
    assert _post(client, auth_headers, "half-1").status_code == 202
    assert Notification.objects.count() == 1


def test_no_replay_once_the_component_is_no_longer_ordered(client, agency, auth_headers):
    # Issue 11 item 7: the record keeps the component and categories its request was checked for.
    from burgerprofiel.agencies.models import ProcessingOrder
    from burgerprofiel.agencies.services import processing_order_change
    from burgerprofiel.conftest import TEST_ACTOR

    melding = {"insz": "85073003328", "message": "Uw aanvraag is goedgekeurd.", "ipdc_product": "1502"}
    url = "/api/v1/notifications"
    first = client.post(
        url, json.dumps(melding), content_type="application/json", HTTP_IDEMPOTENCY_KEY="m-1", **auth_headers
    )
    assert first.status_code == 202, first.content
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    current = order.current
    processing_order_change(
        order=order,
        actor=TEST_ACTOR,
        note="notificaties niet langer besteld",
        components=["dosis"],
        data_categories={k: v for k, v in current.data_categories.items() if k != "notificaties"},
        retention_days={k: v for k, v in current.retention_days.items() if k != "notificaties"},
    )

    replay = client.post(
        url, json.dumps(melding), content_type="application/json", HTTP_IDEMPOTENCY_KEY="m-1", **auth_headers
    )

    body = assert_problem(replay, 403, "component-not-ordered")
    assert body["missing"] == ["notificaties"]
    assert not replay.has_header("Idempotent-Replayed")
    assert replay.content != first.content
    assert not AuditEvent.objects.filter(action="api.idempotent_replay").exists()
    refusal = AuditEvent.objects.get(action="order_check.refused")
    assert refusal.detail["reason"] == "component-not-ordered"
    assert refusal.detail["component"] == "notificaties"
    record = IdempotencyRecord.objects.get(key="m-1")
    assert (record.component, sorted(record.categories)) == ("notificaties", ["boodschap", "insz", "ipdc_product"])
