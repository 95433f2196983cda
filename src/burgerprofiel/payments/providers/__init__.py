"""Payment-provider adapters: what the payments capability needs of a provider, and the ones it has.

The platform talks to a provider only through ``PaymentProvider``; ``provider_get()`` gives the one
the settings name (``PAYMENTS_PROVIDER``). The first adapter speaks Mollie's API through the
official SDK (``mollie.py``); tests and ``make run`` point it at the fake Mollie in ``payments/fake``.
"""

from __future__ import annotations

from burgerprofiel.payments.providers.base import (
    PaymentProvider,
    ProviderError,
    ProviderPayment,
    ProviderRefund,
    provider_get,
)

__all__ = ["PaymentProvider", "ProviderError", "ProviderPayment", "ProviderRefund", "provider_get"]
