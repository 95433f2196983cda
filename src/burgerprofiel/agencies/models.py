from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.crypto.fields import EncryptedTextField, SealedRow
from burgerprofiel.crypto.models import DataKey


class Agency(SealedRow):
    """An opdrachtgevende instantie: the data controller using the platform."""

    name = models.CharField(_("naam"), max_length=200)
    kbo = models.CharField(_("KBO-nummer"), max_length=10, unique=True, help_text="Tien cijfers, zonder punten.")
    # The DPO is a person: their contact is personal data, encrypted with the agency's key.
    dpo_name = EncryptedTextField(_("naam DPO"), key_from="data_key_id", blank=True, default="")
    dpo_email = EncryptedTextField(_("e-mail DPO"), key_from="data_key_id", blank=True, default="")
    street = models.CharField(_("straat en nummer"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=4, blank=True)
    municipality = models.CharField(_("gemeente"), max_length=100, blank=True)
    data_key = models.OneToOneField(DataKey, verbose_name=_("datasleutel"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("instantie")
        verbose_name_plural = _("instanties")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def kbo_display(self) -> str:
        return f"{self.kbo[:4]}.{self.kbo[4:7]}.{self.kbo[7:]}"


class ContactPerson(SealedRow):
    """A person authorised to instruct the processor on the agency's behalf (charter 3.3).

    The list is the platform operators' to keep (onboarding, back-office, CLI): instructions are taken
    only from the people on it, so an agency system must not be able to add itself new ones. An
    authorisation counts from ``authorised_from`` up to and including ``authorised_until``.
    """

    agency = models.ForeignKey(
        Agency, verbose_name=_("instantie"), on_delete=models.CASCADE, related_name="contact_persons"
    )
    name = EncryptedTextField(_("naam"), key_from="agency.data_key_id")
    email = EncryptedTextField(_("e-mail"), key_from="agency.data_key_id")
    phone = EncryptedTextField(_("telefoon"), key_from="agency.data_key_id", blank=True, default="")
    role = models.CharField(_("rol"), max_length=100)
    authorised_from = models.DateField(_("gemachtigd vanaf"), default=dt.date.today)
    authorised_until = models.DateField(_("gemachtigd tot"), null=True, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("gemachtigde contactpersoon")
        verbose_name_plural = _("gemachtigde contactpersonen")

    def __str__(self) -> str:
        return f"{self.role} ({self.agency})"

    def is_authorised_on(self, day: dt.date) -> bool:
        return self.authorised_from <= day and (self.authorised_until is None or day <= self.authorised_until)


class ApiClient(models.Model):
    """An agency system that calls the API with OAuth2 client credentials."""

    class AuthMethod(models.TextChoices):
        CLIENT_SECRET_BASIC = "client_secret_basic", "Client secret (HTTP Basic)"
        PRIVATE_KEY_JWT = "private_key_jwt", "private_key_jwt (RFC 7523)"

    agency = models.ForeignKey(
        Agency, verbose_name=_("instantie"), on_delete=models.CASCADE, related_name="api_clients"
    )
    client_id = models.CharField(_("client-id"), max_length=64, unique=True)
    name = models.CharField(_("naam"), max_length=200, blank=True)
    secret_hash = models.CharField(
        _("hash van het geheim"),
        max_length=200,
        blank=True,
        help_text=_("Argon2-hash; het geheim wordt maar één keer getoond."),
    )
    jwks = models.JSONField(
        _("publieke sleutels (JWKS)"),
        null=True,
        blank=True,
        help_text=_("Publieke sleutels voor private_key_jwt (JWKS)."),
    )
    is_active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("API-client")
        verbose_name_plural = _("API-clients")

    def __str__(self) -> str:
        return self.client_id


class ProcessingOrder(models.Model):
    """A verwerkingsopdracht (charter 1.2, Bijlage 1). Its content lives in immutable versions."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("instantie"), on_delete=models.PROTECT, related_name="processing_orders"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("verwerkingsopdracht")
        verbose_name_plural = _("verwerkingsopdrachten")

    def __str__(self) -> str:
        return f"Verwerkingsopdracht {self.pk} ({self.agency})"

    @property
    def current(self) -> ProcessingOrderVersion | None:
        return self.versions.order_by("-number").first()


class ProcessingOrderVersion(models.Model):
    """One version of an order. Never changed: every change is a new version (history kept)."""

    class State(models.TextChoices):
        DRAFT = "draft", "Ontwerp"
        ACTIVE = "active", "Actief"
        SUSPENDED = "suspended", "Opgeschort"
        TERMINATED = "terminated", "Beëindigd"

    order = models.ForeignKey(
        ProcessingOrder, verbose_name=_("verwerkingsopdracht"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("versienummer"))
    state = models.CharField(_("status"), max_length=12, choices=State.choices, default=State.DRAFT)
    state_reason = models.TextField(
        _("reden van de status"),
        blank=True,
        help_text="Verplicht bij opschorting of beëindiging (charter 2.3: waarom de verwerking stopt).",
    )
    components = models.JSONField(_("componenten"), default=list, help_text="Bestelde applicatiecomponenten.")
    data_categories = models.JSONField(
        _("gegevenscategorieën"), default=dict, help_text="Per component de toegelaten gegevenscategorieën."
    )
    retention_days = models.JSONField(
        _("bewaartermijn (dagen)"), default=dict, help_text="Per component de bewaartermijn in dagen."
    )
    valid_from = models.DateField(_("geldig vanaf"), null=True, blank=True, help_text="Leeg: vanaf ondertekening.")
    valid_until = models.DateField(_("geldig tot"), null=True, blank=True, help_text="Leeg: onbepaalde duur.")
    legal_basis = models.TextField(_("rechtsgrond"), blank=True)
    dpia_reference = models.CharField(_("GEB/DPIA-referentie"), max_length=200, blank=True)
    change_note = models.TextField(_("toelichting bij de wijziging"), blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    created_by = models.CharField(_("aangemaakt door"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("versie van verwerkingsopdracht")
        verbose_name_plural = _("versies van verwerkingsopdrachten")
        ordering = ["order_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["order", "number"], name="unique_order_version_number")]

    def __str__(self) -> str:
        return f"{self.order} v{self.number} ({self.get_state_display()})"

    def is_valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def allows(self, component: str) -> bool:
        return component in self.components

    def categories_for(self, component: str) -> list[str]:
        return list(self.data_categories.get(component, []))

    def retention_for(self, component: str) -> int:
        return int(self.retention_days.get(component, 0))


__all__ = ["Agency", "ApiClient", "Component", "ContactPerson", "ProcessingOrder", "ProcessingOrderVersion"]
