"""Instructions from an agency's authorised contacts, and disclosures the law requires.

Design note (charter 3, 10; GDPR 28(3)(a)). The processing order is the agency's complete
instruction (3.1); anything more an agency asks is registered here, and only from a person on its
list of authorised contact persons on the day it is received (3.3): over the API (the agency's
client names the contact) or by an operator in the back-office who received it in writing. An
operator who considers an instruction contrary to law flags it with the reason, and the agency is
told at once (3.4). A processing or disclosure the law imposes on the processor is registered with
its legal ground and the agency is told *before* it happens, unless that law forbids telling it;
then the notice is sent when the ban is lifted (3.1, 10). Texts may name people: sealed with the
agency's key.
"""

from __future__ import annotations

from django.db import models

from burgerprofiel.agencies.models import Agency, ContactPerson
from burgerprofiel.crypto.fields import EncryptedTextField, SealedRow


class Instruction(SealedRow):
    class Channel(models.TextChoices):
        API = "api", "Via de API"
        BACKOFFICE = "backoffice", "Schriftelijk, geregistreerd in de back-office"

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", verbose_name="instantie")
    contact = models.ForeignKey(
        ContactPerson, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="gemachtigde"
    )
    contact_role = models.CharField("rol van de gemachtigde", max_length=100)
    channel = models.CharField("kanaal", max_length=12, choices=Channel.choices)
    subject = EncryptedTextField("onderwerp", key_from="agency.data_key_id")
    text = EncryptedTextField("instructie", key_from="agency.data_key_id")
    received_at = models.DateTimeField("ontvangen op", db_index=True)
    registered_by = models.CharField("geregistreerd door", max_length=128)
    flagged_unlawful_at = models.DateTimeField("gemeld als onrechtmatig op", null=True, blank=True)
    flagged_reason = EncryptedTextField(
        "waarom in strijd met de wet", key_from="agency.data_key_id", blank=True, default=""
    )
    flagged_by = models.CharField("gemeld door", max_length=128, blank=True)

    class Meta:
        verbose_name = "instructie"
        verbose_name_plural = "instructies"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"Instructie {self.pk} ({self.agency})"


class LegalDisclosure(SealedRow):
    class State(models.TextChoices):
        WITHHELD = "withheld", "Melding verboden door de wet"
        NOTIFIED = "notified", "Gemeld aan de instantie"

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", verbose_name="instantie")
    legal_basis = models.TextField("wettelijke grondslag")
    recipient = EncryptedTextField("ontvanger", key_from="agency.data_key_id")
    description = EncryptedTextField("wat wordt verwerkt of verstrekt", key_from="agency.data_key_id")
    planned_for = models.DateTimeField("gepland op")
    notice_banned = models.BooleanField("de wet verbiedt de melding", default=False)
    ban_reason = models.TextField("grond van het verbod", blank=True)
    ban_lifted_at = models.DateTimeField("verbod opgeheven op", null=True, blank=True)
    notified_at = models.DateTimeField("gemeld op", null=True, blank=True)
    registered_at = models.DateTimeField("geregistreerd op")
    registered_by = models.CharField("geregistreerd door", max_length=128)

    class Meta:
        verbose_name = "wettelijk verplichte verstrekking"
        verbose_name_plural = "wettelijk verplichte verstrekkingen"
        ordering = ["-registered_at"]

    def __str__(self) -> str:
        return f"Verstrekking {self.pk} ({self.agency})"

    @property
    def state(self) -> str:
        return self.State.NOTIFIED if self.notified_at is not None else self.State.WITHHELD
