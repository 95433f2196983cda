"""Notifications against the live platform: push, campaign, NDJSON bulk, status, receipts; typed errors."""

from __future__ import annotations

import time
import uuid

import pytest

from burgerprofiel_client import AgencyClient, Forbidden, NotFound, ProofError, ValidationFailed
from burgerprofiel_client.models import Notification
from conftest import Onboarded
from live_platform import MailSink, Platform, valid_insz


def melding(n: int, message: str = "Uw aanvraag werd goedgekeurd.") -> Notification:
    return Notification(insz=valid_insz(1000 + n), message=message, ipdc_product="1234")


def test_a_pushed_notification_is_accepted_and_its_status_readable(client: AgencyClient) -> None:
    accepted = client.notifications.push(melding(1))

    status = client.notifications.status(accepted.id)

    assert status.id == accepted.id
    assert status.ipdc_product == "1234"
    assert not status.read


def test_a_campaign_reaches_every_recipient(client: AgencyClient) -> None:
    recipients = [valid_insz(2000 + i) for i in range(5)]

    result = client.notifications.push_campaign(
        recipients=recipients, message="De premie wordt uitbetaald.", ipdc_product="1234", max_items=2
    )

    assert (result.count, result.requests) == (5, 3)
    assert len(set(result.ids)) == 5


def test_an_ndjson_bulk_is_cut_under_the_body_limit(client: AgencyClient) -> None:
    items = [melding(3000 + i, message="x" * 300) for i in range(6)]

    result = client.notifications.push_bulk(iter(items), max_bytes=1000)

    assert result.count == 6
    assert result.requests == 3  # three lines of ~380 bytes per 1000-byte body would not fit; two do


def test_an_invalid_insz_is_a_validation_problem_naming_the_field(client: AgencyClient) -> None:
    with pytest.raises(ValidationFailed) as refused:
        client.notifications.push(Notification(insz="12345678901", message="x", ipdc_product="1"))

    problem = refused.value.problem
    assert problem.status == 422
    assert problem.code == "validation-error"
    assert [e.field for e in problem.errors] == ["insz"]
    assert problem.request_id is not None
    assert refused.value.response is not None
    assert refused.value.response.headers["X-Request-ID"] == problem.request_id


def test_an_unknown_notification_is_not_found(client: AgencyClient) -> None:
    with pytest.raises(NotFound) as refused:
        client.notifications.status(uuid.uuid4())

    assert refused.value.problem.title


def test_another_agencys_notification_is_not_found(client: AgencyClient, jwt_client: AgencyClient) -> None:
    accepted = client.notifications.push(melding(4))

    with pytest.raises(NotFound):
        jwt_client.notifications.status(accepted.id)


def test_a_component_outside_the_order_is_forbidden_and_says_what_is_missing(jwt_client: AgencyClient) -> None:
    with pytest.raises(Forbidden) as refused:
        jwt_client.agency.order_check("attesten")

    assert refused.value.problem.code == "component-not-ordered"
    assert refused.value.problem.extra["missing"] == ["attesten"]


CONTACT = """
import json
from django.utils import timezone
from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.preferences import consent_texts
from burgerprofiel.preferences.models import ConsentEvent, ContactPreference
from burgerprofiel.preferences.services import consent_set

citizen = citizen_get_or_create(insz=INSZ)
preference, _ = ContactPreference.objects.get_or_create(citizen=citizen)
preference.email, preference.email_verified_at = "burger@example.org", timezone.now()
preference.save()
consent_set(
    citizen=citizen, agency=Agency.objects.get(pk=AGENCY), ipdc_product="1234", channel="email", granted=True,
    text_version=consent_texts.CURRENT_VERSION, method=ConsentEvent.Method.PORTAL, actor=cli_actor("client-tests"),
)
print("RESULT", json.dumps({"citizen": citizen.pk}))
"""


def test_a_delivered_e_mail_yields_a_receipt_signed_by_the_platform(
    client: AgencyClient, platform: Platform, secret_agency: Onboarded, mail: MailSink
) -> None:
    insz = valid_insz(5555)
    platform.shell(CONTACT.replace("INSZ", repr(insz)).replace("AGENCY", str(secret_agency.agency_id)))
    before = [r.id for r in client.notifications.receipts(limit=1000)]

    accepted = client.notifications.push(Notification(insz=insz, message="Uw attest is klaar.", ipdc_product="1234"))
    deadline = time.monotonic() + 30
    while not (mine := [r for r in client.notifications.iter_receipts() if r.notification_id == accepted.id]):
        assert time.monotonic() < deadline, "no receipt within 30 s"
        time.sleep(0.25)

    [receipt] = mine
    assert receipt.id not in before
    assert (receipt.channel, receipt.status) == ("email", "delivered")
    claims = client.notifications.verify_receipt(receipt)
    assert claims["notification_id"] == str(accepted.id)
    assert "burger@example.org" in mail.recipients
    tampered = receipt.model_copy(update={"status": "failed"})
    with pytest.raises(ProofError):
        client.notifications.verify_receipt(tampered)
