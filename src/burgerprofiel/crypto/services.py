from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from burgerprofiel.common.copy import copy_rows
from burgerprofiel.crypto import keyring, keystore
from burgerprofiel.crypto.models import DataKey, SigningKey


class KeyUnavailable(Exception):
    """The data key was destroyed (or never existed): its data can no longer be read."""


class KeyUnwrapError(Exception):
    """A data key that exists does not unwrap under the configured KEKs (``KEY_ENCRYPTION_KEYS`` is
    not the one that wrapped it, or the wrapped key was altered): a configuration fault, not a value
    that was moved or tampered with, and never read as unreadable data."""


_cache: dict[uuid.UUID, tuple[bytes, float]] = {}
_cache_lock = threading.Lock()


def data_key_create(*, owner_type: str) -> DataKey:
    """A new data key. An agency's is wrapped by a secret of its own in the key store (outside the
    database: ``crypto.keystore``), so destroying it reaches backups of the database too; the others
    are wrapped by the KEK."""
    key_id = uuid.uuid4()
    material = os.urandom(32)
    if owner_type == DataKey.OwnerType.AGENCY:
        secret = keystore.secret_create(key_id)
        wrapped = keystore.wrap(data_key=material, key_id=key_id, secret=secret)
        return DataKey.objects.create(id=key_id, owner_type=owner_type, kek_id=keystore.MARKER, wrapped_key=wrapped)
    kek_id, wrapped = keyring.wrap(data_key=material, key_id=str(key_id))
    return DataKey.objects.create(id=key_id, owner_type=owner_type, kek_id=kek_id, wrapped_key=wrapped)


def data_key_to_keystore(key: DataKey) -> bool:
    """Move a KEK-wrapped data key to a key-store secret of its own (agencies onboarded before the key
    store; migration ``crypto.0003``). Safe to run twice; returns whether it moved."""
    if key.kek_id == keystore.MARKER or key.destroyed_at is not None or not key.wrapped_key:
        return False
    material = keyring.unwrap(wrapped=bytes(key.wrapped_key), kek_id=key.kek_id, key_id=str(key.pk))
    secret = keystore.secret_create(key.pk)
    key.kek_id = keystore.MARKER
    key.wrapped_key = keystore.wrap(data_key=material, key_id=key.pk, secret=secret)
    key.rewrapped_at = timezone.now()
    key.save(update_fields=["kek_id", "wrapped_key", "rewrapped_at"])
    return True


def data_keys_create_many(*, owner_type: str, count: int) -> list[uuid.UUID]:
    """``count`` new data keys in one write (COPY on PostgreSQL), for bulk creation (``burgerprofiel
    seed``): each is wrapped as ``data_key_create`` wraps it. The unwrapped keys go straight into this
    process's short cache, so sealing with them right after costs no lookup per key."""
    now_dt = timezone.now()
    created: list[tuple[uuid.UUID, bytes, str, bytes]] = []
    for _ in range(count):
        key_id, material = uuid.uuid4(), os.urandom(32)
        kek_id, wrapped = keyring.wrap(data_key=material, key_id=str(key_id))
        created.append((key_id, material, kek_id, wrapped))
    if connection.vendor == "postgresql":
        copy_rows(
            DataKey,
            ("id", "owner_type", "kek_id", "wrapped_key", "created_at", "destroyed_reason"),
            ((key_id, owner_type, kek_id, wrapped, now_dt, "") for key_id, _, kek_id, wrapped in created),
        )
    else:
        DataKey.objects.bulk_create(
            [
                DataKey(id=key_id, owner_type=owner_type, kek_id=kek_id, wrapped_key=wrapped, created_at=now_dt)
                for key_id, _, kek_id, wrapped in created
            ],
            batch_size=1000,
        )
    expires = time.monotonic() + settings.DATA_KEY_CACHE_SECONDS
    with _cache_lock:
        for key_id, material, _, _ in created:
            _cache[key_id] = (material, expires)
    return [key_id for key_id, _, _, _ in created]


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
    material = _unwrap(key_uuid, row["kek_id"], bytes(row["wrapped_key"]))
    with _cache_lock:
        _cache[key_uuid] = (material, now + settings.DATA_KEY_CACHE_SECONDS)
    return material


def _unwrap(key_uuid: uuid.UUID, kek_id: str, wrapped: bytes) -> bytes:
    try:
        if kek_id == keystore.MARKER:
            try:
                return keystore.unwrap(wrapped=wrapped, key_id=key_uuid)
            except keystore.SecretMissing:
                # Destroyed after this copy of the database was made (a restored backup): gone for good.
                raise KeyUnavailable(str(key_uuid)) from None
        return keyring.unwrap(wrapped=wrapped, kek_id=kek_id, key_id=str(key_uuid))
    except InvalidTag:
        raise KeyUnwrapError(
            f"data key {key_uuid} does not unwrap under KEK {kek_id!r} of KEY_ENCRYPTION_KEYS "
            "(or under its key-store secret)"
        ) from None


# The DataKey columns ``data_keys_prime`` takes, in its order.
PRIME_COLUMNS = ("id", "kek_id", "wrapped_key", "destroyed_at")


def data_key_select(alias: str) -> str:
    """The select list of ``PRIME_COLUMNS`` of the DataKey row joined as ``alias``: what a statement
    that reads sealed values adds so that its caller can ``data_keys_prime`` their keys."""
    columns = {f.name: f.column for f in DataKey._meta.concrete_fields}
    return ", ".join(f"{alias}.{connection.ops.quote_name(columns[name])}" for name in PRIME_COLUMNS)


