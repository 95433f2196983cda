"""A data subject's request to one agency (charter 7): forwarded at once, answered within a month."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from burgerprofiel.agencies.models import Agency
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.crypto.fields import EncryptedTextField


class RequestKind(models.TextChoices):
    ACCESS = "inzage", _("Inzage en overdraagbaarheid (AVG art. 15 en 20)")
    RECTIFICATION = "rectificatie", _("Rechtzetting (AVG art. 16)")
    ERASURE = "wissing", _("Wissing (AVG art. 17)")
    RESTRICTION = "beperking", _("Beperking van de verwerking (AVG art. 18)")


class RequestState(models.TextChoices):
    FORWARDED = "doorgestuurd", _("Doorgestuurd naar de instantie")
    EXTENDED = "verlengd", _("Termijn verlengd door de instantie")
    COMPLETED = "uitgevoerd", _("Uitgevoerd")
    REFUSED = "geweigerd", _("Geweigerd")


OPEN_STATES = (RequestState.FORWARDED, RequestState.EXTENDED)


class SubjectRequest(models.Model):
    """One request to one agency. A filing for several agencies is one row per agency (``filing``).

    The citizen's explanation and the agency's answer are personal data: sealed with the agency's key.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    filing = models.UUIDField("indiening", db_index=True)
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", verbose_name="instantie")
    kind = models.CharField("soort", max_length=16, choices=RequestKind.choices)
    explanation = EncryptedTextField("toelichting", key_from="agency.data_key_id", blank=True, default="")
    state = models.CharField("status", max_length=16, choices=RequestState.choices, default=RequestState.FORWARDED)
    filed_at = models.DateTimeField("ingediend op")
    due_on = models.DateField("uiterste antwoorddatum")
    reminded_at = models.DateTimeField("herinnerd op", null=True, blank=True)
    answer = EncryptedTextField("antwoord", key_from="agency.data_key_id", blank=True, default="")
    answered_at = models.DateTimeField("beantwoord op", null=True, blank=True)

    class Meta:
        verbose_name = "verzoek van een betrokkene"
        verbose_name_plural = "verzoeken van betrokkenen"
        ordering = ["-filed_at"]
        indexes = [models.Index(fields=["state", "due_on"], name="subject_request_open_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.agency})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES
