"""Error reports ("fout melden", charter 1.1): a citizen disputes an item of "Uw gegevens" or a
dossier; the owning agency answers by moving the report through its states and writing messages.

    ingediend → in_behandeling | gecorrigeerd | afgewezen | doorgestuurd
    in_behandeling → gecorrigeerd | afgewezen | doorgestuurd
    gecorrigeerd, afgewezen, doorgestuurd: final

Everything the citizen or the agency wrote, and the attachment, is encrypted with the owning
agency's data key: shredding that key erases the reports with the rest of the agency's data.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models

from burgerprofiel.agencies.models import Agency
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.crypto.fields import EncryptedTextField, SealedRow


class ReportStatus(models.TextChoices):
    INGEDIEND = "ingediend", "Ingediend"
    IN_BEHANDELING = "in_behandeling", "In behandeling"
    GECORRIGEERD = "gecorrigeerd", "Gecorrigeerd"
    AFGEWEZEN = "afgewezen", "Afgewezen"
    DOORGESTUURD = "doorgestuurd", "Doorgestuurd"


FINAL_STATUSES = (ReportStatus.GECORRIGEERD, ReportStatus.AFGEWEZEN, ReportStatus.DOORGESTUURD)
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    ReportStatus.INGEDIEND: (ReportStatus.IN_BEHANDELING, *FINAL_STATUSES),
    ReportStatus.IN_BEHANDELING: FINAL_STATUSES,
    ReportStatus.GECORRIGEERD: (),
    ReportStatus.AFGEWEZEN: (),
    ReportStatus.DOORGESTUURD: (),
}


class SubjectKind(models.TextChoices):
    GEGEVEN = "gegeven", "Een gegeven uit Uw gegevens"
    DOSSIER = "dossier", "Een dossier"


class ErrorReport(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="instantie")
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="+", verbose_name="burger")
    subject_kind = models.CharField("over", max_length=10, choices=SubjectKind.choices)
    # "Uw gegevens": the pull source and the item's id (contract items[].id); a dossier: its id and number.
    source_id = models.PositiveIntegerField(null=True, blank=True)
    item_id = models.CharField(max_length=100, blank=True)
    dossier_id = models.PositiveIntegerField(null=True, blank=True)
    dossier_number = models.CharField(max_length=200, blank=True)
    # What the citizen saw (label, value), what is wrong, what it should be: the agency's key.
    subject_label = EncryptedTextField(key_from="agency.data_key_id")
    shown_value = EncryptedTextField(key_from="agency.data_key_id")
    what_is_wrong = EncryptedTextField(key_from="agency.data_key_id")
    should_be = EncryptedTextField(key_from="agency.data_key_id")
    status = models.CharField(max_length=20, choices=ReportStatus.choices, default=ReportStatus.INGEDIEND)
    reason = EncryptedTextField(key_from="agency.data_key_id", blank=True, default="")
    created_at = models.DateTimeField("ingediend")
    updated_at = models.DateTimeField()
    purge_after = models.DateTimeField()

    class Meta:
        verbose_name = "foutmelding"
        verbose_name_plural = "foutmeldingen"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["agency", "created_at"], name="corr_report_agency_created"),
            models.Index(fields=["citizen", "created_at"], name="corr_report_citizen_created"),
            models.Index(fields=["purge_after"], name="corr_report_purge"),
        ]

    def __str__(self) -> str:
        return f"Foutmelding {self.pk}"


class Attachment(SealedRow):
    """One file with a report: type checked by its content, bytes sealed with the agency's key."""

    report = models.OneToOneField(ErrorReport, on_delete=models.CASCADE, related_name="attachment")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    filename = EncryptedTextField(key_from="agency.data_key_id")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    content = models.TextField(help_text="Versleuteld met de sleutel van de instantie.")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "bijlage"
        verbose_name_plural = "bijlagen"

    def __str__(self) -> str:
        return f"Bijlage bij {self.report_id}"

    @staticmethod
    def seal_context(report_id: Any) -> str:
        """What the sealed bytes are bound to (crypto.fields): this column of this report's attachment."""
        return f"corrections_attachment.content:{report_id}"


class ReportEntry(models.Model):
    """The report's history as the citizen reads it: status changes and messages, both ways."""

    class Kind(models.TextChoices):
        STATUS = "status", "Statuswijziging"
        MESSAGE = "bericht", "Bericht"

    class Author(models.TextChoices):
        CITIZEN = "burger", "Burger"
        AGENCY = "instantie", "Instantie"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(ErrorReport, on_delete=models.CASCADE, related_name="entries")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.CharField(max_length=10, choices=Author.choices)
    status = models.CharField(max_length=20, choices=ReportStatus.choices, blank=True)
    text = EncryptedTextField(key_from="agency.data_key_id", blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "verloop van een foutmelding"
        verbose_name_plural = "verloop van foutmeldingen"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} bij {self.report_id}"
