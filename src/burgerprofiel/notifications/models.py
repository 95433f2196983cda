"""Meldingen and their delivery outbox (charter 1.1, Bijlage 1 "Notificaties").

A ``Notification`` is what the citizen sees in the portal; its message is encrypted with the
agency's data key and purged after the order's retention, while the row (metadata) stays for the
audit period. A ``Delivery`` is one send over one channel: the outbox row, written in the same
transaction as the notification, that the worker claims and sends. Its UUID is the send's unique
id (the e-mail's Message-ID), and its status only moves forward:

    created → sending → delivered | temporary-failure | permanent-failure | technical-failure
    temporary-failure → sending (a retry, with backoff) → ...

``DeliveryReceipt`` is the signed receipt owed to the agency when a channel reaches a final status:
an outbox the agency reads (and a webhook mechanism can consume).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from burgerprofiel.agencies.models import Agency
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.crypto.fields import EncryptedJSONField, EncryptedTextField
from burgerprofiel.preferences.models import Channel


class Notification(models.Model):
    id = models.UUIDField(_("id"), primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(
        Agency, verbose_name=_("instantie"), on_delete=models.PROTECT, related_name="notifications"
    )
    citizen = models.ForeignKey(
        Citizen, verbose_name=_("burger"), on_delete=models.CASCADE, related_name="notifications"
    )
    ipdc_product = models.CharField(_("IPDC-product"), max_length=200)
    dossier_id = models.CharField(_("dossier-id"), max_length=200, blank=True)
    message = EncryptedTextField(_("bericht"), key_from="agency.data_key_id", null=True, blank=True)
    action_required = models.BooleanField(_("actie vereist"), default=False)
    action_url = models.URLField(_("actielink"), max_length=2000, blank=True)
    responsible_org = models.CharField(_("verantwoordelijke organisatie"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), db_index=True)
    read_at = models.DateTimeField(_("gelezen op"), null=True, blank=True)
    purge_after = models.DateTimeField(_("wissen na"), db_index=True)
    content_purged_at = models.DateTimeField(_("inhoud gewist op"), null=True, blank=True)

    class Meta:
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["citizen", "read_at"], name="notif_citizen_unread")]

    def __str__(self) -> str:
        return f"Melding {self.pk}"


class DeliveryStatus(models.TextChoices):
    CREATED = "created", "Aangemaakt"
    SENDING = "sending", "Bezig met verzenden"
    DELIVERED = "delivered", "Afgeleverd"
    TEMPORARY_FAILURE = "temporary-failure", "Tijdelijk mislukt"
    PERMANENT_FAILURE = "permanent-failure", "Definitief mislukt"
    TECHNICAL_FAILURE = "technical-failure", "Technisch mislukt"


FINAL_STATUSES = (DeliveryStatus.DELIVERED, DeliveryStatus.PERMANENT_FAILURE, DeliveryStatus.TECHNICAL_FAILURE)


class Delivery(models.Model):
    class Kind(models.TextChoices):
        NOTIFICATION = "notification", "Melding"
        VERIFY_EMAIL = "verify_email", "Bevestiging e-mailadres"
        VERIFY_MOBILE = "verify_mobile", "Bevestiging gsm-nummer"

    id = models.UUIDField(_("id"), primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("soort"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("kanaal"), max_length=8, choices=Channel.choices)
    notification = models.ForeignKey(
        Notification,
        verbose_name=_("melding"),
        on_delete=models.CASCADE,
        related_name="deliveries",
        null=True,
        blank=True,
    )
    citizen = models.ForeignKey(Citizen, verbose_name=_("burger"), on_delete=models.CASCADE, related_name="+")
    # The address at queue time and what the message needs (a link, a code), with the citizen's key;
    # both are cleared once the delivery is final.
    recipient = EncryptedTextField(_("ontvanger"), key_from="citizen.data_key_id", null=True, blank=True)
    payload = EncryptedJSONField(_("inhoud"), key_from="citizen.data_key_id", null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.CREATED
    )
    attempts = models.PositiveIntegerField(_("pogingen"), default=0)
    next_attempt_at = models.DateTimeField(_("volgende poging op"))
    lease_until = models.DateTimeField(_("geclaimd tot"), null=True, blank=True)
    leased_by = models.CharField(_("geclaimd door"), max_length=64, blank=True)
    sending_at = models.DateTimeField(_("verzonden vanaf"), null=True, blank=True)
    final_at = models.DateTimeField(_("afgerond op"), null=True, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"))
    provider_reference = models.CharField(_("referentie van de provider"), max_length=100, blank=True)
    last_error = models.CharField(_("laatste fout"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("verzending van een melding")
        verbose_name_plural = _("verzendingen van meldingen")
        indexes = [models.Index(fields=["channel", "status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"Verzending {self.pk} ({self.channel}, {self.status})"


class DeliveryReceipt(models.Model):
    """A signed statement to the agency that a channel of its notification reached a final status."""

    agency = models.ForeignKey(Agency, verbose_name=_("instantie"), on_delete=models.CASCADE, related_name="+")
    # No database constraint: deliveries are partitioned by month on PostgreSQL, and a key into a
    # partitioned table would need the partition key too (migration 0002). Deletes still cascade.
    delivery = models.OneToOneField(
        Delivery, verbose_name=_("verzending"), on_delete=models.CASCADE, related_name="receipt", db_constraint=False
    )
    notification_id = models.UUIDField(_("melding-id"))
    channel = models.CharField(_("kanaal"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=DeliveryStatus.choices)
    signed = models.TextField(
        _("ondertekend bewijs"), help_text="JWS (ES256) met de sleutel van het platform; controleer met /oauth/jwks."
    )
    created_at = models.DateTimeField(_("aangemaakt op"))

    class Meta:
        verbose_name = _("ontvangstbewijs")
        verbose_name_plural = _("ontvangstbewijzen")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Ontvangstbewijs {self.pk}"