def data_keys_prime(rows: Iterable[tuple[uuid.UUID | None, str, Any, Any]]) -> None:
    """Cache data keys that their caller read itself, in the statement that read the values they
    seal (rows of id, kek_id, wrapped_key, destroyed_at), so that decrypting those values looks
    nothing up: ``data_key_material`` read each uncached key with a query of its own, one per
    message for a worker sending to many citizens. A row without a key (all None: a key joined
    with LEFT JOIN and absent) and a destroyed key are left out (nothing to unwrap; a destroyed
    key's values read as unreadable, through ``data_key_material``), a key cached already is kept
    as it is."""
    now = time.monotonic()
    for key_uuid, kek_id, wrapped, destroyed_at in rows:
        if key_uuid is None or destroyed_at is not None or not wrapped:
            continue
        with _cache_lock:
            hit = _cache.get(key_uuid)
        if hit and hit[1] > now:
            continue
        try:
            material = _unwrap(key_uuid, kek_id, bytes(wrapped))
        except KeyUnavailable:
            continue
        with _cache_lock:
            _cache[key_uuid] = (material, now + settings.DATA_KEY_CACHE_SECONDS)


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
    # Outside the database, after the row: what makes the destruction reach backups of the database.
    # Also when the row was already destroyed (a run that stopped between the two is finished here).
    if locked.kek_id == keystore.MARKER:
        keystore.secret_destroy(locked.pk)
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
                .exclude(kek_id__in=[current.id, keystore.MARKER])
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return moved + _signing_keys_rewrap(current) + keystore.secrets_rewrap()
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


def ciphertexts_reseal_column(
    *, connection: Any, table: str, pk_column: str, column: str, row_column: str | None = None, chunk: int = 1000
) -> int:
    """Seal every value of one encrypted column in an older format again. With ``row_column`` (the
    row identity's column: ``seal_id`` or a UUID primary key) ``bp1:`` and ``bp2:`` values become
    ``bp3:``, bound to table, column and row (``crypto.fields.row_reseal``); without it (migration
    ``crypto.0002``, before any table had a row identity) ``bp1:`` values become ``bp2:``. Values
    whose data key was destroyed stay as they are (they read as unreadable either way); a value that
    does not decrypt where it is (moved, altered) is left for its reader to refuse. Safe to run
    twice; returns how many values it re-sealed."""
    from burgerprofiel.crypto.fields import legacy_reseal, row_reseal

    quote = connection.ops.quote_name
    context = f"{table}.{column}"
    identity = quote(row_column) if row_column else "NULL"
    old = f"({quote(column)} LIKE %s OR {quote(column)} LIKE %s)" if row_column else f"{quote(column)} LIKE %s"
    patterns = ["bp1:%", "bp2:%"] if row_column else ["bp1:%"]
    # Identifiers come from the models; every value is a parameter.
    first_page = (
        f"SELECT {quote(pk_column)}, {identity}, {quote(column)} FROM {quote(table)} "  # noqa: S608
        f"WHERE {old} ORDER BY {quote(pk_column)} LIMIT %s"
    )
    next_page = (
        f"SELECT {quote(pk_column)}, {identity}, {quote(column)} FROM {quote(table)} "  # noqa: S608
        f"WHERE {old} AND {quote(pk_column)} > %s ORDER BY {quote(pk_column)} LIMIT %s"
    )
    update = f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(pk_column)} = %s AND {quote(column)} = %s"  # noqa: S608
    resealed = 0
    last: Any = None
    while True:
        with connection.cursor() as cursor:
            if last is None:
                cursor.execute(first_page, [*patterns, chunk])
            else:
                cursor.execute(next_page, [*patterns, last, chunk])
            rows = cursor.fetchall()
        if not rows:
            return resealed
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for pk, row_id, value in rows:
                try:
                    if row_column:
                        new = row_reseal(value, context=context, row_id=row_id)
                    else:
                        new = legacy_reseal(value, context=context)
                except KeyUnavailable:
                    continue
                except InvalidTag:  # (not a KEK fault: that is KeyUnwrapError, and stops the run)
                    continue  # does not belong in this column/row (moved, altered): its reader refuses it
                cursor.execute(update, [new, pk, value])
                resealed += 1
        last = rows[-1][0]


def ciphertexts_reseal(*, using_apps: Any = None, connection: Any = None) -> int:
    """Seal every encrypted field's value still in an older format (``bp1:``, ``bp2:``) again as
    ``bp3:``, bound to its row: ``burgerprofiel keys reseal`` (after a rolling upgrade, for values
    old processes wrote after the migration ran) and migration ``crypto.0003`` (with its historical
    ``using_apps``). Safe to run twice."""
    from django.apps import apps as current_apps
    from django.db import connection as default_connection

    from burgerprofiel.crypto.fields import encrypted_fields_of, row_identity_field

    resealed = 0
    for model in (using_apps or current_apps).get_models():
        identity = row_identity_field(model)
        if identity is None:
            continue  # crypto.E010 refuses such a model; nothing can be bound to its rows
        for field in encrypted_fields_of(model):
            resealed += ciphertexts_reseal_column(
                connection=connection or default_connection,
                table=model._meta.db_table,
                pk_column=model._meta.pk.column,
                column=field.column,
                row_column=identity.column,
            )
    return resealed
