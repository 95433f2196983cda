"""The push API: what it accepts, what it refuses (storing nothing), and whose meldingen it shows."""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest
from jsonschema import Draft202012Validator

from burgerprofiel.api.schemas import NFKC_URL_DELIMITERS
from burgerprofiel.api.tests.helpers import assert_problem
from burgerprofiel.conftest import bearer, make_agency
from burgerprofiel.notifications.models import Delivery, Notification
from burgerprofiel.notifications.tests.factories import (
    INSZ,
    OTHER_INSZ,
    PRODUCT,
    THIRD_INSZ,
    citizen_with_contact,
    consent,
)

pytestmark = pytest.mark.django_db

VALID = {"insz": INSZ, "message": "Uw dossier is afgerond.", "ipdc_product": PRODUCT}


def _post(client, headers, body, url="/api/v1/notifications", content_type="application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data, content_type=content_type, **headers)


def test_a_push_is_accepted_with_202_and_an_id_and_stores_the_melding(client, auth_headers):
    response = _post(client, auth_headers, VALID)
    assert response.status_code == 202
    notification = Notification.objects.get(pk=response.json()["id"])
    assert notification.message == VALID["message"]
    assert response.json()["deliveries"] == []


def test_without_consent_the_melding_is_stored_and_nothing_is_queued_or_sent(
    client, auth_headers, smtp_server, django_capture_on_commit_callbacks
):
    citizen_with_contact(mobile="+32470123456")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, auth_headers, VALID)
    assert response.status_code == 202
    assert Notification.objects.filter(citizen__notifications__isnull=False).count() == 1
    assert Delivery.objects.count() == 0
    assert smtp_server.sink.messages == []


def test_with_consent_but_without_a_verified_address_nothing_is_queued_or_sent(
    client, agency, auth_headers, smtp_server, django_capture_on_commit_callbacks
):
    citizen = citizen_with_contact(verified=False)
    consent(citizen, agency.agency_id, "email")
    consent(citizen, agency.agency_id, "sms")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, auth_headers, VALID)
    assert response.status_code == 202
    assert Notification.objects.filter(citizen=citizen).count() == 1
    assert Delivery.objects.count() == 0
    assert smtp_server.sink.messages == []


