"""Writes on payments: a request from an agency, the citizen's checkout, the provider's word, refunds.

Design note (issue 12, GOV.UK Pay's payment states; DESIGN rules 2, 4, 5, 6):

- A provider's webhook is never believed. It only names a payment; ``payment_provider_sync``
  fetches that payment from the provider and moves ours to what the provider says. A forged call
  therefore changes nothing the provider would not confirm.
- States move forward only (``STATUS_RANK``) and every move is one transaction with a row lock:
  the status, its audit event and the signed event to the agency (``webhook_event_publish``) commit
  together or not at all. A second webhook, a second click or a retried request finds the move
  already made and does nothing (no second event).
- A checkout is created at the provider once per payment: the provider call carries the payment's
  id as Idempotency-Key, and a second click is answered with the checkout already made.
- A refund never exceeds what was paid less what was (or is being) refunded; the check and the
  refund row are made under the payment's row lock, so two refunds cannot both pass it.
- Nothing half-written on bad input: all validation runs before the first write, and a provider
  error rolls back the transaction it happened in (``ProviderError`` is a 502 problem).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.be import ogm_vcs
from stdnum.exceptions import ValidationError as StdnumError

from burgerprofiel.agencies.catalogue import DEFAULT_RETENTION_DAYS, Component
from burgerprofiel.agencies.selectors import agency_get, current_order_version
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import SYSTEM, Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.citizens.insz import insz_normalise
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.common.errors import Conflict, NotFound, ValidationError
from burgerprofiel.payments import selectors
from burgerprofiel.payments.models import (
    FINAL_STATUSES,
    REFUND_FINAL_STATUSES,
    STATUS_RANK,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from burgerprofiel.payments.providers import ProviderError, ProviderPayment, ProviderRefund, provider_get
from burgerprofiel.webhooks.events import EventType
from burgerprofiel.webhooks.services import webhook_event_publish

log = logging.getLogger(__name__)

SYNC_ACTOR = Actor(kind="system", id="betalingen:periodieke-controle")
MAX_AMOUNT_CENTS = 100_000_000  # one million euro: more is no payment request a citizen pays online
DESCRIPTION_MAX_LENGTH = 140  # the EPC QR code's unstructured remittance field
CREDITOR_NAME_MAX_LENGTH = 70  # the EPC QR code's beneficiary name


class RefundExceedsPaid(ValidationError):
    code = "refund-exceeds-paid"
    title = "Terugbetaling groter dan wat betaald werd"


# -- validation -------------------------------------------------------------------------------


def structured_reference_check(value: str) -> str:
    """The twelve digits of a valid OGM/VCS (``+++012/3456/78966+++`` or the bare digits), else 422."""
    try:
        return str(ogm_vcs.validate(value))
    except StdnumError:
        raise ValidationError(
            "Dit is geen geldige gestructureerde mededeling (OGM/VCS).", extra={"field": "structured_reference"}
        ) from None


def structured_reference_format(digits: str) -> str:
    """As a citizen types it in a bank app: ``+++012/3456/78966+++``."""
    return f"+++{ogm_vcs.format(digits)}+++"


def _structured_reference_new(agency_id: int) -> str:
    for _ in range(20):
        base = f"{secrets.randbelow(10**10):010d}"
        digits = base + ogm_vcs.calc_check_digits(base)
        if not Payment.objects.filter(agency_id=agency_id, structured_reference=digits).exists():
            return digits
    raise Conflict("Geen vrije gestructureerde mededeling gevonden; probeer opnieuw.")


def _iban_check(value: str) -> str:
    try:
        return str(IBAN(value).compact)
    except (SchwiftyException, ValueError):
        raise ValidationError("Dit is geen geldig IBAN-rekeningnummer.", extra={"field": "creditor_iban"}) from None


def _text(value: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ValidationError(f"Het veld {field} is verplicht.", extra={"field": field})
    if len(text) > max_length:
        raise ValidationError(f"Het veld {field} is te lang (hoogstens {max_length} tekens).", extra={"field": field})
    return text


@dataclass(frozen=True)
class PaymentInput:
    insz: str
    amount_cents: int
    description: str
    due_date: dt.date
    creditor_iban: str
    creditor_name: str = ""
    structured_reference: str = ""
    dossier_id: str = ""
    ipdc_product: str = ""


def payment_validate(item: PaymentInput) -> PaymentInput:
    """A clean copy of the input, or a ValidationError naming the field (nothing is stored yet)."""
    if isinstance(item.amount_cents, bool) or not isinstance(item.amount_cents, int):
        raise ValidationError("Het bedrag is een geheel aantal eurocent.", extra={"field": "amount_cents"})
    if not 0 < item.amount_cents <= MAX_AMOUNT_CENTS:
        raise ValidationError(
            f"Het bedrag ligt tussen 1 en {MAX_AMOUNT_CENTS} eurocent.", extra={"field": "amount_cents"}
        )
    if item.due_date < timezone.localdate():
        raise ValidationError("De vervaldatum ligt in het verleden.", extra={"field": "due_date"})
    return PaymentInput(
        insz=insz_normalise(item.insz),
        amount_cents=item.amount_cents,
        description=_text(item.description, field="description", max_length=DESCRIPTION_MAX_LENGTH, required=True),
        due_date=item.due_date,
        creditor_iban=_iban_check(item.creditor_iban),
        creditor_name=_text(item.creditor_name, field="creditor_name", max_length=CREDITOR_NAME_MAX_LENGTH),
        structured_reference=structured_reference_check(item.structured_reference) if item.structured_reference else "",
        dossier_id=_text(item.dossier_id, field="dossier_id", max_length=200),
        ipdc_product=_text(item.ipdc_product, field="ipdc_product", max_length=200),
    )


# -- events -----------------------------------------------------------------------------------


def payment_event_data(payment: Payment) -> dict[str, Any]:
    """What the agency's webhook and feed say about a payment (no INSZ: the agency has its own id)."""
    refunded = sum(r.amount_cents for r in payment.refunds.all() if r.status == RefundStatus.SUCCESS)
    return {
        "payment_id": str(payment.pk),
        "status": payment.status,
        "failure_reason": payment.failure_reason or None,
        "amount_cents": payment.amount_cents,
        "refunded_cents": refunded,
        "fee_cents": payment.fee_cents,
        "structured_reference": structured_reference_format(payment.structured_reference),
        "dossier_id": payment.dossier_id or None,
        "method": payment.provider_method or None,
        "paid_at": payment.paid_at.isoformat() if payment.paid_at else None,
    }


