"""Payment requests, their refunds, and the states both move through (charter 1.1 "betalen").

A ``Payment`` is what an agency asks a citizen to pay: an amount in euro cents, a description, a
Belgian structured reference (OGM/VCS), a due date. The citizen pays it through a payment
provider (``providers``) or by bank transfer with the structured reference. Its ``status`` follows
GOV.UK Pay's payment states and only moves forward (``services.payment_transition_allowed``):

    created → started → submitted → success | failed (rejected, expired, cancelled) | error

A ``Refund`` gives (part of) a paid amount back: submitted → success | error. The description is
free text an agency may fill with personal data, so it is encrypted with the agency's data key.
"""

from __future__ import annotations

import uuid

from django.db import models

from burgerprofiel.agencies.models import Agency
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.crypto.fields import EncryptedTextField


class PaymentStatus(models.TextChoices):
    CREATED = "created", "Te betalen"
    STARTED = "started", "Betaling gestart"
    SUBMITTED = "submitted", "Betaling in verwerking"
    SUCCESS = "success", "Betaald"
    FAILED = "failed", "Mislukt"
    ERROR = "error", "Fout bij de betaaldienst"


class FailureReason(models.TextChoices):
    REJECTED = "rejected", "De betaling werd geweigerd"
    EXPIRED = "expired", "De betaling is verlopen"
    CANCELLED = "cancelled", "De betaling werd geannuleerd"


# How far along each status is: a payment moves only to a status of a higher rank (forward only).
STATUS_RANK: dict[str, int] = {
    PaymentStatus.CREATED: 0,
    PaymentStatus.STARTED: 1,
    PaymentStatus.SUBMITTED: 2,
    PaymentStatus.SUCCESS: 3,
    PaymentStatus.FAILED: 3,
    PaymentStatus.ERROR: 3,
}
FINAL_STATUSES = frozenset({PaymentStatus.SUCCESS, PaymentStatus.FAILED, PaymentStatus.ERROR})
OPEN_STATUSES = frozenset({PaymentStatus.CREATED, PaymentStatus.STARTED, PaymentStatus.SUBMITTED})


class Payment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="payments")
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="payments")
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    description = EncryptedTextField(key_from="agency.data_key_id")
    structured_reference = models.CharField(max_length=12, help_text="OGM/VCS: twaalf cijfers, zonder +++ en /.")
    creditor_name = models.CharField(max_length=70)
    creditor_iban = models.CharField(max_length=34)
    due_date = models.DateField()
    dossier_id = models.CharField(max_length=200, blank=True)
    ipdc_product = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    failure_reason = models.CharField(max_length=12, choices=FailureReason.choices, blank=True)
    provider = models.CharField(max_length=20, blank=True)
    provider_payment_id = models.CharField(max_length=64, blank=True)
    provider_method = models.CharField(max_length=40, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    fee_cents = models.PositiveIntegerField(default=0, help_text="Kosten van de betaaldienst (na betaling).")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "betaling"
        verbose_name_plural = "betalingen"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "structured_reference"], name="payment_reference_unique"),
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~models.Q(provider_payment_id=""),
                name="payment_provider_id_unique",
            ),
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["citizen", "status"], name="payment_citizen_status")]

    def __str__(self) -> str:
        return f"Betaling {self.pk} ({self.status})"


class RefundStatus(models.TextChoices):
    SUBMITTED = "submitted", "Ingediend"
    SUCCESS = "success", "Terugbetaald"
    ERROR = "error", "Mislukt"


REFUND_FINAL_STATUSES = frozenset({RefundStatus.SUCCESS, RefundStatus.ERROR})


class Refund(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_cents = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=RefundStatus.choices, default=RefundStatus.SUBMITTED)
    provider_refund_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "terugbetaling"
        verbose_name_plural = "terugbetalingen"
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Terugbetaling {self.pk} ({self.status})"
