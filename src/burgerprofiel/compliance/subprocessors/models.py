"""The register of sub-processors (charter 6, Bijlage 2), its planned changes, the agencies'
objections to them (charter 6.3), and the transfers outside the EEA an order allows (charter 10).

Design note. The register is what Bijlage 2 says, kept as data: every agency with an order agreed to
the sub-processors in force (6.1), and a change reaches them at least thirty days before it takes
effect (6.2). So a sub-processor is never simply added: a ``SubProcessorChange`` plans it with an
effective date, every agency hears of it at once, and it takes effect on that date only when no
objection is left open. The register rows themselves carry their state (planned, active, retired)
so the history stays readable: nothing is deleted.
"""

from __future__ import annotations

import fnmatch
import uuid

from django.db import models

from burgerprofiel.agencies.models import Agency, ProcessingOrder
from burgerprofiel.compliance.subprocessors.eea import in_eea


class SubProcessor(models.Model):
    class State(models.TextChoices):
        PLANNED = "planned", "Gepland"
        ACTIVE = "active", "Actief"
        RETIRED = "retired", "Stopgezet"
        WITHDRAWN = "withdrawn", "Niet aangesteld"

    name = models.CharField("naam", max_length=200)
    identifier = models.CharField(
        "ondernemingsnummer", max_length=64, help_text="KBO-nummer (tien cijfers) of een buitenlands registratienummer."
    )
    address = models.CharField("adres", max_length=300)
    country = models.CharField("land", max_length=2, help_text="ISO 3166-1 alpha-2, bv. BE, NL, US.")
    role = models.CharField("rol", max_length=200, help_text="Wat de onderverwerker voor het platform doet.")
    data_categories = models.JSONField("gegevenscategorieën", default=list)
    contract_date = models.DateField("datum overeenkomst")
    endpoints = models.JSONField(
        "eindpunten",
        default=list,
        help_text="Hostnamen die de onderverwerker bedient (patronen zoals *.mollie.com toegelaten).",
    )
    state = models.CharField("status", max_length=10, choices=State.choices, default=State.PLANNED)
    effective_from = models.DateField("van kracht vanaf", null=True, blank=True)
    effective_until = models.DateField("van kracht tot", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "onderverwerker"
        verbose_name_plural = "onderverwerkers"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"

    @property
    def in_eea(self) -> bool:
        return in_eea(self.country)

    def covers(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(fnmatch.fnmatchcase(host, str(pattern).lower()) for pattern in self.endpoints)


class SubProcessorChange(models.Model):
    """A planned change of the register (charter 6.2): add, replace or remove one sub-processor."""

    class Kind(models.TextChoices):
        ADD = "add", "Toevoegen"
        REPLACE = "replace", "Vervangen"
        REMOVE = "remove", "Stopzetten"

    class State(models.TextChoices):
        PLANNED = "planned", "Gepland"
        APPLIED = "applied", "Doorgevoerd"
        WITHDRAWN = "withdrawn", "Ingetrokken"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("soort", max_length=8, choices=Kind.choices)
    subprocessor = models.ForeignKey(
        SubProcessor,
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name="onderverwerker",
        help_text="De nieuwe onderverwerker (toevoegen, vervangen) of de stopgezette (stopzetten).",
    )
    replaces = models.ForeignKey(
        SubProcessor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by_changes",
        verbose_name="vervangt",
    )
    effective_on = models.DateField("datum van inwerkingtreding")
    reason = models.TextField("toelichting", blank=True)
    state = models.CharField("status", max_length=10, choices=State.choices, default=State.PLANNED)
    planned_by = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "wijziging van onderverwerkers"
        verbose_name_plural = "wijzigingen van onderverwerkers"
        ordering = ["-effective_on", "-created_at"]
        indexes = [models.Index(fields=["state", "effective_on"], name="subproc_change_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subprocessor.name} op {self.effective_on}"


class Objection(models.Model):
    """An agency's reasoned objection to a planned change (charter 6.3), and how it was resolved."""

    class Outcome(models.TextChoices):
        OPEN = "open", "Open"
        APPOINT_ANYWAY = "appoint_anyway", "Onderverwerker wordt alsnog ingeschakeld"
        REPLACE = "replace", "Vervangen door een andere onderverwerker"
        NOT_APPOINTED = "not_appointed", "Onderverwerker wordt niet aangesteld"
        TERMINATED = "terminated", "Kosteloze beëindiging door de instantie"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    change = models.ForeignKey(SubProcessorChange, on_delete=models.PROTECT, related_name="objections")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="instantie")
    reason = models.TextField("motivering")
    outcome = models.CharField("uitkomst", max_length=16, choices=Outcome.choices, default=Outcome.OPEN)
    resolution_note = models.TextField("toelichting bij de uitkomst", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=128, blank=True)

    class Meta:
        verbose_name = "bezwaar tegen onderverwerker"
        verbose_name_plural = "bezwaren tegen onderverwerkers"
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["change", "agency"], name="subproc_one_objection_per_agency"),
        ]

    def __str__(self) -> str:
        return f"Bezwaar van {self.agency} ({self.get_outcome_display()})"


class TransferPermission(models.Model):
    """An order's explicit permission to transfer or store data outside the EEA (charter 10).

    Kept beside the order, not in its versions: a permission is granted and revoked on its own
    record, each audited, and the check reads the ones not revoked.
    """

    order = models.ForeignKey(
        ProcessingOrder, on_delete=models.PROTECT, related_name="+", verbose_name="verwerkingsopdracht"
    )
    country = models.CharField("land", max_length=2)
    recipient = models.CharField(
        "ontvanger", max_length=200, blank=True, help_text="Onderverwerker of bron; leeg: elke ontvanger in dat land."
    )
    legal_ground = models.TextField(
        "rechtsgrond",
        help_text="AVG hoofdstuk V: adequaatheidsbesluit (art. 45), passende waarborgen (art. 46), ... ",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=128)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "doorgifte buiten de EER"
        verbose_name_plural = "doorgiften buiten de EER"
        ordering = ["order_id", "country"]

    def __str__(self) -> str:
        return f"{self.country} voor {self.order}"
