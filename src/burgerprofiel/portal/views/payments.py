"""Portal pages "Betalingen": open and earlier payments, paying one online, the PDF with the QR code.

Paying is a POST (a second click gets the same checkout, ``payment_checkout_start``) answered with
a redirect to the provider's hosted checkout. Coming back, the page asks the provider itself how
the payment stands (``payment_provider_sync``): the return URL, like the provider's webhook, is
only a hint. Every page that shows a payment is audited (DESIGN rule 2).
"""

from __future__ import annotations

import logging
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.common.errors import Conflict, NotFound
from burgerprofiel.payments.models import OPEN_STATUSES, Payment, PaymentStatus
from burgerprofiel.payments.providers import ProviderError
from burgerprofiel.payments.receipts import epc_qr_svg_uri, euro_text, payment_receipt_pdf
from burgerprofiel.payments.services import (
    payment_checkout_start,
    payment_provider_sync,
    payment_read_for_citizen,
    payments_read_for_citizen,
    structured_reference_format,
)
from burgerprofiel.portal.auth import citizen_of, citizen_request_actor, citizen_required

log = logging.getLogger(__name__)


def _row(payment: Payment) -> dict[str, object]:
    return {
        "payment": payment,
        "amount": euro_text(payment.amount_cents),
        "reference": structured_reference_format(payment.structured_reference),
        "payable": payment.status in (PaymentStatus.CREATED, PaymentStatus.STARTED),
        "open": payment.status in OPEN_STATUSES,
    }


def _payment(request: HttpRequest, payment_id: uuid.UUID, action: AuditAction = AuditAction.PAYMENT_VIEWED) -> Payment:
    try:
        return payment_read_for_citizen(
            citizen=citizen_of(request), payment_id=payment_id, actor=citizen_request_actor(request), action=action
        )
    except NotFound as exc:
        raise Http404 from exc


@require_GET
@citizen_required
def payment_list(request: HttpRequest) -> HttpResponse:
    payments = payments_read_for_citizen(citizen=citizen_of(request), actor=citizen_request_actor(request))
    rows = [_row(p) for p in payments]
    return render(
        request,
        "payments/list.html",
        {"open": [r for r in rows if r["open"]], "done": [r for r in rows if not r["open"]]},
    )


@require_GET
@citizen_required
def payment_detail(request: HttpRequest, payment_id: uuid.UUID) -> HttpResponse:
    payment = _payment(request, payment_id)
    return render(request, "payments/detail.html", {**_row(payment), "qr": epc_qr_svg_uri(payment, scale=4)})


@require_POST
@citizen_required
def payment_pay(request: HttpRequest, payment_id: uuid.UUID) -> HttpResponse:
    detail = reverse("payments:detail", args=[payment_id])
    try:
        checkout = payment_checkout_start(
            citizen=citizen_of(request),
            payment_id=payment_id,
            return_url=request.build_absolute_uri(reverse("payments:returned", args=[payment_id])),
            actor=citizen_request_actor(request),
        )
    except NotFound as exc:
        raise Http404 from exc
    except Conflict:
        messages.info(request, "Deze betaling kan niet meer online betaald worden.")
        return HttpResponseRedirect(detail)
    except ProviderError:
        messages.error(request, "De betaaldienst is nu niet bereikbaar. Probeer het later opnieuw.")
        return HttpResponseRedirect(detail)
    return HttpResponseRedirect(checkout, status=303)


@require_GET
@citizen_required
def payment_returned(request: HttpRequest, payment_id: uuid.UUID) -> HttpResponse:
    payment = _payment(request, payment_id)
    if payment.provider_payment_id:
        try:
            payment_provider_sync(
                provider=payment.provider,
                provider_payment_id=payment.provider_payment_id,
                actor=citizen_request_actor(request),
            )
        except ProviderError:
            log.warning("payment provider unreachable on the citizen's return", extra={"payment": str(payment.pk)})
        payment.refresh_from_db()
    if payment.status == PaymentStatus.SUCCESS:
        messages.success(request, "Bedankt, uw betaling is ontvangen.")
    elif payment.status == PaymentStatus.FAILED:
        messages.error(request, f"De betaling is niet gelukt: {payment.get_failure_reason_display().lower()}.")
    else:
        messages.info(request, "Uw betaling wordt nog verwerkt. Deze pagina toont de status zodra die bekend is.")
    return HttpResponseRedirect(reverse("payments:detail", args=[payment_id]), status=303)


@require_GET
@citizen_required
def payment_receipt(request: HttpRequest, payment_id: uuid.UUID) -> HttpResponse:
    payment = _payment(request, payment_id, action=AuditAction.PAYMENT_RECEIPT_DOWNLOADED)
    response = HttpResponse(payment_receipt_pdf(payment), content_type="application/pdf")
    name = "betalingsbewijs" if payment.status == PaymentStatus.SUCCESS else "betalingsuitnodiging"
    response["Content-Disposition"] = f'attachment; filename="{name}-{payment.structured_reference}.pdf"'
    return response
