"""Standard Webhooks verification, with deliveries signed by the ``standardwebhooks`` package itself
(the platform's webhooks are not built yet; it signs with the same package)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from typing import Any

import pytest
from pydantic import BaseModel
from standardwebhooks import Webhook

from burgerprofiel_client.webhooks import WebhookEvent, WebhookVerificationFailed, WebhookVerifier, register_event_type


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


def delivery(
    secret: str, body: dict[str, Any], *, at: dt.datetime | None = None, msg_id: str = "msg_1"
) -> tuple[bytes, dict[str, str]]:
    """A delivery as the platform sends it: raw body and the three Standard Webhooks headers."""
    raw = json.dumps(body)
    moment = at or dt.datetime.now(dt.UTC)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, moment, raw),
    }
    return raw.encode(), headers


EVENT = {
    "id": "evt_01",
    "type": "foutmelding.ingediend",
    "time": "2026-11-30T10:00:00Z",
    "sequence": 1,
    "data": {"report_id": 7, "item_id": "gezin"},
}


def test_a_genuine_delivery_verifies_and_reads_as_an_event() -> None:
    secret = new_secret()
    body, headers = delivery(secret, EVENT)

    event = WebhookVerifier(secret).verify(body, headers)

    assert (event.id, event.type, event.sequence) == ("evt_01", "foutmelding.ingediend", 1)
    assert event.time == dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC)
    assert event.data == {"report_id": 7, "item_id": "gezin"}


def test_headers_are_read_whatever_their_case() -> None:
    secret = new_secret()
    body, headers = delivery(secret, EVENT)

    event = WebhookVerifier(secret).verify(body, {k.title(): v for k, v in headers.items()})

    assert event.id == "evt_01"


def test_a_forged_signature_is_refused() -> None:
    body, headers = delivery(new_secret(), EVENT)

    with pytest.raises(WebhookVerificationFailed):
        WebhookVerifier(new_secret()).verify(body, headers)


def test_a_body_changed_after_signing_is_refused() -> None:
    secret = new_secret()
    body, headers = delivery(secret, EVENT)

    with pytest.raises(WebhookVerificationFailed):
        WebhookVerifier(secret).verify(body.replace(b'"report_id": 7', b'"report_id": 8'), headers)


def test_a_delivery_older_than_five_minutes_is_refused_as_a_replay() -> None:
    secret = new_secret()
    body, headers = delivery(secret, EVENT, at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5, seconds=10))

    with pytest.raises(WebhookVerificationFailed, match="too old"):
        WebhookVerifier(secret).verify(body, headers)


def test_a_delivery_just_within_the_tolerance_verifies() -> None:
    secret = new_secret()
    body, headers = delivery(secret, EVENT, at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=4, seconds=50))

    assert WebhookVerifier(secret).verify(body, headers).id == "evt_01"


def test_during_a_rotation_either_secret_verifies() -> None:
    old, new = new_secret(), new_secret()
    verifier = WebhookVerifier([new, old])

    assert verifier.verify(*delivery(old, EVENT)).id == "evt_01"
    assert verifier.verify(*delivery(new, EVENT)).id == "evt_01"


def test_a_delivery_signed_by_both_secrets_verifies_with_the_new_one_alone() -> None:
    old, new = new_secret(), new_secret()
    body, headers = delivery(old, EVENT)
    moment = dt.datetime.fromtimestamp(int(headers["webhook-timestamp"]), dt.UTC)
    headers["webhook-signature"] += " " + Webhook(new).sign(headers["webhook-id"], moment, body.decode())

    assert WebhookVerifier(new).verify(body, headers).id == "evt_01"


def test_missing_or_malformed_headers_are_refused_not_crashing() -> None:
    secret = new_secret()
    body, headers = delivery(secret, EVENT)

    for broken in ({}, {**headers, "webhook-signature": "garbage"}, {**headers, "webhook-timestamp": "soon"}):
        with pytest.raises(WebhookVerificationFailed):
            WebhookVerifier(secret).verify(body, broken)


def test_an_unknown_event_type_passes_through_as_a_generic_event() -> None:
    secret = new_secret()
    body, headers = delivery(secret, {**EVENT, "type": "iets.nieuws", "object": "x/1"})

    event = WebhookVerifier(secret).verify(body, headers)

    assert type(event) is WebhookEvent
    assert event.type == "iets.nieuws"
    assert event.model_extra == {"object": "x/1"}


def test_a_registered_event_type_reads_as_its_typed_model() -> None:
    class PaymentData(BaseModel):
        payment_id: str
        state: str

    @register_event_type("test.betaling.gewijzigd")
    class PaymentChanged(WebhookEvent):
        data: PaymentData

    secret = new_secret()
    body, headers = delivery(
        secret, {**EVENT, "type": "test.betaling.gewijzigd", "data": {"payment_id": "p1", "state": "success"}}
    )

    event = WebhookVerifier(secret).verify(body, headers)

    assert isinstance(event, PaymentChanged)
    assert event.data.state == "success"


def test_a_signed_body_that_is_no_envelope_is_refused() -> None:
    secret = new_secret()
    body, headers = delivery(secret, {"hello": "world"})

    with pytest.raises(WebhookVerificationFailed, match="no event envelope"):
        WebhookVerifier(secret).verify(body, headers)
