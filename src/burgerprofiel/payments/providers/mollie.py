"""The Mollie adapter, through the official ``mollie-api-python`` SDK.

Mollie's statuses map onto the platform's (GOV.UK Pay's) as follows: ``open`` → started (the
citizen has a checkout), ``pending`` and ``authorized`` → submitted, ``paid`` → success, ``failed``
→ failed (rejected), ``canceled`` → failed (cancelled), ``expired`` → failed (expired). A refund:
``queued``, ``pending``, ``processing`` → submitted, ``refunded`` → success, ``failed`` and
``canceled`` → error. Anything else Mollie may add later counts as submitted: never as success.

The SDK reaches ``MOLLIE_API_ENDPOINT`` (Mollie itself in production; the fake in ``payments/fake``
for tests and ``make run``). The SDK retries a call itself; each create carries an Idempotency-Key
(the platform's own id of the payment or refund), so a retry never pays or refunds twice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from mollie.api.client import Client
from mollie.api.error import Error as MollieError
from mollie.api.objects.payment import Payment as MolliePayment
from mollie.api.objects.refund import Refund as MollieRefund

from burgerprofiel.payments.providers.base import ProviderError, ProviderPayment, ProviderRefund

PAYMENT_STATUS: dict[str, tuple[str, str]] = {
    "open": ("started", ""),
    "pending": ("submitted", ""),
    "authorized": ("submitted", ""),
    "paid": ("success", ""),
    "failed": ("failed", "rejected"),
    "canceled": ("failed", "cancelled"),
    "expired": ("failed", "expired"),
}
REFUND_STATUS: dict[str, str] = {
    "queued": "submitted",
    "pending": "submitted",
    "processing": "submitted",
    "refunded": "success",
    "failed": "error",
    "canceled": "error",
}


def euro(cents: int) -> dict[str, str]:
    return {"currency": "EUR", "value": f"{Decimal(cents) / 100:.2f}"}


def cents(amount: Any) -> int:
    if not amount:
        return 0
    return int((Decimal(str(amount["value"])) * 100).to_integral_value())


class MollieProvider:
    name = "mollie"

    def __init__(self) -> None:
        self.client = Client(api_endpoint=settings.MOLLIE_API_ENDPOINT, timeout=(3, 10), retry=2)
        self.client.set_api_key(settings.MOLLIE_API_KEY)
        self.client.set_user_agent_component("Burgerprofiel", "1")

    def payment_create(
        self,
        *,
        amount_cents: int,
        description: str,
        redirect_url: str,
        webhook_url: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> ProviderPayment:
        data: dict[str, Any] = {
            "amount": euro(amount_cents),
            "description": description[:255],
            "redirectUrl": redirect_url,
            "webhookUrl": webhook_url,
            "locale": "nl_BE",
            "metadata": metadata,
        }
        if settings.PAYMENTS_METHODS:
            data["method"] = list(settings.PAYMENTS_METHODS)
        try:
            payment = self.client.payments.create(data, idempotency_key=idempotency_key)
        except MollieError as exc:
            raise ProviderError(f"De betaaldienst weigerde de betaling: {type(exc).__name__}.") from None
        return self._payment(payment)

    def payment_get(self, provider_payment_id: str) -> ProviderPayment:
        try:
            payment = self.client.payments.get(provider_payment_id, embed="refunds")
        except MollieError as exc:
            raise ProviderError(f"De betaaldienst gaf de betaling niet: {type(exc).__name__}.") from None
        return self._payment(payment)

    def refund_create(
        self, *, provider_payment_id: str, amount_cents: int, description: str, idempotency_key: str
    ) -> ProviderRefund:
        try:
            payment = MolliePayment({"id": provider_payment_id, "resource": "payment"}, self.client)
            refund = payment.refunds.create(
                {"amount": euro(amount_cents), "description": description[:140]}, idempotency_key=idempotency_key
            )
        except MollieError as exc:
            raise ProviderError(f"De betaaldienst weigerde de terugbetaling: {type(exc).__name__}.") from None
        return self._refund(refund)

    @staticmethod
    def _refund(refund: MollieRefund) -> ProviderRefund:
        return ProviderRefund(
            id=str(refund.id),
            amount_cents=cents(refund.amount),
            status=REFUND_STATUS.get(str(refund.status), "submitted"),
        )

    def _payment(self, payment: MolliePayment) -> ProviderPayment:
        status, reason = PAYMENT_STATUS.get(str(payment.status), ("submitted", ""))
        amount = cents(payment.amount)
        settled = payment.settlement_amount
        fee = max(amount - cents(settled), 0) if settled else 0
        embedded = (payment._get_property("_embedded") or {}).get("refunds") or []
        return ProviderPayment(
            id=str(payment.id),
            status=status,
            failure_reason=reason,
            amount_cents=amount,
            checkout_url=str(payment.checkout_url or ""),
            method=str(payment.method or ""),
            fee_cents=fee if status == "success" else 0,
            refunds=tuple(self._refund(MollieRefund(item, self.client)) for item in embedded),
        )
