"""End to end over real servers: agency push → melding in the portal → e-mail at aiosmtpd / SMS at the
SMPP centre → status delivered → signed receipt for the agency. Addresses are verified the real way:
the link (or code) is read from what the server received."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from joserfc import jwt
from joserfc.jwk import KeySet

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conftest import login_citizen
from burgerprofiel.notifications.models import Delivery, Notification
from burgerprofiel.notifications.tests.factories import INSZ, PRODUCT
from burgerprofiel.preferences import consent_texts

pytestmark = pytest.mark.django_db

MESSAGE = "Uw aanvraag voor het schoolbudget is goedgekeurd. Bedrag: 130 euro."


def _push(client, headers, capture, **extra):
    body = {"insz": INSZ, "message": MESSAGE, "ipdc_product": PRODUCT, **extra}
    with capture(execute=True):
        response = client.post("/api/v1/notifications", json.dumps(body), content_type="application/json", **headers)
    assert response.status_code == 202, response.content
    return response.json()


def _grant(portal: Client, agency_id: int, channel: str) -> None:
    response = portal.post(
        "/contactvoorkeuren/toestemming",
        {
            "agency": agency_id,
            "ipdc_product": PRODUCT,
            "channel": channel,
            "granted": "1",
            "text_version": consent_texts.CURRENT_VERSION,
        },
    )
    assert response.status_code == 302


def _verify_receipt(client, agency, auth_headers, notification_id: str, channel: str) -> dict:
    response = client.get("/api/v1/notifications/receipts", **auth_headers)
    assert response.status_code == 200
    receipts = [r for r in response.json() if r["notification_id"] == notification_id and r["channel"] == channel]
    assert len(receipts) == 1
    keys = KeySet.import_key_set(client.get("/oauth/jwks").json())
    claims = jwt.decode(receipts[0]["receipt"], keys).claims
    assert claims["notification_id"] == notification_id
    assert claims["agency_id"] == agency.agency_id
    return claims


def test_an_email_notification_travels_from_push_to_smtp_server_to_signed_receipt(
    client, agency, auth_headers, smtp_server, django_capture_on_commit_callbacks
):
    portal = Client()
    login_citizen(portal, INSZ)
    with django_capture_on_commit_callbacks(execute=True):
        assert portal.post("/contactvoorkeuren/e-mail", {"email": "an.peeters@example.org"}).status_code == 302
    [verification_mail] = smtp_server.sink.messages
    link = re.search(
        r"http\S+/contactvoorkeuren/e-mail/bevestigen/\S+", verification_mail.get_body(("plain",)).get_content()
    )
    assert link is not None
    path = link.group(0).split("127.0.0.1:8000", 1)[-1]
    assert portal.get(path).status_code == 200  # a page with a button: link scanners confirm nothing
    assert portal.post(path).status_code == 302
    _grant(portal, agency.agency_id, "email")

    accepted = _push(client, auth_headers, django_capture_on_commit_callbacks, dossier_id="GP-2026-001")

    mail = smtp_server.sink.messages[-1]
    delivery = Delivery.objects.get(notification_id=accepted["id"])
    assert mail["To"] == "an.peeters@example.org"
    assert mail["Message-ID"] == f"<{delivery.pk}@burgerprofiel.example>"
    assert mail["Subject"] == "Nieuw bericht van Agentschap Opgroeien in Mijn Burgerprofiel"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http\S+/contactvoorkeuren/uitschrijven/\S+>", str(mail["List-Unsubscribe"]))
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"/meldingen/{accepted['id']}" in text and f"/meldingen/{accepted['id']}" in html
    for secret in ("130 euro", "schoolbudget", INSZ, "GP-2026-001"):  # no personal detail in the mail
        assert secret not in mail.as_string()

    status = client.get(f"/api/v1/notifications/{accepted['id']}", **auth_headers).json()
    assert [(d["channel"], d["status"]) for d in status["deliveries"]] == [("email", "delivered")]
    claims = _verify_receipt(client, agency, auth_headers, accepted["id"], "email")
    assert claims["status"] == "delivered" and claims["delivery_id"] == str(delivery.pk)

    page = portal.get("/meldingen")
    assert page.status_code == 200 and "Agentschap Opgroeien" in page.content.decode()
    assert portal.get(f"/meldingen/{accepted['id']}").content.decode().count(MESSAGE) == 1
    delivery.refresh_from_db()
    assert delivery.recipient is None  # the address is not kept once the send is final
    assert AuditEvent.objects.filter(action="notification.created", object_id=accepted["id"]).count() == 1


def test_one_click_unsubscribe_withdraws_the_consent_the_mail_was_sent_under(
    client, agency, auth_headers, smtp_server, django_capture_on_commit_callbacks
):
    from burgerprofiel.notifications.tests.factories import citizen_with_contact, consent
    from burgerprofiel.preferences.models import Consent, ConsentEvent

    citizen = citizen_with_contact()
    consent(citizen, agency.agency_id, "email")
    _push(client, auth_headers, django_capture_on_commit_callbacks)
    url = str(smtp_server.sink.messages[-1]["List-Unsubscribe"]).strip("<>")
    path = url.split("127.0.0.1:8000", 1)[-1]
    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert Consent.objects.get(citizen=citizen, channel="email").granted is False
    assert ConsentEvent.objects.filter(citizen=citizen).last().method == ConsentEvent.Method.ONE_CLICK
    _push(client, auth_headers, django_capture_on_commit_callbacks)
    assert len(smtp_server.sink.messages) == 1  # nothing more once withdrawn


def test_an_sms_notification_travels_from_push_to_smpp_centre_to_signed_receipt(
    client, agency, auth_headers, smsc, django_capture_on_commit_callbacks
):
    portal = Client()
    login_citizen(portal, INSZ)
    with django_capture_on_commit_callbacks(execute=True):
        assert portal.post("/contactvoorkeuren/gsm", {"mobile": "0470 12 34 56"}).status_code == 302
    [code_sms] = smsc.wait_for(1)
    assert code_sms["to"] == "32470123456"
    code = re.search(r"\b(\d{6})\b", code_sms["text"]).group(1)
    assert portal.post("/contactvoorkeuren/gsm/bevestigen", {"code": code}).status_code == 302
    _grant(portal, agency.agency_id, "sms")

    accepted = _push(client, auth_headers, django_capture_on_commit_callbacks)

    sms = smsc.wait_for(2)[-1]
    assert sms["to"] == "32470123456"
    assert "Agentschap Opgroeien" in sms["text"] and "/meldingen" in sms["text"]
    assert "130 euro" not in sms["text"]
    delivery = Delivery.objects.get(notification_id=accepted["id"])
    assert delivery.status == "delivered" and delivery.provider_reference == sms["message_id"]
    claims = _verify_receipt(client, agency, auth_headers, accepted["id"], "sms")
    assert claims["status"] == "delivered"
    assert Notification.objects.get(pk=accepted["id"]).citizen.pk == Delivery.objects.get(pk=delivery.pk).citizen_id
