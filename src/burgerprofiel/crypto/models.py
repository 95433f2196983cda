from __future__ import annotations

import uuid

from django.db import models


class DataKey(models.Model):
    """A data-encryption key, stored only wrapped by a key-encryption key (see ``keyring``)."""

    class OwnerType(models.TextChoices):
        AGENCY = "agency", "Instantie"
        CITIZEN = "citizen", "Burger"
        PLATFORM = "platform", "Platform"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner_type = models.CharField(max_length=16, choices=OwnerType.choices)
    kek_id = models.CharField(max_length=64)
    wrapped_key = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)
    destroyed_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "datasleutel"
        verbose_name_plural = "datasleutels"

    def __str__(self) -> str:
        state = "vernietigd" if self.destroyed_at else f"KEK {self.kek_id}"
        return f"{self.get_owner_type_display()} {self.id} ({state})"

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None


class SigningKey(models.Model):
    """The platform's own signing keys (access tokens, audit tree heads), private part KEK-wrapped."""

    kid = models.CharField(max_length=64, primary_key=True)
    algorithm = models.CharField(max_length=8, default="ES256")
    public_jwk = models.JSONField()
    kek_id = models.CharField(max_length=64)
    wrapped_private_key = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "ondertekeningssleutel"
        verbose_name_plural = "ondertekeningssleutels"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.algorithm} {self.kid}"
