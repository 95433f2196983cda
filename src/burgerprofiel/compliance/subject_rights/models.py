"""A restriction of processing (GDPR 18) one agency set on one citizen: keep, process nothing new."""

from __future__ import annotations

from django.db import models

from burgerprofiel.agencies.models import Agency


class Restriction(models.Model):
    """While ``lifted_at`` is empty, the platform processes nothing new for this agency and citizen:
    new notifications, DOSIS uploads and the like are refused (403 subject-restricted). The citizen is
    named by the INSZ blind index only."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    insz_index = models.CharField(max_length=64)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=128)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.CharField(max_length=128, blank=True)

    class Meta:
        verbose_name = "beperking van de verwerking"
        verbose_name_plural = "beperkingen van de verwerking"
        indexes = [models.Index(fields=["agency", "insz_index"], name="restriction_agency_citizen")]

    def __str__(self) -> str:
        return f"Beperking {self.pk} ({self.agency})"