def _publish_payment(payment: Payment, actor: Actor) -> None:
    webhook_event_publish(
        agency_id=payment.agency_id,
        event_type=EventType.BETALING_STATUS_GEWIJZIGD,
        object_type="betaling",
        object_id=str(payment.pk),
        data=payment_event_data(payment),
        actor=actor,
    )


def _publish_refund(refund: Refund, actor: Actor) -> None:
    webhook_event_publish(
        agency_id=refund.payment.agency_id,
        event_type=EventType.TERUGBETALING_STATUS_GEWIJZIGD,
        object_type="terugbetaling",
        object_id=str(refund.pk),
        data={
            "refund_id": str(refund.pk),
            "payment_id": str(refund.payment_id),
            "status": refund.status,
            "amount_cents": refund.amount_cents,
        },
        actor=actor,
    )


# -- creating ---------------------------------------------------------------------------------


def payment_create(*, agency_id: int, item: PaymentInput, actor: Actor) -> Payment:
    """Store a payment request for the citizen (status ``created``) and tell the agency's endpoints."""
    clean = payment_validate(item)
    agency = agency_get(agency_id=agency_id)
    now = timezone.now()
    with transaction.atomic():
        if (
            clean.structured_reference
            and Payment.objects.filter(agency_id=agency_id, structured_reference=clean.structured_reference).exists()
        ):
            raise Conflict(
                "Deze gestructureerde mededeling werd al gebruikt voor een andere betaling.",
                extra={"field": "structured_reference"},
            )
        citizen = citizen_get_or_create(insz=clean.insz)
        payment = Payment(
            agency_id=agency_id,
            citizen=citizen,
            amount_cents=clean.amount_cents,
            description=clean.description,
            structured_reference=clean.structured_reference or _structured_reference_new(agency_id),
            creditor_name=clean.creditor_name or agency.name[:CREDITOR_NAME_MAX_LENGTH],
            creditor_iban=clean.creditor_iban,
            due_date=clean.due_date,
            dossier_id=clean.dossier_id,
            ipdc_product=clean.ipdc_product,
            created_at=now,
            updated_at=now,
        )
        payment.save(force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.PAYMENT_CREATED,
            agency_id=agency_id,
            target=citizen,  # the citizen's access log shows it (portal/access_log.py)
            detail={"payment": str(payment.pk), "amount_cents": payment.amount_cents},
        )
        _publish_payment(payment, actor)
    return payment


