"""The payment provider's webhook: a call that says "look at payment tr_..." and nothing we believe.

Mollie (and its fake) POSTs a form with only ``id``. The body is never trusted (issue 12): the view
hands the id to ``payment_provider_sync``, which fetches the payment from the provider itself and
moves ours forward only as far as the provider confirms. An id that is not ours is answered 200
with nothing done (so the answer tells a prober nothing); a provider that cannot be reached is
answered 503, so that the provider calls again later.
"""

from __future__ import annotations

import logging
import re

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from burgerprofiel.audit.actors import Actor
from burgerprofiel.payments.providers import ProviderError, provider_get
from burgerprofiel.payments.services import payment_provider_sync

log = logging.getLogger(__name__)
PROVIDER_ID = re.compile(r"^[A-Za-z0-9_]{1,64}$")


@csrf_exempt  # a server-to-server call without a session; it changes only what the provider confirms
@require_POST
def payment_provider_webhook(request: HttpRequest) -> HttpResponse:
    provider_payment_id = request.POST.get("id", "")
    if not PROVIDER_ID.match(provider_payment_id):
        return HttpResponse("id ontbreekt of is ongeldig", status=400, content_type="text/plain; charset=utf-8")
    provider = provider_get().name
    actor = Actor(kind="system", id=f"betaaldienst:{provider}")
    try:
        payment_provider_sync(provider=provider, provider_payment_id=provider_payment_id, actor=actor)
    except ProviderError:
        log.warning("payment provider unreachable while handling its webhook", extra={"provider": provider})
        return HttpResponse("betaaldienst onbereikbaar", status=503, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
