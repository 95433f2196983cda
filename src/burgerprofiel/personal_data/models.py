from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from burgerprofiel.agencies.models import Agency


class PullSource(models.Model):
    """An agency's endpoint that the portal asks, live, for one citizen's data or certificates.

    Registered by staff (back-office or ``burgerprofiel agency source add``). Nothing it answers is
    stored; only the registration is.
    """

    class Component(models.TextChoices):
        UW_GEGEVENS = "uw_gegevens", "Uw gegevens"
        ATTESTEN = "attesten", "Attesten, aktes en vergunningen"

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="pull_sources", verbose_name=_("instantie")
    )
    component = models.CharField(_("component"), max_length=20, choices=Component.choices)
    theme = models.CharField(_("thema"), max_length=80, blank=True)
    url = models.URLField(_("basis-URL"), max_length=500)
    timeout_seconds = models.FloatField(_("time-out (seconden)"), default=2.0)
    loket_url = models.URLField(_("loket van de instantie"), max_length=500, blank=True)
    active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("bron (live opvraging)")
        verbose_name_plural = _("bronnen (live opvraging)")
        ordering = ["component", "theme", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "component", "url"], name="pull_source_unique_url"),
            models.CheckConstraint(
                condition=models.Q(timeout_seconds__gt=0) & models.Q(timeout_seconds__lte=30),
                name="pull_source_timeout_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_component_display()} · {self.theme or '-'} · {self.url}"

    @property
    def audience(self) -> str:
        """The ``aud`` of the JWT sent to this source: its own base URL."""
        return self.url.rstrip("/")
