"""API of the betalingen component: payment requests, refunds, the daily reconciliation export."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.api.auth import AgencyAuth, agency_request_actor, order_check_categories, principal_of
from burgerprofiel.api.params import IsoDate
from burgerprofiel.api.schemas import Strict
from burgerprofiel.citizens.insz import Insz
from burgerprofiel.compliance.subject_rights.services import restriction_check
from burgerprofiel.payments.models import Payment
from burgerprofiel.payments.services import (
    PaymentInput,
    payment_create,
    payment_read_for_agency,
    payments_read_for_agency,
    payments_reconciliation_export,
    refund_create,
    structured_reference_format,
)

router = Router(tags=["betalingen"])

CREATE_CATEGORIES = ("insz", "bedrag", "gestructureerde_mededeling", "rekeningnummer", "betaalstatus")
AUTH = AgencyAuth(component=Component.BETALINGEN, categories=CREATE_CATEGORIES)
READ_AUTH = AgencyAuth(component=Component.BETALINGEN, categories=("bedrag", "betaalstatus"))


class PaymentIn(Strict):
    insz: Insz
    amount_cents: int = Field(gt=0, le=100_000_000, description="Bedrag in eurocent.")
    description: str = Field(min_length=1, max_length=140)
    due_date: dt.date = Field(description="Vervaldatum (YYYY-MM-DD), niet in het verleden.")
    creditor_iban: str = Field(min_length=1, max_length=42, description="IBAN waarop een overschrijving toekomt.")
    creditor_name: str | None = Field(default=None, max_length=70, description="Standaard: de naam van de instantie.")
    structured_reference: str | None = Field(
        default=None,
        max_length=24,
        description="Gestructureerde mededeling (OGM/VCS); weggelaten: het platform maakt er een.",
    )
    dossier_id: str | None = Field(default=None, max_length=200, description="Het DOSIS-dossier waarbij dit hoort.")
    ipdc_product: str | None = Field(default=None, max_length=200)


class RefundIn(Strict):
    amount_cents: int = Field(
        gt=0, description="Bedrag in eurocent; nooit meer dan wat betaald en nog niet terugbetaald is."
    )
    description: str | None = Field(default=None, max_length=140)


class RefundOut(Schema):
    id: uuid.UUID
    amount_cents: int
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime


class PaymentOut(Schema):
    id: uuid.UUID
    status: str
    failure_reason: str | None
    amount_cents: int
    currency: str
    structured_reference: str
    due_date: dt.date
    dossier_id: str | None
    ipdc_product: str | None
    creditor_iban: str
    creditor_name: str
    method: str | None
    fee_cents: int
    refunded_cents: int
    created_at: dt.datetime
    paid_at: dt.datetime | None
    refunds: list[RefundOut]


def _out(payment: Payment) -> dict[str, Any]:
    refunds = list(payment.refunds.all())
    return {
        "id": payment.pk,
        "status": payment.status,
        "failure_reason": payment.failure_reason or None,
        "amount_cents": payment.amount_cents,
        "currency": payment.currency,
        "structured_reference": structured_reference_format(payment.structured_reference),
        "due_date": payment.due_date,
        "dossier_id": payment.dossier_id or None,
        "ipdc_product": payment.ipdc_product or None,
        "creditor_iban": payment.creditor_iban,
        "creditor_name": payment.creditor_name,
        "method": payment.provider_method or None,
        "fee_cents": payment.fee_cents,
        "refunded_cents": sum(r.amount_cents for r in refunds if r.status == "success"),
        "created_at": payment.created_at,
        "paid_at": payment.paid_at,
        "refunds": [
            {
                "id": r.pk,
                "amount_cents": r.amount_cents,
                "status": r.status,
                "created_at": r.created_at,
                "updated_at": r.updated_at,
            }
            for r in refunds
        ],
    }


@router.post(
    "",
    response={201: PaymentOut},
    auth=AUTH,
    summary="Een betaalverzoek aan een burger richten",
    description=(
        "Geweigerd met 422 (het veld in `field`), ook als de body het schema volgt: een vervaldatum vóór "
        "vandaag (Brusselse tijd); een INSZ, IBAN of gestructureerde mededeling die niet bestaat (fout "
        "controlegetal, mod 97; een IBAN ook: lengte of opbouw van zijn land); een description van alleen "
        "witruimte."
    ),
)
def payment_request(request: HttpRequest, payload: PaymentIn) -> Status[Any]:
    if payload.ipdc_product:
        order_check_categories(request, component=Component.BETALINGEN, categories=["ipdc_product"])
    # A new payment request is new processing by the agency (GDPR 18, charter 7): refused while the
    # citizen's processing is restricted. Refunds of existing payments stay allowed (they return the
    # citizen's money: GDPR 18(2), protecting the citizen's rights).
    restriction_check(
        agency_id=principal_of(request).agency_id,
        insz_values=[[payload.insz]],
        actor=agency_request_actor(request),
        what="een nieuw betaalverzoek",
    )
    payment = payment_create(
        agency_id=principal_of(request).agency_id,
        item=PaymentInput(
            insz=payload.insz,
            amount_cents=payload.amount_cents,
            description=payload.description,
            due_date=payload.due_date,
            creditor_iban=payload.creditor_iban,
            creditor_name=payload.creditor_name or "",
            structured_reference=payload.structured_reference or "",
            dossier_id=payload.dossier_id or "",
            ipdc_product=payload.ipdc_product or "",
        ),
        actor=agency_request_actor(request),
    )
    return Status(201, _out(payment))


@router.get(
    "/reconciliation",
    auth=READ_AUTH,
    summary="Dagelijkse afstemming (CSV): betalingen, terugbetalingen en kosten van één dag",
    openapi_extra={"responses": {200: {"description": "CSV (;)", "content": {"text/csv": {}}}}},
)
def reconciliation(request: HttpRequest, date: IsoDate) -> HttpResponse:
    text = payments_reconciliation_export(
        agency_id=principal_of(request).agency_id, day=date, actor=agency_request_actor(request)
    )
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="afstemming-{date.isoformat()}.csv"'
    return response


@router.get("", response=list[PaymentOut], auth=READ_AUTH, summary="Uw betaalverzoeken")
def payment_list(
    request: HttpRequest,
    status: Literal["created", "started", "submitted", "success", "failed", "error"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict[str, Any]]:
    payments = payments_read_for_agency(
        agency_id=principal_of(request).agency_id,
        status=status,
        limit=limit,
        offset=offset,
        actor=agency_request_actor(request),
    )
    return [_out(p) for p in payments]


@router.get("/{payment_id}", response=PaymentOut, auth=READ_AUTH, summary="Eén betaalverzoek en zijn status")
def payment_detail(request: HttpRequest, payment_id: uuid.UUID) -> dict[str, Any]:
    payment = payment_read_for_agency(
        agency_id=principal_of(request).agency_id, payment_id=payment_id, actor=agency_request_actor(request)
    )
    return _out(payment)


@router.post(
    "/{payment_id}/refunds",
    response={201: RefundOut},
    auth=READ_AUTH,
    summary="(Een deel van) een betaling terugbetalen: nooit meer dan betaald werd",
)
def payment_refund(request: HttpRequest, payment_id: uuid.UUID, payload: RefundIn) -> Status[Any]:
    refund = refund_create(
        agency_id=principal_of(request).agency_id,
        payment_id=payment_id,
        amount_cents=payload.amount_cents,
        description=payload.description or "",
        actor=agency_request_actor(request),
    )
    return Status(
        201,
        {
            "id": refund.pk,
            "amount_cents": refund.amount_cents,
            "status": refund.status,
            "created_at": refund.created_at,
            "updated_at": refund.updated_at,
        },
    )
