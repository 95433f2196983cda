"""The betalingen API and the provider's webhook: requests, states, refunds, isolation, bad input."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from stdnum.be import ogm_vcs

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.conftest import OnboardedAgency, bearer, make_agency
from burgerprofiel.payments.fake.mollie import FakeMollie
from burgerprofiel.payments.models import Payment, PaymentStatus, Refund
from burgerprofiel.payments.services import payment_checkout_start
from burgerprofiel.payments.tests.support import INSZ, checkout_choose, payment_body
from burgerprofiel.webhooks.models import Event

pytestmark = pytest.mark.django_db


def _create(client: Client, headers: dict[str, str], **overrides: Any) -> Any:
    return client.post("/api/v1/payments", payment_body(**overrides), content_type="application/json", **headers)


def _events(payment_id: str) -> list[dict[str, Any]]:
    return [json.loads(e.body) for e in Event.objects.filter(object_id=payment_id).order_by("sequence")]


def _started(client: Client, headers: dict[str, str]) -> Payment:
    """A payment whose citizen opened the checkout at the fake provider."""
    from burgerprofiel.audit.actors import citizen_actor

    payment = Payment.objects.get(pk=_create(client, headers).json()["id"])
    payment_checkout_start(
        citizen=payment.citizen,
        payment_id=payment.pk,
        return_url="http://testserver/betalingen/terug",
        actor=citizen_actor(payment.citizen),
    )
    payment.refresh_from_db()
    return payment


def _webhook(client: Client, provider_id: str, **extra: str) -> Any:
    return client.post("/betaaldienst/webhook", {"id": provider_id, **extra})


def _paid(client: Client, headers: dict[str, str]) -> Payment:
    payment = _started(client, headers)
    assert checkout_choose(payment.checkout_url, "paid").status_code == 303
    assert _webhook(client, payment.provider_payment_id).status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS
    return payment


# -- creating ------------------------------------------------------------------------------------


def test_a_payment_request_gets_a_valid_generated_ogm_and_a_created_event(
    client: Client, pay_headers: dict[str, str]
) -> None:
    response = _create(client, pay_headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "created" and body["amount_cents"] == 2550
    assert ogm_vcs.is_valid(body["structured_reference"]) and body["structured_reference"].startswith("+++")
    payment = Payment.objects.get(pk=body["id"])
    assert payment.citizen == Citizen.objects.get(pk=payment.citizen_id)
    events = _events(body["id"])
    assert [(e["type"], e["data"]["status"]) for e in events] == [("betaling.status_gewijzigd", "created")]
    created = AuditEvent.objects.get(action="payment.created")
    assert (created.object_type, created.object_id) == ("citizens.Citizen", str(payment.citizen_id))
    assert created.detail["payment"] == body["id"]


def test_a_given_ogm_is_kept_when_it_is_valid(client: Client, pay_headers: dict[str, str]) -> None:
    response = _create(client, pay_headers, structured_reference="+++010/8068/17183+++")
    assert response.status_code == 201, response.content
    assert response.json()["structured_reference"] == "+++010/8068/17183+++"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"structured_reference": "+++010/8068/17180+++"}, "structured_reference"),
        ({"insz": "85073003329"}, "insz"),
        ({"insz": "85O73OO3328"}, "insz"),  # letters O for zeros: the documented pattern refuses it
        ({"amount_cents": 0}, "amount_cents"),
        ({"amount_cents": "twintig"}, "amount_cents"),
        ({"due_date": "2001-01-01"}, "due_date"),
        ({"creditor_iban": "BE71096123456760"}, "creditor_iban"),
        ({"description": ""}, "description"),
        ({"colour": "blauw"}, "colour"),
    ],
)
def test_bad_input_is_a_problem_and_stores_nothing(
    client: Client, pay_headers: dict[str, str], overrides: dict[str, Any], field: str
) -> None:
    response = _create(client, pay_headers, **overrides)
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    named = {problem.get("field")} | {e.get("field") for e in problem.get("errors", [])}
    assert field in named
    assert not Payment.objects.exists() and not Event.objects.exists()
    assert not Citizen.objects.exists()


def test_an_ogm_used_before_by_the_agency_is_a_conflict(client: Client, pay_headers: dict[str, str]) -> None:
    assert _create(client, pay_headers, structured_reference="010806817183").status_code == 201
    again = _create(client, pay_headers, structured_reference="+++010/8068/17183+++")
    assert again.status_code == 409 and again["Content-Type"].startswith("application/problem+json")
    assert Payment.objects.count() == 1


def test_an_agency_without_betalingen_is_refused_403(client: Client, db: Any) -> None:
    agency = make_agency(components="notificaties")
    response = _create(client, bearer(client, agency))
    assert response.status_code == 403 and response.json()["reason"] == "component-not-ordered"
    assert not Payment.objects.exists()


def test_a_retried_request_with_the_same_idempotency_key_creates_one_payment(
    client: Client, pay_headers: dict[str, str]
) -> None:
    first = _create(client, {**pay_headers, "HTTP_IDEMPOTENCY_KEY": "betaling-42"})
    second = _create(client, {**pay_headers, "HTTP_IDEMPOTENCY_KEY": "betaling-42"})
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Payment.objects.count() == 1 and Event.objects.count() == 1


# -- reading and isolation -----------------------------------------------------------------------


def test_another_agencys_payment_answers_404(
    client: Client, pay_headers: dict[str, str], other_pay_agency: OnboardedAgency
) -> None:
    payment_id = _create(client, pay_headers).json()["id"]
    other = bearer(client, other_pay_agency)
    assert client.get(f"/api/v1/payments/{payment_id}", **other).status_code == 404
    refund = client.post(
        f"/api/v1/payments/{payment_id}/refunds", {"amount_cents": 1}, content_type="application/json", **other
    )
    assert refund.status_code == 404 and refund["Content-Type"].startswith("application/problem+json")
    assert client.get("/api/v1/payments", **other).json() == []
    assert client.get(f"/api/v1/payments/{payment_id}", **pay_headers).status_code == 200


def test_reading_a_payment_is_audited(client: Client, pay_headers: dict[str, str]) -> None:
    payment_id = _create(client, pay_headers).json()["id"]
    client.get(f"/api/v1/payments/{payment_id}", **pay_headers)
    read = AuditEvent.objects.get(action="payment.read")
    assert read.detail == {"payment": payment_id} and read.object_type == "citizens.Citizen"


# -- the provider's word -------------------------------------------------------------------------


def test_a_forged_webhook_leaves_the_payment_open(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie
) -> None:
    payment = _started(client, pay_headers)
    assert payment.status == PaymentStatus.STARTED
    # The body says paid; the provider, asked, says open.
    response = _webhook(client, payment.provider_payment_id, status="paid", amount="25.50")
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.STARTED
    assert [e["data"]["status"] for e in _events(str(payment.pk))] == ["created", "started"]


def test_a_provider_that_reports_another_amount_puts_the_payment_in_error_never_success(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie
) -> None:
    payment = _started(client, pay_headers)
    checkout_choose(payment.checkout_url, "paid")
    fake_mollie.store.payments[payment.provider_payment_id]["amount"]["value"] = "0.01"
    _webhook(client, payment.provider_payment_id)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.ERROR and payment.paid_at is None


def test_an_unreachable_provider_answers_503_so_the_webhook_comes_again(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie, settings: Any
) -> None:
    payment = _started(client, pay_headers)
    settings.MOLLIE_API_ENDPOINT = "http://127.0.0.1:9"  # nothing listens on the discard port
    assert _webhook(client, payment.provider_payment_id).status_code == 503
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.STARTED


def test_a_webhook_for_an_unknown_payment_changes_nothing(client: Client, fake_mollie: FakeMollie) -> None:
    assert _webhook(client, "tr_unknown123").status_code == 200
    assert _webhook(client, "tr_<script>").status_code == 400
    assert not Event.objects.exists()


def test_the_provider_says_paid_and_a_double_webhook_acts_once(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie
) -> None:
    payment = _paid(client, pay_headers)
    assert _webhook(client, payment.provider_payment_id).status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS and payment.fee_cents == 39
    assert payment.provider_method == "bancontact"
    assert [e["data"]["status"] for e in _events(str(payment.pk))] == ["created", "started", "success"]
    assert AuditEvent.objects.filter(action="payment.status_changed", object_id=str(payment.pk)).count() == 2


@pytest.mark.parametrize(
    ("outcome", "reason"), [("failed", "rejected"), ("canceled", "cancelled"), ("expired", "expired")]
)
def test_a_failed_checkout_fails_the_payment_with_its_reason_for_good(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie, outcome: str, reason: str
) -> None:
    payment = _started(client, pay_headers)
    checkout_choose(payment.checkout_url, outcome)
    _webhook(client, payment.provider_payment_id)
    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == (PaymentStatus.FAILED, reason)
    with pytest.raises(Exception, match="niet meer online"):
        payment_checkout_start(
            citizen=payment.citizen, payment_id=payment.pk, return_url="http://testserver/x", actor=_citizen(payment)
        )


def _citizen(payment: Payment) -> Any:
    from burgerprofiel.audit.actors import citizen_actor

    return citizen_actor(payment.citizen)


def test_a_double_click_makes_one_checkout(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie
) -> None:
    payment = _started(client, pay_headers)
    again = payment_checkout_start(
        citizen=payment.citizen, payment_id=payment.pk, return_url="http://testserver/x", actor=_citizen(payment)
    )
    assert again == payment.checkout_url
    assert len(fake_mollie.store.payments) == 1


def test_a_lost_webhook_is_made_good_by_the_periodic_check(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie
) -> None:
    import datetime as dt

    import time_machine

    from burgerprofiel.payments.tasks import payments_stale_sync_task

    payment = _started(client, pay_headers)
    checkout_choose(payment.checkout_url, "paid")  # and the provider's webhook never arrives
    assert payments_stale_sync_task.call()["checked"] == 0  # not stale yet: the webhook may still come
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        assert payments_stale_sync_task.call() == {"checked": 1, "unreachable": 0}
        assert payments_stale_sync_task.call() == {"checked": 0, "unreachable": 0}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS
    moved = AuditEvent.objects.get(action="payment.status_changed", detail__to="success")
    assert moved.actor_id == "betalingen:periodieke-controle"


# -- refunds -------------------------------------------------------------------------------------


def test_a_refund_above_what_was_paid_is_refused(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie
) -> None:
    payment = _paid(client, pay_headers)
    url = f"/api/v1/payments/{payment.pk}/refunds"
    first = client.post(url, {"amount_cents": 2000}, content_type="application/json", **pay_headers)
    assert first.status_code == 201, first.content
    over = client.post(url, {"amount_cents": 551}, content_type="application/json", **pay_headers)
    assert over.status_code == 422 and over.json()["type"].endswith("/refund-exceeds-paid")
    assert over.json()["refundable_cents"] == 550
    assert Refund.objects.count() == 1
    assert len(fake_mollie.store.refunds[payment.provider_payment_id]) == 1


def test_a_retried_refund_with_the_same_idempotency_key_refunds_once(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie
) -> None:
    payment = _paid(client, pay_headers)
    url = f"/api/v1/payments/{payment.pk}/refunds"
    headers = {**pay_headers, "HTTP_IDEMPOTENCY_KEY": "terugbetaling-1"}
    first = client.post(url, {"amount_cents": 1000}, content_type="application/json", **headers)
    second = client.post(url, {"amount_cents": 1000}, content_type="application/json", **headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Refund.objects.count() == 1 and len(fake_mollie.store.refunds[payment.provider_payment_id]) == 1


def test_an_unpaid_payment_cannot_be_refunded(client: Client, pay_headers: dict[str, str]) -> None:
    payment_id = _create(client, pay_headers).json()["id"]
    response = client.post(
        f"/api/v1/payments/{payment_id}/refunds", {"amount_cents": 1}, content_type="application/json", **pay_headers
    )
    assert response.status_code == 409 and not Refund.objects.exists()


def test_a_refund_succeeds_when_the_provider_says_so(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie
) -> None:
    import time

    payment = _paid(client, pay_headers)
    refund_id = client.post(
        f"/api/v1/payments/{payment.pk}/refunds", {"amount_cents": 550}, content_type="application/json", **pay_headers
    ).json()["id"]
    assert Refund.objects.get(pk=refund_id).status == "submitted"
    time.sleep(0.2)  # the fake settles its refunds shortly after
    _webhook(client, payment.provider_payment_id)
    _webhook(client, payment.provider_payment_id)
    assert Refund.objects.get(pk=refund_id).status == "success"
    statuses = [json.loads(e.body)["data"]["status"] for e in Event.objects.filter(object_id=refund_id)]
    assert statuses == ["submitted", "success"]
    detail = client.get(f"/api/v1/payments/{payment.pk}", **pay_headers).json()
    assert detail["refunded_cents"] == 550 and detail["status"] == "success"


# -- reconciliation ------------------------------------------------------------------------------


def test_the_daily_reconciliation_lists_payments_refunds_and_fees(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie, other_pay_agency: OnboardedAgency
) -> None:
    payment = _paid(client, pay_headers)
    client.post(
        f"/api/v1/payments/{payment.pk}/refunds", {"amount_cents": 500}, content_type="application/json", **pay_headers
    )
    today = timezone.localdate().isoformat()
    response = client.get(f"/api/v1/payments/reconciliation?date={today}", **pay_headers)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode()), delimiter=";"))
    assert [(r["soort"], r["bedrag_cent"], r["kosten_cent"], r["netto_cent"]) for r in rows] == [
        ("betaling", "2550", "39", "2511"),
        ("terugbetaling", "-500", "0", "-500"),
    ]
    assert rows[0]["gestructureerde_mededeling"] == payment.structured_reference
    other = client.get(f"/api/v1/payments/reconciliation?date={today}", **bearer(client, other_pay_agency))
    assert other.content.decode().count("\r\n") == 1  # the header only: another agency's payments stay its own
    assert client.get("/api/v1/payments/reconciliation?date=gisteren", **pay_headers).status_code == 422


def test_a_dossier_id_that_looks_like_a_formula_is_defused_in_the_csv(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie
) -> None:
    payment = _paid(client, pay_headers)
    Payment.objects.filter(pk=payment.pk).update(dossier_id="=HYPERLINK(1)")
    today = timezone.localdate().isoformat()
    text = client.get(f"/api/v1/payments/reconciliation?date={today}", **pay_headers).content.decode()
    assert ";'=HYPERLINK(1);" in text


def test_the_payment_list_filters_by_status(client: Client, pay_headers: dict[str, str]) -> None:
    _create(client, pay_headers)
    assert len(client.get("/api/v1/payments?status=created", **pay_headers).json()) == 1
    assert client.get("/api/v1/payments?status=success", **pay_headers).json() == []
    assert client.get("/api/v1/payments?status=betaald", **pay_headers).status_code == 422


def test_the_insz_never_reaches_the_agencys_event(client: Client, pay_headers: dict[str, str]) -> None:
    _create(client, pay_headers)
    assert INSZ not in Event.objects.get().body


# -- retention -----------------------------------------------------------------------------------


def test_finished_payments_past_the_orders_retention_are_erased_with_audit_evidence(
    client: Client, pay_headers: dict[str, str], fake_mollie: FakeMollie
) -> None:
    import datetime as dt

    from burgerprofiel.payments.services import payments_purge_expired

    paid = _paid(client, pay_headers)
    client.post(
        f"/api/v1/payments/{paid.pk}/refunds", {"amount_cents": 100}, content_type="application/json", **pay_headers
    )
    still_open = Payment.objects.get(pk=_create(client, pay_headers).json()["id"])
    seven_years = timezone.now() + dt.timedelta(days=365 * 7 + 2)
    assert payments_purge_expired(now=timezone.now()) == 0
    assert payments_purge_expired(now=seven_years) == 1
    assert list(Payment.objects.all()) == [still_open] and not Refund.objects.exists()
    purged = AuditEvent.objects.get(action="payment.purged")
    assert purged.object_id == str(paid.pk) and purged.detail["retention_days"] == 365 * 7
