"""A personal data breach on record (GDPR 33(5): every one, notified or not) and its notices.

Design note (charter 8; GDPR 33). A breach is registered by an operator or opened as a *draft* by
one of the platform's detectors (``detectors.py``); an operator confirms a draft (``open``) or
dismisses it (``dismissed``: kept, with the reason). What it covers is data, not prose: a time
window, the systems, the components and data categories, and whether the data *processed* in the
window or everything *stored* at its end was exposed. ``affected`` holds the last computation of
the agencies and approximate numbers of data subjects and records (``affected.py``). Each agency
gets its notice (``BreachNotification``, phase 1) through ``agency_notice_send``; an update (GDPR
33(4): information given in phases) is a later phase, linked to the same breach. The deadline runs
from ``detected_at`` (BREACH_NOTICE_DEADLINE_HOURS, a warning at BREACH_NOTICE_WARNING_HOURS) to
``notified_at``, when every affected agency had its first notice.

No personal data belongs in a breach's texts: they describe systems and categories, and they are
sent to every affected agency (so they are not encrypted with one agency's key).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from burgerprofiel.agencies.models import Agency
from burgerprofiel.compliance.notices.models import AgencyNotice


class Breach(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Ontwerp (te beoordelen)"
        OPEN = "open", "Geregistreerd, nog niet gemeld"
        NOTIFIED = "notified", "Gemeld aan de getroffen instanties"
        CLOSED = "closed", "Afgesloten"
        DISMISSED = "dismissed", "Geen inbreuk (bewaard)"

    class Detector(models.TextChoices):
        MANUAL = "manual", "Geregistreerd door een medewerker"
        PULL_INCIDENT = "pull_incident", "Een gegevensbron antwoordde over een andere persoon (pull.incident)"
        AUDIT_VERIFY = "audit_verify", "De controle van het auditspoor faalde (audit verify)"
        REFUSED_SPIKE = "refused_spike", "Piek in geweigerde oproepen"

    class Exposure(models.TextChoices):
        PROCESSED = "processed", "Gegevens verwerkt tijdens het venster"
        STORED = "stored", "Alle gegevens opgeslagen op het einde van het venster (bv. een gelekte back-up)"

    state = models.CharField("status", max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    detector = models.CharField("bron", max_length=20, choices=Detector.choices, default=Detector.MANUAL)
    detector_ref = models.CharField(
        "kenmerk van de detector", max_length=100, null=True, blank=True, unique=True, editable=False
    )
    detector_detail = models.JSONField("wat de detector zag", default=dict, blank=True, editable=False)
    title = models.CharField("titel", max_length=200)
    detected_at = models.DateTimeField("vastgesteld op", db_index=True)
    nature = models.TextField(
        "aard van de inbreuk",
        help_text="Wat er gebeurde (vernietiging, verlies, wijziging, ongeoorloofde verstrekking of toegang). "
        "Geen persoonsgegevens: deze tekst gaat naar elke getroffen instantie.",
    )
    window_start = models.DateTimeField("venster vanaf")
    window_end = models.DateTimeField("venster tot")
    exposure = models.CharField(
        "blootgestelde gegevens", max_length=10, choices=Exposure.choices, default=Exposure.PROCESSED
    )
    systems = models.JSONField("systemen", default=list, blank=True)
    components = models.JSONField("componenten", default=list, blank=True, help_text="Leeg: alle componenten.")
    data_categories = models.JSONField("gegevenscategorieën", default=list, blank=True)
    subject_categories = models.CharField(
        "categorieën van betrokkenen", max_length=300, default="Burgers die Mijn Burgerprofiel gebruiken"
    )
    likely_consequences = models.TextField("waarschijnlijke gevolgen", blank=True)
    measures = models.TextField("genomen of voorgestelde maatregelen", blank=True)
    affected = models.JSONField("getroffen instanties (berekend)", default=list, blank=True, editable=False)
    affected_computed_at = models.DateTimeField("berekend op", null=True, blank=True, editable=False)
    notified_at = models.DateTimeField("gemeld op", null=True, blank=True, editable=False)
    closed_at = models.DateTimeField("afgesloten op", null=True, blank=True, editable=False)
    close_reason = models.TextField("reden van afsluiten of afwijzen", blank=True)
    warning_logged_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_logged_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField("geregistreerd op", default=timezone.now, editable=False)
    created_by = models.CharField("geregistreerd door", max_length=128, editable=False)

    class Meta:
        verbose_name = "inbreuk"
        verbose_name_plural = "inbreuken"
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    @property
    def reference(self) -> str:
        return f"INB-{self.detected_at:%Y}-{self.pk or 0:04d}"

    @property
    def deadline_at(self) -> dt.datetime:
        return self.detected_at + dt.timedelta(hours=settings.BREACH_NOTICE_DEADLINE_HOURS)

    @property
    def warning_at(self) -> dt.datetime:
        return self.detected_at + dt.timedelta(hours=settings.BREACH_NOTICE_WARNING_HOURS)

    def deadline_state(self, now: dt.datetime | None = None) -> str:
        """``on_time``/``late`` once notified; else ``ok``, ``warning`` or ``overdue`` by the clock;
        ``none`` for a dismissed breach or one closed without notice (nobody to notify)."""
        if self.notified_at is not None:
            return "on_time" if self.notified_at <= self.deadline_at else "late"
        if self.state in (self.State.DISMISSED, self.State.CLOSED):
            return "none"
        now = now or timezone.now()
        if now >= self.deadline_at:
            return "overdue"
        if now >= self.warning_at:
            return "warning"
        return "ok"


DEADLINE_LABELS = {
    "on_time": "Tijdig gemeld",
    "late": "Te laat gemeld",
    "none": "Geen melding nodig",
    "ok": "Binnen de termijn",
    "warning": "Waarschuwing: termijn loopt af",
    "overdue": "Termijn verstreken",
}


class BreachNotification(models.Model):
    """One notice of a breach to one agency: phase 1 is the notice, later phases are updates (33(4))."""

    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="notifications")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", verbose_name="instantie")
    notice = models.OneToOneField(AgencyNotice, on_delete=models.PROTECT, related_name="+")
    phase = models.PositiveIntegerField("fase")
    subjects = models.PositiveIntegerField("betrokkenen (bij benadering)")
    records = models.PositiveIntegerField("records (bij benadering)")
    sent_at = models.DateTimeField("verstuurd op")

    class Meta:
        verbose_name = "melding van een inbreuk"
        verbose_name_plural = "meldingen van inbreuken"
        ordering = ["breach_id", "phase", "agency_id"]
        constraints = [
            models.UniqueConstraint(fields=["breach", "agency", "phase"], name="breach_notification_unique_phase")
        ]

    def __str__(self) -> str:
        return f"{self.breach.reference} fase {self.phase} aan {self.agency}"
