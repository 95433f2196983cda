from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from burgerprofiel.api.models import IdempotencyRecord


def idempotency_records_purge() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
