"""Agencies onboarded before the key store: each data key moves from the KEK to a key-store secret
of its own (``crypto.keystore``), so destroying it reaches backups of the database too.

Safe to run twice (a moved key is marked ``keystore``). Reversing moves them back under the KEK."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.utils import timezone


def forwards(apps: Any, schema_editor: Any) -> None:
    from burgerprofiel.crypto import keyring, keystore

    DataKey = apps.get_model("crypto", "DataKey")
    rows = DataKey.objects.filter(owner_type="agency", destroyed_at__isnull=True).exclude(kek_id=keystore.MARKER)
    for key in rows.iterator():
        if not key.wrapped_key:
            continue
        material = keyring.unwrap(wrapped=bytes(key.wrapped_key), kek_id=key.kek_id, key_id=str(key.pk))
        secret = keystore.secret_create(key.pk)
        key.kek_id = keystore.MARKER
        key.wrapped_key = keystore.wrap(data_key=material, key_id=key.pk, secret=secret)
        key.rewrapped_at = timezone.now()
        key.save(update_fields=["kek_id", "wrapped_key", "rewrapped_at"])


def backwards(apps: Any, schema_editor: Any) -> None:
    from burgerprofiel.crypto import keyring, keystore

    DataKey = apps.get_model("crypto", "DataKey")
    for key in DataKey.objects.filter(kek_id=keystore.MARKER, destroyed_at__isnull=True).iterator():
        material = keystore.unwrap(wrapped=bytes(key.wrapped_key), key_id=key.pk)
        key.kek_id, key.wrapped_key = keyring.wrap(data_key=material, key_id=str(key.pk))
        key.save(update_fields=["kek_id", "wrapped_key"])


class Migration(migrations.Migration):
    dependencies = [("crypto", "0002_reseal_with_context")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