def test_consent_for_another_product_or_agency_does_not_cause_a_send(client, agency, other_agency, auth_headers):
    citizen = citizen_with_contact()
    consent(citizen, agency.agency_id, "email", product="Kinderbijslag")
    consent(citizen, other_agency.agency_id, "email")
    assert _post(client, auth_headers, VALID).status_code == 202
    assert Delivery.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"insz": "12345678901"}, "insz"),
        ({"message": ""}, "message"),
        ({"message": "x" * 2001}, "message"),
        ({"ipdc_product": "   "}, "ipdc_product"),
        ({"action_url": "javascript:alert(1)"}, "action_url"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_invalid_input_is_refused_with_422_and_nothing_is_stored(client, auth_headers, change, field):
    response = _post(client, auth_headers, {**VALID, **change})
    problem = assert_problem(response, 422, "validation-error")
    assert field in json.dumps(problem)
    assert Notification.objects.count() == 0


@pytest.mark.parametrize(
    ("action_url", "valid"),
    [
        ("https://gemeente.example/dossier?id=7#stap", True),
        ("http://gemeente.example", True),
        # Found by schemathesis: a control character in the host was schema-valid, yet refused (422).
        ("https://\x07gemeente.example/", False),
        # urlsplit refuses these (ValueError, a 500 before): a character NFKC turns into '/' or '#'.
        ("https://gemeente\uff0fexample/", False),
        ("https://gemeente\uff03.example/", False),
    ],
)
def test_an_action_url_is_accepted_exactly_when_the_document_admits_it(client, auth_headers, action_url, valid):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["NotificationIn"]
    assert Draft202012Validator(schema).is_valid({**VALID, "action_url": action_url}) is valid
    response = _post(client, auth_headers, {**VALID, "action_url": action_url})
    assert response.status_code == (202 if valid else 422), response.content
    assert Notification.objects.count() == (1 if valid else 0)
    lines = json.dumps({**VALID, "action_url": action_url})
    bulk = _post(client, auth_headers, lines, url="/api/v1/notifications/bulk", content_type="application/x-ndjson")
    assert bulk.status_code == (202 if valid else 422), bulk.content


def test_the_url_pattern_names_every_character_nfkc_turns_into_a_url_delimiter():
    found = {
        c
        for c in map(chr, range(0x80, sys.maxunicode + 1))
        if not 0xD800 <= ord(c) <= 0xDFFF and any(d in unicodedata.normalize("NFKC", c) for d in "/?#@:")
    }
    assert found == set(NFKC_URL_DELIMITERS.encode().decode("unicode_escape"))


def test_a_message_with_a_nul_character_is_refused_400_and_nothing_is_stored(client, auth_headers):
    response = _post(client, auth_headers, {**VALID, "message": "a\x00b"})
    assert_problem(response, 400, "unstorable-text")
    assert Notification.objects.count() == 0


def test_a_push_is_refused_when_the_order_lacks_notificaties(client, db):
    agency = make_agency(name="Enkel DOSIS", kbo="0207437468", components="dosis")
    response = _post(client, bearer(client, agency), VALID)
    assert_problem(response, 403, "component-not-ordered")
    assert Notification.objects.count() == 0


def test_another_agencys_notification_is_404(client, agency, other_agency, auth_headers):
    accepted = _post(client, auth_headers, VALID).json()
    other = bearer(client, other_agency)
    assert_problem(client.get(f"/api/v1/notifications/{accepted['id']}", **other), 404, "not-found")
    assert client.get(f"/api/v1/notifications/{accepted['id']}", **auth_headers).status_code == 200


def test_a_campaign_stores_one_melding_per_recipient(client, agency, auth_headers):
    citizen = citizen_with_contact(insz=OTHER_INSZ)
    consent(citizen, agency.agency_id, "email")
    body = {"recipients": [INSZ, OTHER_INSZ, THIRD_INSZ], "message": "Nieuwe premie", "ipdc_product": PRODUCT}
    response = _post(client, auth_headers, body, url="/api/v1/notifications/bulk")
    assert response.status_code == 202
    assert response.json()["count"] == 3
    assert Notification.objects.count() == 3
    assert Delivery.objects.count() == 1  # only the one who consented and has a verified address


def test_an_ndjson_campaign_of_individual_meldingen_is_accepted(client, auth_headers):
    lines = "\n".join(
        json.dumps({**VALID, "insz": i, "message": f"Bericht {n}"}) for n, i in enumerate([INSZ, OTHER_INSZ])
    )
    response = _post(client, auth_headers, lines, url="/api/v1/notifications/bulk", content_type="application/x-ndjson")
    assert response.status_code == 202
    assert sorted(n.message for n in Notification.objects.all()) == ["Bericht 0", "Bericht 1"]


def test_a_campaign_with_one_bad_recipient_is_refused_whole_and_stores_nothing(client, auth_headers):
    body = {"recipients": [INSZ, "00000000000"], "message": "Nieuwe premie", "ipdc_product": PRODUCT}
    problem = assert_problem(
        _post(client, auth_headers, body, url="/api/v1/notifications/bulk"), 422, "validation-error"
    )
    assert problem["index"] == 1
    assert Notification.objects.count() == 0


def test_a_malformed_ndjson_campaign_is_refused_with_422(client, auth_headers):
    response = _post(
        client, auth_headers, '{"insz": ', url="/api/v1/notifications/bulk", content_type="application/x-ndjson"
    )
    assert_problem(response, 422, "validation-error")
    assert Notification.objects.count() == 0


def test_receipts_are_listed_only_to_the_agency_that_owns_the_notification(
    client, agency, other_agency, auth_headers, smtp_server, django_capture_on_commit_callbacks
):
    citizen = citizen_with_contact()
    consent(citizen, agency.agency_id, "email")
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, auth_headers, VALID).status_code == 202
    assert len(client.get("/api/v1/notifications/receipts", **auth_headers).json()) == 1
    assert client.get("/api/v1/notifications/receipts", **bearer(client, other_agency)).json() == []