# -- moving through the states ----------------------------------------------------------------


def payment_transition_allowed(current: str, new: str) -> bool:
    """Forward only: never out of a final status, never back to an earlier one, never to itself."""
    return current not in FINAL_STATUSES and STATUS_RANK[new] > STATUS_RANK[current]


def _transition(payment: Payment, *, remote: ProviderPayment | None, status: str, reason: str, actor: Actor) -> bool:
    """Move a locked payment to ``status``; audit it and tell the agency. False when not a move forward."""
    if not payment_transition_allowed(payment.status, status):
        return False
    now = timezone.now()
    previous = payment.status
    payment.status = status
    payment.failure_reason = reason if status == PaymentStatus.FAILED else ""
    payment.updated_at = now
    if remote is not None:
        payment.provider_method = remote.method[:40]
        payment.fee_cents = remote.fee_cents
    if status == PaymentStatus.SUCCESS:
        payment.paid_at = now
    if status in FINAL_STATUSES:
        payment.finished_at = now
        payment.checkout_url = ""
    payment.save()
    audit_record(
        actor=actor,
        action=AuditAction.PAYMENT_STATUS_CHANGED,
        agency_id=payment.agency_id,
        target=payment,
        detail={"from": previous, "to": status, "reason": payment.failure_reason},
    )
    _publish_payment(payment, actor)
    return True


