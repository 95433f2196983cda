"""The staff confidentiality statement and its acceptances (charter 4), independent audits and the
platform's reports to agencies after them (charter 9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from burgerprofiel.agencies.models import Agency


class ConfidentialityStatement(models.Model):
    """A version of the confidentiality statement staff accept before they reach personal data.

    The newest published version is the current one; a new version asks every staff member again.
    """

    version = models.CharField("versie", max_length=20, unique=True)
    text = models.TextField("tekst")
    published_at = models.DateTimeField("gepubliceerd op")
    published_by = models.CharField("gepubliceerd door", max_length=128)

    class Meta:
        verbose_name = "vertrouwelijkheidsverklaring"
        verbose_name_plural = "vertrouwelijkheidsverklaringen"
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return f"Vertrouwelijkheidsverklaring {self.version}"


class ConfidentialityAcceptance(models.Model):
    statement = models.ForeignKey(
        ConfidentialityStatement, on_delete=models.PROTECT, related_name="acceptances", verbose_name="verklaring"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="medewerker"
    )
    accepted_at = models.DateTimeField("aanvaard op")

    class Meta:
        verbose_name = "aanvaarding van de vertrouwelijkheidsverklaring"
        verbose_name_plural = "aanvaardingen van de vertrouwelijkheidsverklaring"
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "user"], name="confidentiality_accepted_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} aanvaardde {self.statement.version}"


class IndependentAudit(models.Model):
    """An audit of the platform by an independent auditor (charter 9: at least once every three years)."""

    auditor = models.CharField("auditor", max_length=200)
    performed_on = models.DateField("uitgevoerd op")
    scope = models.TextField("reikwijdte")
    conclusion = models.TextField("conclusie")
    report_name = models.CharField("bestandsnaam van het rapport", max_length=200)
    report_content_type = models.CharField(max_length=100)
    report = models.BinaryField("rapport")
    report_sha256 = models.CharField("SHA-256 van het rapport", max_length=64)
    recorded_at = models.DateTimeField("geregistreerd op")
    recorded_by = models.CharField("geregistreerd door", max_length=128)

    class Meta:
        verbose_name = "onafhankelijke audit"
        verbose_name_plural = "onafhankelijke audits"
        ordering = ["-performed_on", "-pk"]

    def __str__(self) -> str:
        return f"Audit door {self.auditor} ({self.performed_on:%d/%m/%Y})"


class ObligationsReport(models.Model):
    """The platform's report to one agency on its obligations under the charter, sent on its own
    initiative (charter 9): after an independent audit, and periodically."""

    class Trigger(models.TextChoices):
        AUDIT = "audit", "Na een onafhankelijke audit"
        SCHEDULE = "schedule", "Periodiek"
        MANUAL = "manual", "Op initiatief van een beheerder"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="instantie")
    audit = models.ForeignKey(IndependentAudit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    trigger = models.CharField("aanleiding", max_length=10, choices=Trigger.choices)
    period_start = models.DateField("periode van")
    period_end = models.DateField("periode tot")
    sent_at = models.DateTimeField("verstuurd op")
    notice_id = models.CharField("kennisgeving", max_length=64, blank=True)

    class Meta:
        verbose_name = "rapport over de naleving aan een instantie"
        verbose_name_plural = "rapporten over de naleving aan instanties"
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"Nalevingsrapport aan {self.agency} ({self.sent_at:%d/%m/%Y})"