def test_a_campaign_wakes_the_dispatcher_once_however_many_sends_it_queues(
    client, agency, auth_headers, django_capture_on_commit_callbacks
):
    from burgerprofiel.notifications.services import _wake_dispatcher

    for insz in (INSZ, OTHER_INSZ, THIRD_INSZ):
        consent(citizen_with_contact(insz=insz), agency.agency_id, "email")
    body = {"recipients": [INSZ, OTHER_INSZ, THIRD_INSZ], "message": "Nieuwe premie", "ipdc_product": PRODUCT}
    with django_capture_on_commit_callbacks() as callbacks:
        assert _post(client, auth_headers, body, url="/api/v1/notifications/bulk").status_code == 202
    assert Delivery.objects.count() == 3
    assert [c for c in callbacks if c is _wake_dispatcher] == [_wake_dispatcher]


def test_a_push_queues_each_consented_verified_channel_sealed_and_audited_and_answers_them(
    client, agency, auth_headers, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from burgerprofiel.agencies.models import Agency
    from burgerprofiel.audit.models import AuditEvent
    from burgerprofiel.crypto.services import data_key_material, forget_cached_keys
    from burgerprofiel.notifications.services import _wake_dispatcher

    citizen = citizen_with_contact(email="burger@example.org", mobile="+32470123456")
    # Before the consents (nothing queued, no wake-up): the token's verification keys are read once.
    assert _post(client, auth_headers, VALID).status_code == 202
    consent(citizen, agency.agency_id, "email")
    consent(citizen, agency.agency_id, "sms")
    # The citizen's data key not cached in this process (as for nearly every push among millions of
    # citizens): the read brings it along. The agency's own key is cached, as it mostly is.
    forget_cached_keys()
    data_key_material(Agency.objects.get(pk=agency.agency_id).data_key_id)

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
        response = _post(client, auth_headers, {**VALID, "message": "Tweede bericht"})

    assert response.status_code == 202, response.content
    answered = response.json()
    assert [(d["channel"], d["status"], d["attempts"]) for d in answered["deliveries"]] == [
        ("email", "created", 0),
        ("sms", "created", 0),
    ]
    notification = Notification.objects.get(pk=answered["id"])
    assert notification.message == "Tweede bericht" and notification.citizen_id == citizen.pk
    deliveries = {d.channel: d for d in Delivery.objects.filter(notification=notification)}
    assert deliveries["email"].recipient == "burger@example.org" and deliveries["sms"].recipient == "+32470123456"
    event = AuditEvent.objects.get(action="notification.created", object_id=str(notification.pk))
    assert event.detail == {"deliveries": 2, "action_required": False} and event.agency_id == agency.agency_id
    assert [c for c in callbacks if c is _wake_dispatcher] == [_wake_dispatcher]
    if connection.vendor == "postgresql":
        # The citizen with their consents and contact preference, whether the client and its orders as
        # this process read them are still current, whether the citizen restricted the agency; then the
        # melding, its deliveries and its audit event together.
        assert len(queries) == 2, [q["sql"][:120] for q in queries]
        read = queries[0]["sql"]
        assert all(t in read for t in ("subject_rights_restriction", "preferences_consent", "agencies_apiclient"))
        assert queries[1]["sql"].startswith("WITH stored AS (INSERT INTO") and "audit_auditevent" in queries[1]["sql"]


def test_a_push_stores_every_column_as_the_orm_path_stores_it(client, agency, auth_headers):
    """The push writes its rows without model instances (PostgreSQL): each column, defaults included,
    holds what ``notification_create`` (the ORM) stores for the same melding."""
    from burgerprofiel.agencies.models import Agency
    from burgerprofiel.audit.actors import Actor
    from burgerprofiel.notifications.services import notification_create

    citizen = citizen_with_contact(email="burger@example.org", mobile="+32470123456")
    consent(citizen, agency.agency_id, "email")
    consent(citizen, agency.agency_id, "sms")
    pushed = Notification.objects.get(pk=_post(client, auth_headers, VALID).json()["id"])
    made = notification_create(
        agency=Agency.objects.get(pk=agency.agency_id), actor=Actor(kind="system", id="test"), **VALID
    )

    def columns(row, *, apart):
        return {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields if f.attname not in apart}

    times = {"id", "created_at", "purge_after"}
    assert columns(pushed, apart=times) == columns(made, apart=times)
    assert pushed.purge_after - pushed.created_at == made.purge_after - made.created_at
    apart = {"id", "notification_id", "created_at", "next_attempt_at"}
    sent = {d.channel: columns(d, apart=apart) for d in Delivery.objects.filter(notification=pushed)}
    assert sent == {d.channel: columns(d, apart=apart) for d in Delivery.objects.filter(notification=made)}
    assert sorted(sent) == ["email", "sms"] and sent["sms"]["recipient"] == "+32470123456"


def test_a_push_after_the_order_was_suspended_is_refused_and_stores_nothing(client, agency, auth_headers):
    from burgerprofiel.agencies.models import ProcessingOrder
    from burgerprofiel.agencies.services import processing_order_suspend
    from burgerprofiel.conftest import TEST_ACTOR

    citizen_with_contact()
    assert _post(client, auth_headers, VALID).status_code == 202  # the client and its order are kept
    processing_order_suspend(order=ProcessingOrder.objects.get(pk=agency.order_id), reason="2.3", actor=TEST_ACTOR)

    assert_problem(_post(client, auth_headers, VALID), 403, "order-suspended")
    assert Notification.objects.count() == 1


def test_a_push_to_a_citizen_not_known_yet_creates_them_and_queues_nothing(client, auth_headers):
    from burgerprofiel.citizens.models import Citizen

    response = _post(client, auth_headers, {**VALID, "insz": THIRD_INSZ})
    assert response.status_code == 202 and response.json()["deliveries"] == []
    assert Notification.objects.get(pk=response.json()["id"]).citizen == Citizen.objects.get()


def test_a_push_after_the_kept_order_ran_out_is_refused_and_stores_nothing(client, agency, auth_headers, monkeypatch):
    # The order ends without a new version (its end date passes): the kept order is checked against
    # today on every push, and the refusal is decided on a fresh read.
    import datetime as dt

    from django.utils import timezone

    from burgerprofiel.agencies.models import ProcessingOrderVersion

    today = timezone.localdate()
    ProcessingOrderVersion.objects.filter(order_id=agency.order_id).update(valid_until=today)
    citizen_with_contact()
    assert _post(client, auth_headers, VALID).status_code == 202  # the client and its order are kept
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: today + dt.timedelta(days=1))

    assert_problem(_post(client, auth_headers, VALID), 403, "order-expired")
    assert Notification.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "body", "reason"),
    [
        ({"components": ["dosis"], "data_categories": None}, VALID, "component-not-ordered"),
        ({"data_categories": {"notificaties": ["insz", "ipdc_product"]}}, VALID, None),
        (
            {"data_categories": {"notificaties": ["insz", "ipdc_product", "boodschap"]}},
            {**VALID, "dossier_id": "D-1"},
            None,
        ),
    ],
    ids=["component", "base-category", "optional-category"],
)
def test_a_push_after_the_kept_order_lost_a_component_or_category_is_refused(
    client, agency, auth_headers, change, body, reason
):
    from burgerprofiel.agencies.models import ProcessingOrder
    from burgerprofiel.agencies.services import processing_order_change
    from burgerprofiel.conftest import TEST_ACTOR

    citizen = citizen_with_contact()
    consent(citizen, agency.agency_id, "email")
    assert _post(client, auth_headers, {**VALID, "dossier_id": "D-0"}).status_code == 202  # kept
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    if change.get("data_categories", {}) is None:  # the component goes, and its categories with it
        categories = dict(order.versions.order_by("-number").first().data_categories)
        change = {**change, "data_categories": {k: v for k, v in categories.items() if k != "notificaties"}}
    processing_order_change(order=order, actor=TEST_ACTOR, note="", **change)

    refused = _post(client, auth_headers, body)
    assert refused.status_code == 403, refused.content
    if reason:
        assert refused.json()["reason"] == reason
    assert Notification.objects.count() == 1 and Delivery.objects.count() == 1


def test_a_push_after_a_consent_was_withdrawn_queues_nothing_for_that_channel(client, agency, auth_headers):
    from burgerprofiel.preferences.models import Channel

    citizen = citizen_with_contact()
    consent(citizen, agency.agency_id, Channel.EMAIL)
    assert _post(client, auth_headers, VALID).json()["deliveries"][0]["channel"] == "email"
    consent(citizen, agency.agency_id, Channel.EMAIL, granted=False)

    assert _post(client, auth_headers, VALID).json()["deliveries"] == []
    assert Delivery.objects.count() == 1
