"""The charter's versions and the agencies' terminations under an amendment (charter 14.3)."""

from __future__ import annotations

from django.db import models

from burgerprofiel.agencies.models import Agency, ProcessingOrder


class CharterVersion(models.Model):
    """One version of the verwerkingscharter, as published. Never changed once published.

    The version in force is the one with the latest ``effective_from`` on or before today; a version
    whose date is still ahead is a pending amendment, announced to every agency at publication.
    """

    version = models.CharField("versie", max_length=20, unique=True)
    title = models.CharField("titel", max_length=300)
    text = models.TextField("tekst")
    text_sha256 = models.CharField("SHA-256 van de tekst", max_length=64)
    summary = models.TextField(
        "samenvatting van de wijzigingen",
        blank=True,
        help_text="Charter 14.3: de notificatie vat de toekomstige wijzigingen bevattelijk samen.",
    )
    effective_from = models.DateField("van kracht vanaf")
    published_at = models.DateTimeField("gepubliceerd op")
    published_by = models.CharField("gepubliceerd door", max_length=128)

    class Meta:
        verbose_name = "versie van het verwerkingscharter"
        verbose_name_plural = "versies van het verwerkingscharter"
        ordering = ["-effective_from", "-pk"]

    def __str__(self) -> str:
        return f"Verwerkingscharter {self.version} (van kracht vanaf {self.effective_from:%d/%m/%Y})"


class CharterTermination(models.Model):
    """An agency's termination of its order within an amendment's notice window (charter 14.3).

    Filed by the agency (API), it takes effect on the amendment's effective date (the version the agency
    signed keeps binding until then) unless the agency asks for it at once. ``executed_at`` is set when
    the platform has terminated the order through the order's state machine.
    """

    class When(models.TextChoices):
        AT_EFFECTIVE_DATE = "op_ingangsdatum", "Op de ingangsdatum van de wijziging"
        AT_ONCE = "onmiddellijk", "Onmiddellijk"

    amendment = models.ForeignKey(
        CharterVersion, on_delete=models.PROTECT, related_name="terminations", verbose_name="wijziging"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="instantie")
    order = models.ForeignKey(
        ProcessingOrder, on_delete=models.PROTECT, related_name="+", verbose_name="verwerkingsopdracht"
    )
    reason = models.TextField("reden")
    when = models.CharField("wanneer", max_length=16, choices=When.choices, default=When.AT_EFFECTIVE_DATE)
    takes_effect_on = models.DateField("gaat in op")
    filed_at = models.DateTimeField("ingediend op")
    filed_by = models.CharField("ingediend door", max_length=128)
    executed_at = models.DateTimeField("uitgevoerd op", null=True, blank=True)

    class Meta:
        verbose_name = "beëindiging na charterwijziging"
        verbose_name_plural = "beëindigingen na charterwijziging"
        ordering = ["-filed_at"]
        constraints = [models.UniqueConstraint(fields=["amendment", "order"], name="charter_one_termination_per_order")]

    def __str__(self) -> str:
        return f"Beëindiging van {self.order} ({self.amendment.version})"
