from __future__ import annotations

import os
import threading
import time
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from burgerprofiel.crypto import keyring
from burgerprofiel.crypto.models import DataKey, SigningKey


class KeyUnavailable(Exception):
    """The data key was destroyed (or never existed): its data can no longer be read."""


_cache: dict[uuid.UUID, tuple[bytes, float]] = {}
_cache_lock = threading.Lock()


def data_key_create(*, owner_type: str) -> DataKey:
    key_id = uuid.uuid4()
    kek_id, wrapped = keyring.wrap(data_key=os.urandom(32), key_id=str(key_id))
    return DataKey.objects.create(id=key_id, owner_type=owner_type, kek_id=kek_id, wrapped_key=wrapped)


def data_key_material(key_id: uuid.UUID | str) -> bytes:
    """The plaintext data key, from a short per-process cache or unwrapped from the database."""
    key_uuid = key_id if isinstance(key_id, uuid.UUID) else uuid.UUID(str(key_id))
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key_uuid)
        if hit and hit[1] > now:
            return hit[0]
    row = DataKey.objects.filter(id=key_uuid).values("kek_id", "wrapped_key", "destroyed_at").first()
    if row is None or row["destroyed_at"] is not None or not row["wrapped_key"]:
        raise KeyUnavailable(str(key_uuid))
    material = keyring.unwrap(wrapped=bytes(row["wrapped_key"]), kek_id=row["kek_id"], key_id=str(key_uuid))
    with _cache_lock:
        _cache[key_uuid] = (material, now + settings.DATA_KEY_CACHE_SECONDS)
    return material


def forget_cached_keys() -> None:
    with _cache_lock:
        _cache.clear()


def data_key_shred(*, key: DataKey, reason: str) -> tuple[DataKey, bool]:
    """Crypto-shred: drop the wrapped key so every value it encrypted is unreadable everywhere.

    Returns the row and whether this call destroyed it (False: it was already gone). Recording the
    act is the caller's: ``audit.keys.data_key_destroy`` does both in one transaction (crypto sits
    below audit, so it records nothing itself).
    """
    with transaction.atomic():
        locked = DataKey.objects.select_for_update().get(pk=key.pk)
        destroyed = locked.destroyed_at is None
        if destroyed:
            locked.wrapped_key = None
            locked.destroyed_at = timezone.now()
            locked.destroyed_reason = reason[:200]
            locked.save(update_fields=["wrapped_key", "destroyed_at", "destroyed_reason"])
    with _cache_lock:
        _cache.pop(locked.pk, None)
    return locked, destroyed


def data_keys_rewrap(*, batch_size: int = 500) -> int:
    """Wrap every live data key with the current KEK. Safe to run twice; returns how many moved."""
    current = keyring.current_kek()
    moved = 0
    while True:
        with transaction.atomic():
            batch = list(
                DataKey.objects.select_for_update()
                .filter(destroyed_at__isnull=True)
                .exclude(kek_id=current.id)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return moved + _signing_keys_rewrap(current)
            for data_key in batch:
                material = keyring.unwrap(
                    wrapped=bytes(data_key.wrapped_key or b""), kek_id=data_key.kek_id, key_id=str(data_key.pk)
                )
                data_key.kek_id, data_key.wrapped_key = keyring.wrap(
                    data_key=material, key_id=str(data_key.pk), kek=current
                )
                data_key.rewrapped_at = timezone.now()
                data_key.save(update_fields=["kek_id", "wrapped_key", "rewrapped_at"])
            moved += len(batch)


def _signing_keys_rewrap(current: keyring.Kek) -> int:
    moved = 0
    with transaction.atomic():
        for row in SigningKey.objects.select_for_update().exclude(kek_id=current.id):
            key_id = f"signing:{row.kid}"
            material = keyring.unwrap(wrapped=bytes(row.wrapped_private_key), kek_id=row.kek_id, key_id=key_id)
            row.kek_id, row.wrapped_private_key = keyring.wrap(data_key=material, key_id=key_id, kek=current)
            row.save(update_fields=["kek_id", "wrapped_private_key"])
            moved += 1
    return moved
