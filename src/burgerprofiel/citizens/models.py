from __future__ import annotations

from django.db import models

from burgerprofiel.crypto.fields import EncryptedTextField, SealedRow
from burgerprofiel.crypto.models import DataKey


class Citizen(SealedRow):
    """A citizen known to the platform, keyed by INSZ.

    The INSZ is stored twice and never in clear: an HMAC blind index for lookups and the value
    encrypted with the citizen's own data key (destroying that key erases the identity).
    """

    insz_index = models.CharField(max_length=64, unique=True)
    insz = EncryptedTextField(key_from="data_key_id")
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "burger"
        verbose_name_plural = "burgers"

    def __str__(self) -> str:
        return f"Burger {self.pk}"
