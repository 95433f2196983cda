"""Reads on payments, always scoped: to one agency (API) or one citizen (portal); and the daily
reconciliation export of an agency."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import NotFound
from burgerprofiel.payments.models import OPEN_STATUSES, Payment, PaymentStatus, Refund


def payments_for_agency(
    *, agency_id: int, status: str | None = None, limit: int = 100, offset: int = 0
) -> list[Payment]:
    qs = Payment.objects.filter(agency_id=agency_id).prefetch_related("refunds").order_by("-created_at", "pk")
    if status:
        qs = qs.filter(status=status)
    return list(qs[offset : offset + limit])


def payment_for_agency(*, agency_id: int, payment_id: uuid.UUID) -> Payment:
    """The agency's own payment; another agency's answers NotFound (DESIGN rule 6)."""
    payment = Payment.objects.filter(pk=payment_id, agency_id=agency_id).prefetch_related("refunds").first()
    if payment is None:
        raise NotFound("Deze betaling bestaat niet.")
    return payment


def payments_for_citizen(*, citizen: Citizen) -> QuerySet[Payment]:
    return Payment.objects.filter(citizen=citizen).select_related("agency").prefetch_related("refunds")


def open_payments_for_citizen(*, citizen: Citizen) -> list[Payment]:
    return list(payments_for_citizen(citizen=citizen).filter(status__in=OPEN_STATUSES).order_by("due_date"))


def payment_for_citizen(*, citizen: Citizen, payment_id: uuid.UUID) -> Payment:
    payment = payments_for_citizen(citizen=citizen).filter(pk=payment_id).first()
    if payment is None:
        raise NotFound("Deze betaling bestaat niet.")
    return payment


RECONCILIATION_COLUMNS = [
    "soort",
    "id",
    "betaling_id",
    "gestructureerde_mededeling",
    "dossier_id",
    "status",
    "reden",
    "bedrag_cent",
    "kosten_cent",
    "netto_cent",
    "munt",
    "betaaldienst",
    "betaaldienst_id",
    "methode",
    "tijdstip",
]


def _cell(text: str) -> str:
    """Text an agency wrote, safe to open in a spreadsheet: a leading = + - @ would start a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A calendar day in the platform's time zone (Europe/Brussels), as an aware half-open range."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def reconciliation_rows(*, agency_id: int, day: dt.date) -> Iterable[list[str]]:
    """What settled on ``day``: payments that reached a final status (with the provider's fee) and
    refunds that changed that day (a refund is money going out: its amount is negative)."""
    start, end = _day_bounds(day)
    payments = Payment.objects.filter(agency_id=agency_id, finished_at__gte=start, finished_at__lt=end).order_by(
        "finished_at", "pk"
    )
    for p in payments:
        fee = p.fee_cents if p.status == PaymentStatus.SUCCESS else 0
        amount = p.amount_cents if p.status == PaymentStatus.SUCCESS else 0
        yield [
            "betaling",
            str(p.pk),
            str(p.pk),
            p.structured_reference,
            _cell(p.dossier_id),
            p.status,
            p.failure_reason,
            str(amount),
            str(fee),
            str(amount - fee),
            p.currency,
            p.provider,
            p.provider_payment_id,
            p.provider_method,
            p.finished_at.isoformat() if p.finished_at else "",
        ]
    refunds = (
        Refund.objects.filter(payment__agency_id=agency_id)
        .filter(Q(updated_at__gte=start, updated_at__lt=end) | Q(created_at__gte=start, created_at__lt=end))
        .select_related("payment")
        .order_by("updated_at", "pk")
    )
    for r in refunds:
        yield [
            "terugbetaling",
            str(r.pk),
            str(r.payment_id),
            r.payment.structured_reference,
            _cell(r.payment.dossier_id),
            r.status,
            "",
            str(-r.amount_cents),
            "0",
            str(-r.amount_cents),
            r.payment.currency,
            r.payment.provider,
            r.provider_refund_id,
            "",
            r.updated_at.isoformat(),
        ]


def reconciliation_csv(*, agency_id: int, day: dt.date) -> tuple[str, int]:
    """The export as CSV text (semicolons: what Belgian spreadsheet software opens) and its row count."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(RECONCILIATION_COLUMNS)
    count = 0
    for row in reconciliation_rows(agency_id=agency_id, day=day):
        writer.writerow(row)
        count += 1
    return out.getvalue(), count
