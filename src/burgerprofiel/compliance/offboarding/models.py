"""The end of an order: its offboarding run (resumable), the return bundle, and legal holds."""

from __future__ import annotations

import datetime as dt

from django.db import models

from burgerprofiel.agencies.models import Agency, ProcessingOrder


class Offboarding(models.Model):
    """Returning or deleting everything of one agency after its order ended (charter 12.2).

    ``progress`` records, per holding, how many rows were deleted so far: a run that stops is
    continued by running it again. ``counts`` is what the certificate states.
    """

    class Mode(models.TextChoices):
        RETURN = "return", "Terugbezorgen"
        DELETE = "delete", "Verwijderen"

    class State(models.TextChoices):
        PURGING = "purging", "Bezig met wissen"
        HELD = "held", "Gewist, behalve records onder juridische bewaarplicht"
        DONE = "done", "Afgerond"

    order = models.OneToOneField(
        ProcessingOrder, on_delete=models.PROTECT, related_name="offboarding", verbose_name="verwerkingsopdracht"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="instantie")
    mode = models.CharField("wijze", max_length=8, choices=Mode.choices)
    state = models.CharField("toestand", max_length=8, choices=State.choices, default=State.PURGING)
    reason = models.TextField("reden", blank=True)
    started_by = models.CharField("gestart door", max_length=128)
    started_at = models.DateTimeField("gestart op", auto_now_add=True)
    finished_at = models.DateTimeField("afgerond op", null=True, blank=True)
    progress = models.JSONField("voortgang", default=dict, blank=True, help_text="Per model: gewiste rijen tot nu toe.")
    counts = models.JSONField("aantallen", default=dict, blank=True, help_text="Per component: gewiste rijen.")
    key_destroyed_at = models.DateTimeField("sleutel vernietigd op", null=True, blank=True)
    # The signed deletion certificates: one when the purge ends, one more when the last hold ends.
    certificates = models.JSONField("attesten", default=list, blank=True)

    class Meta:
        verbose_name = "beëindiging (terugbezorgen of verwijderen)"
        verbose_name_plural = "beëindigingen (terugbezorgen of verwijderen)"

    def __str__(self) -> str:
        return f"{self.get_mode_display()}: {self.agency} (opdracht {self.order_id})"


class ReturnBundle(models.Model):
    """The signed bundle with the agency's data: downloadable once by its API client, then deleted.

    The file is kept encrypted (``path``), with a key of its own in the key store (``key_id``).
    """

    offboarding = models.OneToOneField(Offboarding, on_delete=models.PROTECT, related_name="bundle")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    key_id = models.UUIDField()
    content = models.BinaryField(null=True, help_text="Het zip-bestand, versleuteld (AES-256-GCM) met key_id.")
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64, help_text="Van het (onversleutelde) zip-bestand.")
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    downloaded_by = models.CharField(max_length=64, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "teruggavebundel"
        verbose_name_plural = "teruggavebundels"

    def __str__(self) -> str:
        return self.filename


class LegalHold(models.Model):
    """A record kept past the end of an order because the law requires it (charter 12.2, last sentence).

    Names one record of a holding (``model`` label and primary key); the purge skips it, and what it
    points to or what points to it, until ``until``; then it goes too.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="instantie")
    model = models.CharField("model", max_length=100)
    object_id = models.CharField("record", max_length=64)
    reason = models.TextField("reden (wettelijke grondslag)")
    until = models.DateField("bewaren tot en met")
    created_by = models.CharField("gelegd door", max_length=128)
    created_at = models.DateTimeField("gelegd op", auto_now_add=True)
    released_at = models.DateTimeField("beëindigd op", null=True, blank=True)

    class Meta:
        verbose_name = "juridische bewaarplicht"
        verbose_name_plural = "juridische bewaarplichten"
        indexes = [models.Index(fields=["agency", "released_at"], name="legal_hold_agency_open")]

    def __str__(self) -> str:
        return f"{self.model} {self.object_id} tot {self.until}"

    def is_active_on(self, day: dt.date) -> bool:
        return self.released_at is None and day <= self.until
