from __future__ import annotations

from django.db import models


class RetentionRun(models.Model):
    """One run of the retention job for one agency and component, or for one kind of platform data.

    The progress record: how many rows went, batch after batch (each batch commits on its own, so an
    interrupted run loses nothing and the next one goes on from where it stopped).
    """

    class State(models.TextChoices):
        RUNNING = "running", "Bezig"
        FINISHED = "finished", "Klaar"
        FAILED = "failed", "Mislukt"
        INTERRUPTED = "interrupted", "Onderbroken"

    agency_id = models.BigIntegerField("instantie", null=True, blank=True, help_text="Leeg: gegevens van het platform.")
    scope = models.CharField("component of soort gegevens", max_length=40)
    retention_days = models.PositiveIntegerField("bewaartermijn (dagen)")
    cutoff = models.DateTimeField("verwijderd wat ouder is dan")
    state = models.CharField("status", max_length=12, choices=State.choices, default=State.RUNNING)
    purged = models.PositiveIntegerField("verwijderd", default=0)
    batches = models.PositiveIntegerField("reeksen", default=0)
    error = models.CharField("fout", max_length=200, blank=True)
    started_at = models.DateTimeField("gestart")
    finished_at = models.DateTimeField("klaar", null=True, blank=True)

    class Meta:
        verbose_name = "bewaartermijn-run"
        verbose_name_plural = "bewaartermijn-runs"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["scope", "agency_id", "started_at"], name="retention_run_scope")]

    def __str__(self) -> str:
        return f"{self.scope} ({self.agency_id or 'platform'}) {self.started_at:%Y-%m-%d %H:%M}"
