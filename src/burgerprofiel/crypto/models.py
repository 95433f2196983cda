from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataKey(models.Model):
    """A data-encryption key, stored only wrapped by a key-encryption key (see ``keyring``)."""

    class OwnerType(models.TextChoices):
        AGENCY = "agency", "Instantie"
        CITIZEN = "citizen", "Burger"
        PLATFORM = "platform", "Platform"

    id = models.UUIDField(_("id"), primary_key=True, default=uuid.uuid4, editable=False)
    owner_type = models.CharField(_("soort eigenaar"), max_length=16, choices=OwnerType.choices)
    kek_id = models.CharField(_("KEK-id"), max_length=64)
    wrapped_key = models.BinaryField(_("ingepakte sleutel"), null=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    rewrapped_at = models.DateTimeField(_("opnieuw ingepakt op"), null=True, blank=True)
    destroyed_at = models.DateTimeField(_("vernietigd op"), null=True, blank=True)
    destroyed_reason = models.CharField(_("reden van vernietiging"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("datasleutel")
        verbose_name_plural = _("datasleutels")

    def __str__(self) -> str:
        state = "vernietigd" if self.destroyed_at else f"KEK {self.kek_id}"
        return f"{self.get_owner_type_display()} {self.id} ({state})"

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None


class SigningKey(models.Model):
    """The platform's own signing keys (access tokens, audit tree heads), private part KEK-wrapped."""

    kid = models.CharField(_("sleutel-id (kid)"), max_length=64, primary_key=True)
    algorithm = models.CharField(_("algoritme"), max_length=8, default="ES256")
    public_jwk = models.JSONField(_("publieke sleutel (JWK)"))
    kek_id = models.CharField(_("KEK-id"), max_length=64)
    wrapped_private_key = models.BinaryField(_("ingepakte private sleutel"))
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    retired_at = models.DateTimeField(_("buiten gebruik sinds"), null=True, blank=True)

    class Meta:
        verbose_name = _("ondertekeningssleutel")
        verbose_name_plural = _("ondertekeningssleutels")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.algorithm} {self.kid}"
