"""A notice from the processor to an agency, and the e-mails that carry it to the agency's people.

Design note (charter 3.3, 3.4, 8; issue 13). A notice is recorded once (``AgencyNotice``), published
as the webhook/feed event ``verwerker.<kind>`` in the same transaction, and mailed to every contact
person authorised on the day it is sent and to the agency's DPO: one ``NoticeMail`` row per address,
a queue the worker drains over SMTP (``mail.py``). Subject, body and data are written for the agency
and may name people (a contact, a DPO); they are encrypted with the agency's data key, as the
addresses are. An agency reads its own notices over the API and acknowledges each; the
acknowledgement (when, by which client or contact) is kept on the notice.
"""

from __future__ import annotations

import uuid

from django.db import models

from burgerprofiel.agencies.models import Agency
from burgerprofiel.crypto.fields import EncryptedJSONField, EncryptedTextField


class AgencyNotice(models.Model):
    class MailStatus(models.TextChoices):
        PENDING = "pending", "Wordt verstuurd"
        SENT = "sent", "Verstuurd"
        PARTIAL = "partial", "Deels mislukt"
        FAILED = "failed", "Mislukt"
        NO_RECIPIENTS = "no_recipients", "Geen ontvangers"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", verbose_name="instantie")
    kind = models.CharField("soort", max_length=60)
    subject = EncryptedTextField("onderwerp", key_from="agency.data_key_id")
    body = EncryptedTextField("tekst", key_from="agency.data_key_id")
    data = EncryptedJSONField("gegevens", key_from="agency.data_key_id", default=dict, blank=True)
    object_type = models.CharField("soort object", max_length=50)
    object_id = models.CharField("id van het object", max_length=100)
    event_id = models.UUIDField("id van de gebeurtenis", null=True, blank=True)
    created_at = models.DateTimeField("verstuurd op", db_index=True)
    created_by = models.CharField("verstuurd door", max_length=128)
    acknowledged_at = models.DateTimeField("ontvangst bevestigd op", null=True, blank=True)
    acknowledged_by = models.CharField("ontvangst bevestigd door", max_length=200, blank=True)
    mail_status = models.CharField(
        "e-mail", max_length=16, choices=MailStatus.choices, default=MailStatus.PENDING, db_index=True
    )

    class Meta:
        verbose_name = "kennisgeving aan een instantie"
        verbose_name_plural = "kennisgevingen aan instanties"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agency", "created_at"], name="agency_notice_agency_time")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.created_at:%Y-%m-%d %H:%M})"


class NoticeMail(models.Model):
    """One notice to one address: the queue the worker drains (``mail.py``).

    pending → sending → sent | failed; pending → retrying → sending ... A row found in ``sending``
    after a crash is ended as ``failed`` ("interrupted"), never sent twice (as notifications do).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Wacht"
        RETRYING = "retrying", "Opnieuw te proberen"
        SENDING = "sending", "Wordt verstuurd"
        SENT = "sent", "Verstuurd"
        FAILED = "failed", "Mislukt"

    class Role(models.TextChoices):
        CONTACT = "contact", "Gemachtigde contactpersoon"
        DPO = "dpo", "Functionaris voor gegevensbescherming"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    notice = models.ForeignKey(AgencyNotice, on_delete=models.CASCADE, related_name="mails")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices)
    recipient = EncryptedTextField(key_from="agency.data_key_id")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "e-mail van een kennisgeving"
        verbose_name_plural = "e-mails van kennisgevingen"
        ordering = ["next_attempt_at"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.get_status_display()}"