def payment_checkout_start(*, citizen: Citizen, payment_id: uuid.UUID, return_url: str, actor: Actor) -> str:
    """The provider's checkout URL for the citizen's own open payment; made once, handed out again
    on a second click (under the payment's row lock, so two clicks at once make one checkout)."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(pk=payment_id, citizen=citizen).first()
        if payment is None:
            raise NotFound("Deze betaling bestaat niet.")
        if payment.status == PaymentStatus.STARTED and payment.checkout_url:
            return payment.checkout_url
        if payment.status != PaymentStatus.CREATED:
            raise Conflict("Deze betaling kan niet meer online betaald worden.")
        provider = provider_get()
        agency = agency_get(agency_id=payment.agency_id)
        remote = provider.payment_create(
            amount_cents=payment.amount_cents,
            description=f"{agency.name}: {payment.description}",
            redirect_url=return_url,
            webhook_url=settings.PAYMENTS_WEBHOOK_URL,
            idempotency_key=str(payment.pk),
            metadata={"payment_id": str(payment.pk)},
        )
        payment.provider = provider.name
        payment.provider_payment_id = remote.id
        payment.checkout_url = remote.checkout_url
        _transition(payment, remote=remote, status=PaymentStatus.STARTED, reason="", actor=actor)
        return remote.checkout_url


def payment_provider_sync(*, provider: str, provider_payment_id: str, actor: Actor) -> Payment | None:
    """Bring a payment (and its refunds) to what the provider says, fetched from the provider itself.

    Called for a provider's webhook, which only names the payment, and when the citizen comes back
    from the checkout. None when the provider id is not one of ours (nothing to do, nothing said).
    """
    known = Payment.objects.filter(provider=provider, provider_payment_id=provider_payment_id).only("pk").first()
    if known is None or not provider_payment_id:
        return None
    remote = provider_get().payment_get(provider_payment_id)  # outside the lock: a network call
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=known.pk)
        if remote.id != payment.provider_payment_id or remote.amount_cents != payment.amount_cents:
            # Not the payment we asked for: something is wrong at the provider; never count it paid.
            log.warning("payment provider answered another payment or amount", extra={"payment": str(payment.pk)})
            _transition(payment, remote=None, status=PaymentStatus.ERROR, reason="", actor=actor)
            return payment
        _transition(payment, remote=remote, status=remote.status, reason=remote.failure_reason, actor=actor)
        _refunds_sync(payment, remote.refunds, actor)
    return payment


def _refunds_sync(payment: Payment, remote_refunds: tuple[ProviderRefund, ...], actor: Actor) -> None:
    by_id = {r.id: r for r in remote_refunds}
    for refund in payment.refunds.select_for_update().filter(status=RefundStatus.SUBMITTED):
        remote = by_id.get(refund.provider_refund_id)
        if remote is not None:
            _refund_transition(refund, status=remote.status, actor=actor)


def _refund_transition(refund: Refund, *, status: str, actor: Actor) -> bool:
    if refund.status in REFUND_FINAL_STATUSES or status == refund.status or status == RefundStatus.SUBMITTED:
        return False
    previous = refund.status
    refund.status = status
    refund.updated_at = timezone.now()
    refund.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.PAYMENT_REFUND_STATUS_CHANGED,
        agency_id=refund.payment.agency_id,
        target=refund,
        detail={"payment": str(refund.payment_id), "from": previous, "to": status},
    )
    _publish_refund(refund, actor)
    return True


def payments_stale_sync(*, unchanged_for: dt.timedelta, limit: int = 200) -> dict[str, int]:
    """Ask the provider about payments and refunds still under way that no webhook moved for a while.

    A lost webhook (the platform was down, the provider gave up) must not leave a payment open for
    ever: the periodic sweep fetches each such payment, as a webhook would have made us do.
    """
    cutoff = timezone.now() - unchanged_for
    under_way = Payment.objects.filter(
        status__in=[PaymentStatus.STARTED, PaymentStatus.SUBMITTED], updated_at__lt=cutoff
    ).exclude(provider_payment_id="")
    refunding = Payment.objects.filter(refunds__status=RefundStatus.SUBMITTED, refunds__updated_at__lt=cutoff).exclude(
        provider_payment_id=""
    )
    pairs = list(under_way.values_list("provider", "provider_payment_id")[:limit])
    pairs += [p for p in refunding.values_list("provider", "provider_payment_id")[:limit] if p not in pairs]
    totals = {"checked": 0, "unreachable": 0}
    for provider, provider_payment_id in pairs:
        try:
            payment_provider_sync(provider=provider, provider_payment_id=provider_payment_id, actor=SYNC_ACTOR)
            totals["checked"] += 1
        except ProviderError:
            totals["unreachable"] += 1
    if totals["unreachable"]:
        log.warning("payment provider unreachable during the periodic check", extra=totals)
    return totals


# -- refunds ----------------------------------------------------------------------------------


def refund_create(
    *, agency_id: int, payment_id: uuid.UUID, amount_cents: int, description: str = "", actor: Actor
) -> Refund:
    """Give back (part of) a paid payment through its provider; never more than is left of it."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValidationError("Het bedrag is een positief geheel aantal eurocent.", extra={"field": "amount_cents"})
    note = _text(description, field="description", max_length=DESCRIPTION_MAX_LENGTH)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(pk=payment_id, agency_id=agency_id).first()
        if payment is None:
            raise NotFound("Deze betaling bestaat niet.")
        if payment.status != PaymentStatus.SUCCESS or not payment.provider_payment_id:
            raise Conflict("Alleen een online betaalde betaling kan terugbetaald worden.")
        taken = payment.refunds.exclude(status=RefundStatus.ERROR).aggregate(total=Sum("amount_cents"))["total"] or 0
        left = payment.amount_cents - taken
        if amount_cents > left:
            raise RefundExceedsPaid(
                f"Er kan nog hoogstens {left} eurocent terugbetaald worden.",
                extra={"field": "amount_cents", "refundable_cents": left},
            )
        now = timezone.now()
        refund = Refund(payment=payment, amount_cents=amount_cents, created_at=now, updated_at=now)
        refund.save(force_insert=True)
        remote = provider_get().refund_create(
            provider_payment_id=payment.provider_payment_id,
            amount_cents=amount_cents,
            description=note or payment.description,
            idempotency_key=str(refund.pk),
        )
        refund.provider_refund_id = remote.id
        refund.save(update_fields=["provider_refund_id"])
        audit_record(
            actor=actor,
            action=AuditAction.PAYMENT_REFUND_CREATED,
            agency_id=agency_id,
            target=refund,
            detail={"payment": str(payment.pk), "amount_cents": amount_cents},
        )
        _publish_refund(refund, actor)
        _refund_transition(refund, status=remote.status, actor=actor)
    return refund


# -- audited reads (DESIGN rule 2: every access to a payment leaves an event) --------------------


def payments_read_for_agency(
    *, agency_id: int, actor: Actor, status: str | None = None, limit: int = 100, offset: int = 0
) -> list[Payment]:
    payments = selectors.payments_for_agency(agency_id=agency_id, status=status, limit=limit, offset=offset)
    audit_record(
        actor=actor,
        action=AuditAction.PAYMENT_LISTED,
        agency_id=agency_id,
        target=Payment,
        detail={"count": len(payments)},
    )
    return payments


