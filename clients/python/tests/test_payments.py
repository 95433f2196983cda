"""Payments against the live platform: a payment request made through the client, paid by the citizen
at the platform's FAKE Mollie checkout, its status read back, part of it refunded, the day's CSV."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sys
import uuid

import httpx
import pytest

from burgerprofiel_client import AgencyClient, Conflict, Forbidden, NotFound, ValidationFailed
from burgerprofiel_client.models import PaymentRequest
from burgerprofiel_client.webhooks import WebhookEvent
from live_platform import Platform, valid_insz
from test_service_requests import DEMO_AGENCY

IBAN = "BE71096123456769"
CHECKOUT = """
import json
from burgerprofiel.audit.actors import citizen_actor
from burgerprofiel.citizens.selectors import citizen_by_insz
from burgerprofiel.payments.services import payment_checkout_start

citizen = citizen_by_insz(insz=INSZ)
url = payment_checkout_start(citizen=citizen, payment_id=PAYMENT, return_url="http://127.0.0.1:9/terug",
                             actor=citizen_actor(citizen))
print("RESULT", json.dumps({"checkout": url}))
"""


def _request(insz: str, **changes: object) -> PaymentRequest:
    fields: dict[str, object] = {
        "insz": insz,
        "amount_cents": 4250,
        "description": "Retributie omgevingsvergunning",
        "due_date": dt.date.today() + dt.timedelta(days=30),
        "creditor_iban": IBAN,
        "dossier_id": "OMV-CLIENT-0001",
    }
    return PaymentRequest.model_validate({**fields, **changes})


def test_a_payment_request_is_made_paid_at_the_checkout_read_back_and_partly_refunded(
    client: AgencyClient, platform: Platform
) -> None:
    insz = valid_insz(8201)
    key = f"client-payment-{uuid.uuid4()}"
    made = client.payments.create(_request(insz), idempotency_key=key)
    assert (made.status, made.amount_cents, made.currency, made.dossier_id) == (
        "created",
        4250,
        "EUR",
        "OMV-CLIENT-0001",
    )
    assert made.structured_reference.startswith("+++") and not made.final
    assert client.payments.create(_request(insz), idempotency_key=key).id == made.id  # a retry acts once
    assert client.payments.get(made.id) == made
    assert made.id in [p.id for p in client.payments.iter_all(status="created", page_size=1)]

    code = CHECKOUT.replace("INSZ", repr(insz)).replace("PAYMENT", repr(str(made.id)))
    checkout = platform.shell(code)["checkout"]
    assert client.payments.get(made.id).status == "started"
    # The citizen pays at the fake checkout; it calls the platform's provider webhook, as Mollie does.
    chosen = httpx.post(checkout, data={"method": "bancontact", "outcome": "paid"}, follow_redirects=False)
    assert chosen.status_code == 303

    paid = client.payments.wait_for_final(made.id, timeout=30, interval=0.2)
    assert (paid.status, paid.paid, paid.method) == ("success", True, "bancontact")
    assert paid.paid_at is not None and paid.fee_cents > 0
    assert made.id in [p.id for p in client.payments.list(status="success")]

    refund = client.payments.refund(made.id, 1000, description="Te veel aangerekend")
    assert (refund.amount_cents, refund.status) == (1000, "submitted")  # sent to the provider
    assert [r.id for r in client.payments.get(made.id).refunds] == [refund.id]
    with pytest.raises(ValidationFailed):
        client.payments.refund(made.id, 4000)  # more than was paid and not yet refunded
    csv = client.payments.reconciliation(dt.date.today())
    assert paid.structured_reference in csv or paid.structured_reference.strip("+").replace("/", "") in csv


def test_a_structured_reference_used_before_is_a_conflict(client: AgencyClient) -> None:
    reference = "+++090/9337/55493+++"
    client.payments.create(_request(valid_insz(8202), structured_reference=reference))
    with pytest.raises(Conflict):
        client.payments.create(_request(valid_insz(8203), structured_reference=reference))


def test_an_unknown_payment_is_not_found_and_an_agency_without_betalingen_is_refused(
    client: AgencyClient, jwt_client: AgencyClient
) -> None:
    with pytest.raises(NotFound):
        client.payments.get(uuid.uuid4())
    with pytest.raises(Forbidden):
        jwt_client.payments.list()


def test_a_bad_payment_request_is_refused_before_it_is_sent() -> None:
    with pytest.raises(ValueError):
        _request(valid_insz(8204), amount_cents=0)
    assert json.loads(json.dumps(_request(valid_insz(8204)).wire()))["due_date"]


def test_the_demo_agency_asks_for_its_payment_once_and_reads_its_status_on_the_webhook(client: AgencyClient) -> None:
    """examples/demo_agency: the payment request it makes at start, and what it does on a payment's webhook."""
    sys.path.insert(0, str(DEMO_AGENCY))
    try:
        demo = importlib.import_module("app")
    finally:
        sys.path.remove(str(DEMO_AGENCY))
    state = demo.State()
    demo.request_payment(client, state=state)
    demo.request_payment(client, state=state)  # a restart: the same key, the same request
    mine = [p for p in client.payments.iter_all() if p.structured_reference == demo.DEMO_PAYMENT_REFERENCE]
    assert [(p.amount_cents, p.dossier_id, p.status) for p in mine] == [(4250, "OMV-2026-0142", "created")]
    assert "aangemaakt" in state.pushed[0]

    event = WebhookEvent(
        id="evt_payment", type="betaling.status_gewijzigd", time=dt.datetime.now(dt.UTC),
        data={"payment_id": str(mine[0].id), "status": "created"},
    )  # fmt: skip
    demo.read_payment(client, state=state, event=event)
    assert state.pushed[-1].endswith(f"betaling {mine[0].id} gelezen via de API: status created")
