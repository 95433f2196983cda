"""The end of an order: its offboarding run (resumable), the return bundle, and legal holds."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from burgerprofiel.agencies.models import Agency, ProcessingOrder


class Offboarding(models.Model):
    """Returning or deleting everything of one agency after its order ended (charter 12.2).

    ``progress`` records, per holding, how many rows were deleted so far: a run that stops is
    continued by running it again. ``counts`` is what the certificate states.
    """

    class Mode(models.TextChoices):
        RETURN = "return", _("Terugbezorgen")
        DELETE = "delete", _("Verwijderen")

    class State(models.TextChoices):
        PURGING = "purging", _("Bezig met wissen")
        HELD = "held", _("Gewist, behalve records onder juridische bewaarplicht")
        DONE = "done", _("Afgerond")

    order = models.OneToOneField(
        ProcessingOrder, on_delete=models.PROTECT, related_name="offboarding", verbose_name=_("verwerkingsopdracht")
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("instantie"))
    mode = models.CharField(_("wijze"), max_length=8, choices=Mode.choices)
    state = models.CharField(_("toestand"), max_length=8, choices=State.choices, default=State.PURGING)
    reason = models.TextField(_("reden"), blank=True)
    started_by = models.CharField(_("gestart door"), max_length=128)
    started_at = models.DateTimeField(_("gestart op"), auto_now_add=True)
    finished_at = models.DateTimeField(_("afgerond op"), null=True, blank=True)
    progress = models.JSONField(
        _("voortgang"), default=dict, blank=True, help_text=_("Per model: gewiste rijen tot nu toe.")
    )
    counts = models.JSONField(_("aantallen"), default=dict, blank=True, help_text=_("Per component: gewiste rijen."))
    key_destroyed_at = models.DateTimeField(_("sleutel vernietigd op"), null=True, blank=True)
    # The signed deletion certificates: one when the purge ends, one more when the last hold ends.
    certificates = models.JSONField(_("attesten"), default=list, blank=True)
    # Who is running it now (a random id per run) and until when that claim holds: a second run of
    # the same offboarding (the legal-holds task and a manual CLI run) is refused while it is fresh.
    runner = models.CharField(_("bezig door run"), max_length=64, blank=True)
    lease_until = models.DateTimeField(_("run geldig tot"), null=True, blank=True)
    # The agency's contact persons' and DPO's addresses, taken before the purge deletes them: the
    # certificates are mailed there. Cleared once the final certificate went out.
    mail_to = models.JSONField(_("attest mailen naar"), default=list, blank=True)

    class Meta:
        verbose_name = _("beëindiging (terugbezorgen of verwijderen)")
        verbose_name_plural = _("beëindigingen (terugbezorgen of verwijderen)")

    def __str__(self) -> str:
        return f"{self.get_mode_display()}: {self.agency} (opdracht {self.order_id})"


class ReturnBundle(models.Model):
    """The signed bundle with the agency's data: downloadable once by its API client, then deleted.

    The file is kept encrypted (``path``), with a key of its own in the key store (``key_id``).
    """

    offboarding = models.OneToOneField(
        Offboarding, on_delete=models.PROTECT, related_name="bundle", verbose_name=_("beëindiging")
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("instantie"))
    key_id = models.UUIDField(_("sleutel-id"))
    content = models.BinaryField(
        _("inhoud"), null=True, help_text=_("Het zip-bestand, versleuteld (AES-256-GCM) met de sleutel-id.")
    )
    filename = models.CharField(_("bestandsnaam"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, help_text=_("Van het (onversleutelde) zip-bestand."))
    size = models.PositiveBigIntegerField(_("grootte (bytes)"))
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    downloaded_at = models.DateTimeField(_("afgehaald op"), null=True, blank=True)
    downloaded_by = models.CharField(_("afgehaald door"), max_length=64, blank=True)
    deleted_at = models.DateTimeField(_("verwijderd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("teruggavebundel")
        verbose_name_plural = _("teruggavebundels")

    def __str__(self) -> str:
        return self.filename


class LegalHold(models.Model):
    """A record kept past the end of an order because the law requires it (charter 12.2, last sentence).

    Names one record of a holding (``model`` label and primary key); the purge skips it, and what it
    points to or what points to it, until ``until``; then it goes too.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("instantie"))
    model = models.CharField(_("soort record"), max_length=100)
    object_id = models.CharField(_("record (sleutel)"), max_length=64)
    reason = models.TextField(_("reden (wettelijke grondslag)"))
    until = models.DateField(_("bewaren tot en met"))
    created_by = models.CharField(_("gelegd door"), max_length=128)
    created_at = models.DateTimeField(_("gelegd op"), auto_now_add=True)
    released_at = models.DateTimeField(_("beëindigd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("juridische bewaarplicht")
        verbose_name_plural = _("juridische bewaarplichten")
        indexes = [models.Index(fields=["agency", "released_at"], name="legal_hold_agency_open")]

    def __str__(self) -> str:
        return f"{held_kind(self.model)} {self.object_id} tot {self.until}"

    def is_active_on(self, day: dt.date) -> bool:
        return self.released_at is None and day <= self.until


def held_kind(label: str) -> str:
    """A holding's record kind as staff read it: its component and the model's Dutch name, not ``app.Model``."""
    from burgerprofiel.compliance import holdings

    holding = holdings.holding_for(label)
    if holding is None:
        return label  # no longer registered: the stored label is all there is
    return f"{capfirst(holding.component)}: {holding.model._meta.verbose_name}"
