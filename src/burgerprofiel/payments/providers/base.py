"""The adapter contract: a provider's payment and refund, in the platform's own words."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from burgerprofiel.common.errors import ApplicationError


class ProviderError(ApplicationError):
    """The provider could not be reached or refused the call; nothing was changed on our side."""

    code = "payment-provider-error"
    status = 502
    title = "Betaaldienst onbereikbaar"


@dataclass(frozen=True)
class ProviderRefund:
    id: str
    amount_cents: int
    status: str  # submitted | success | error (the platform's refund statuses)


@dataclass(frozen=True)
class ProviderPayment:
    """A payment as the provider knows it, mapped to the platform's states (GOV.UK Pay's)."""

    id: str
    status: str  # started | submitted | success | failed | error
    failure_reason: str = ""  # rejected | expired | cancelled when failed
    amount_cents: int = 0
    checkout_url: str = ""
    method: str = ""
    fee_cents: int = 0
    refunds: tuple[ProviderRefund, ...] = field(default_factory=tuple)


class PaymentProvider(Protocol):
    name: str

    def payment_create(
        self,
        *,
        amount_cents: int,
        description: str,
        redirect_url: str,
        webhook_url: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> ProviderPayment: ...

    def payment_get(self, provider_payment_id: str) -> ProviderPayment: ...

    def refund_create(
        self, *, provider_payment_id: str, amount_cents: int, description: str, idempotency_key: str
    ) -> ProviderRefund: ...


@functools.cache
def _provider_class(dotted: str) -> type:
    return import_string(dotted)  # type: ignore[no-any-return]


def provider_get() -> PaymentProvider:
    """The provider the settings name; a new instance per call (settings may change in tests)."""
    return _provider_class(settings.PAYMENTS_PROVIDER)()  # type: ignore[no-any-return]
