from __future__ import annotations

from django.db import models


class IdempotencyRecord(models.Model):
    """A POST's response, kept so that a retry with the same Idempotency-Key replays it."""

    client_id = models.CharField(max_length=64)
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(null=True)
    # What the first request's order check allowed: a replay is checked for the same (issue 11 item 7).
    component = models.CharField(max_length=32, blank=True, default="")
    categories = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(null=True)
    # A request that commits in chunks (a bulk of meldingen) keeps here what it stored so far, in
    # each chunk's own transaction; ``resumable``: it was interrupted, a retry continues it.
    progress = models.JSONField(null=True, blank=True)
    resumable = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client_id", "key"], name="unique_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.client_id}/{self.key}"
