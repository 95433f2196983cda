"""Events to agencies, the endpoints they registered, and the delivery rows that are the queue.

An ``Event`` is written in the transaction of the act it reports (an outbox): its body is fixed
then, encrypted with the agency's data key, and is byte for byte what every delivery sends and
what the feed returns. ``position`` orders an agency's events in the feed (numbered under a lock
on the agency's ``EventStream`` row, so positions become visible in order); ``sequence`` numbers
the events of one object. A ``Delivery`` is one event to one endpoint; its status only moves
forward, except a replay of a dead letter:

    pending → delivered | retrying | failed (dead letter) | cancelled (endpoint gone)
    retrying → delivered | retrying | failed
    failed → pending (replay)
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from burgerprofiel.agencies.models import Agency
from burgerprofiel.crypto.fields import EncryptedTextField, SealedRow


class Endpoint(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "Actief"
        DISABLED = "disabled", "Uitgeschakeld"  # the receiver answered 410 Gone
        DELETED = "deleted", "Verwijderd"

    id = models.UUIDField(_("id"), primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("instantie"))
    url = models.URLField(_("adres"), max_length=2000)
    event_types = models.JSONField(_("gebeurtenissen"), default=list)
    description = models.CharField(_("omschrijving"), max_length=200, blank=True)
    # Standard Webhooks secrets (whsec_...), with the agency's key. During a rotation's overlap the
    # previous secret signs too, until ``previous_secret_until``.
    secret = EncryptedTextField(_("geheim"), key_from="agency.data_key_id")
    previous_secret = EncryptedTextField(_("vorig geheim"), key_from="agency.data_key_id", null=True, blank=True)
    previous_secret_until = models.DateTimeField(_("vorig geheim geldig tot"), null=True, blank=True)
    state = models.CharField(_("toestand"), max_length=10, choices=State.choices, default=State.ACTIVE)
    state_reason = models.CharField(_("reden van de toestand"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"))
    updated_at = models.DateTimeField(_("gewijzigd op"))

    class Meta:
        verbose_name = _("webhook-eindpunt")
        verbose_name_plural = _("webhook-eindpunten")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["agency", "state"], name="whendpoint_agency_state")]

    def __str__(self) -> str:
        return f"Eindpunt {self.pk}"


class EventStream(models.Model):
    """One row per agency: the last feed position handed out (locked while numbering)."""

    agency = models.OneToOneField(
        Agency, verbose_name=_("instantie"), on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    last_position = models.PositiveBigIntegerField(_("laatste positie"), default=0)

    class Meta:
        verbose_name = _("gebeurtenissenstroom")
        verbose_name_plural = _("gebeurtenissenstromen")

    def __str__(self) -> str:
        return f"Stroom van instantie {self.agency_id}"


class Event(SealedRow):
    event_id = models.UUIDField(_("gebeurtenis-id"), unique=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, verbose_name=_("instantie"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveBigIntegerField(_("positie"))
    # No ``choices``: the types are declared in events.py and checked by webhook_event_publish, so a
    # new kind of event (every processor duty adds its own) needs no migration of this table.
    type = models.CharField(_("type"), max_length=64)
    object_type = models.CharField(_("soort object"), max_length=50)
    object_id = models.CharField(_("object-id"), max_length=100)
    sequence = models.PositiveBigIntegerField(_("volgnummer"))
    occurred_at = models.DateTimeField(_("tijdstip"))
    body = EncryptedTextField(_("inhoud"), key_from="agency.data_key_id")
    published_by = models.CharField(_("gepubliceerd door"), max_length=120)

    class Meta:
        verbose_name = _("gebeurtenis")
        verbose_name_plural = _("gebeurtenissen")
        ordering = ["agency", "position"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "position"], name="whevent_agency_position"),
            models.UniqueConstraint(
                fields=["agency", "object_type", "object_id", "sequence"], name="whevent_object_sequence"
            ),
        ]
        indexes = [models.Index(fields=["occurred_at"], name="whevent_occurred")]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Wacht op verzending"
    RETRYING = "retrying", "Opnieuw te proberen"
    DELIVERED = "delivered", "Afgeleverd"
    FAILED = "failed", "Mislukt (dode brief)"
    CANCELLED = "cancelled", "Geannuleerd"


OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class Delivery(models.Model):
    uuid = models.UUIDField(_("UUID"), unique=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, verbose_name=_("gebeurtenis"), on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("eindpunt"), on_delete=models.CASCADE, related_name="deliveries"
    )
    agency = models.ForeignKey(Agency, verbose_name=_("instantie"), on_delete=models.PROTECT, related_name="+")
    # Copied from the event: the per-object order is kept per endpoint without a join.
    object_key = models.CharField(_("objectsleutel"), max_length=160)
    sequence = models.PositiveBigIntegerField(_("volgnummer"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("pogingen"), default=0)
    next_attempt_at = models.DateTimeField(_("volgende poging op"))
    retry_until = models.DateTimeField(_("opnieuw proberen tot"))
    lease_until = models.DateTimeField(_("geclaimd tot"), null=True, blank=True)
    leased_by = models.CharField(_("geclaimd door"), max_length=64, blank=True)
    last_attempt_at = models.DateTimeField(_("laatste poging op"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("laatste HTTP-statuscode"), null=True, blank=True)
    last_error = models.CharField(_("laatste fout"), max_length=200, blank=True)
    delivered_at = models.DateTimeField(_("afgeleverd op"), null=True, blank=True)
    failed_at = models.DateTimeField(_("mislukt op"), null=True, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"))

    class Meta:
        verbose_name = _("webhook-verzending")
        verbose_name_plural = _("webhook-verzendingen")
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="whdelivery_due"),
            models.Index(fields=["endpoint", "object_key", "sequence"], name="whdelivery_object_order"),
            models.Index(fields=["agency", "status"], name="whdelivery_agency_status"),
        ]

    def __str__(self) -> str:
        return f"Verzending {self.uuid} ({self.status})"