def payment_read_for_agency(*, agency_id: int, payment_id: uuid.UUID, actor: Actor) -> Payment:
    """The agency's own payment (another agency's: NotFound), recorded as a read of the citizen's data."""
    payment = selectors.payment_for_agency(agency_id=agency_id, payment_id=payment_id)
    audit_record(
        actor=actor,
        action=AuditAction.PAYMENT_READ,
        agency_id=agency_id,
        target=Citizen,  # the citizen's access log shows it (portal/access_log.py)
        object_id=payment.citizen_id,
        detail={"payment": str(payment.pk)},
    )
    return payment


def payments_reconciliation_export(*, agency_id: int, day: dt.date, actor: Actor) -> str:
    text, count = selectors.reconciliation_csv(agency_id=agency_id, day=day)
    audit_record(
        actor=actor,
        action=AuditAction.PAYMENT_RECONCILIATION_EXPORTED,
        agency_id=agency_id,
        target=Payment,
        detail={"date": day.isoformat(), "rows": count},
    )
    return text


def payments_read_for_citizen(*, citizen: Citizen, actor: Actor) -> list[Payment]:
    payments = list(selectors.payments_for_citizen(citizen=citizen).order_by("-created_at"))
    audit_record(actor=actor, action=AuditAction.PAYMENT_LISTED, target=Payment, detail={"count": len(payments)})
    return payments


def payment_read_for_citizen(
    *, citizen: Citizen, payment_id: uuid.UUID, actor: Actor, action: AuditAction = AuditAction.PAYMENT_VIEWED
) -> Payment:
    """The citizen's own payment (another's: NotFound), its viewing or its PDF recorded."""
    payment = selectors.payment_for_citizen(citizen=citizen, payment_id=payment_id)
    audit_record(actor=actor, action=action, agency_id=payment.agency_id, target=payment)
    return payment


# -- retention --------------------------------------------------------------------------------


def payments_retention_days(*, agency_id: int) -> int:
    """Days a finished payment is kept: the agency's order, else the default (seven years, bookkeeping law)."""
    version = current_order_version(agency_id=agency_id)
    if version is not None and Component.BETALINGEN in version.retention_days:
        return version.retention_for(Component.BETALINGEN)
    return DEFAULT_RETENTION_DAYS[Component.BETALINGEN]


def payments_purge_expired(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Remove finished payments (and their refunds) past the order's retention (DESIGN rule 7); the
    audit event that stays names only ids, dates and the amount. Open payments are never purged."""
    now = now or timezone.now()
    purged = 0
    agency_ids = Payment.objects.filter(finished_at__isnull=False).values_list("agency_id", flat=True).distinct()
    for agency_id in list(agency_ids.order_by()):
        days = payments_retention_days(agency_id=agency_id)
        while True:
            done = payments_purge_batch(
                agency_id=agency_id,
                finished_before=now - dt.timedelta(days=days),
                retention_days=days,
                batch_size=batch_size,
            )
            purged += done
            if done < batch_size:
                break
    return purged


def payments_purge_batch(*, agency_id: int, finished_before: dt.datetime, retention_days: int, batch_size: int) -> int:
    """One batch (one transaction) of the agency's payments finished before the cutoff."""
    actor = Actor(kind=SYSTEM.kind, id=SYSTEM.id, agency_id=agency_id)
    with transaction.atomic():
        due = Payment.objects.filter(agency_id=agency_id, finished_at__lte=finished_before).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        batch = list(due[:batch_size])
        for payment in batch:
            payment_id, citizen_id = payment.pk, payment.citizen_id
            finished = payment.finished_at.isoformat() if payment.finished_at else None
            payment.refunds.all().delete()
            payment.delete()
            audit_record(
                actor=actor,
                action=AuditAction.PAYMENT_PURGED,
                agency_id=agency_id,
                target=Payment,
                object_id=str(payment_id),
                detail={"citizen": str(citizen_id), "finished_at": finished, "retention_days": retention_days},
            )
    return len(batch)


def refunded_cents(payment: Payment) -> int:
    return sum(r.amount_cents for r in payment.refunds.all() if r.status == RefundStatus.SUCCESS)
