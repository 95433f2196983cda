from __future__ import annotations

from django.db import models


class UsedAssertion(models.Model):
    """A client assertion's ``jti`` seen before its expiry: a second use is a replay (RFC 7523 §3)."""

    client_id = models.CharField(max_length=64)
    jti = models.CharField(max_length=200)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client_id", "jti"], name="unique_assertion_jti")]

    def __str__(self) -> str:
        return f"{self.client_id}/{self.jti}"
