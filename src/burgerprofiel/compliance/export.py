"""Rows of the holdings registry as plain JSON: for the return bundle and a citizen's export.

Encrypted fields are decrypted (a value whose key was destroyed is ``null``); binary values are
base64; a sealed attachment's bytes are handed out as a file of their own (``attachment_files``).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid
from collections.abc import Iterator
from typing import Any

from django.db import models

from burgerprofiel.crypto.fields import UNREADABLE, EncryptedTextField, decrypt_bytes
from burgerprofiel.crypto.services import KeyUnavailable

# Columns whose value is a sealed file: exported as a file, not inline.
FILE_COLUMNS = {"corrections.Attachment": "content"}


def _plain(value: Any) -> Any:
    if value is UNREADABLE:
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def row_export(instance: models.Model) -> dict[str, Any]:
    """One row: its model, primary key and every column (foreign keys by id), decrypted."""
    label = instance._meta.label
    fields: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name == FILE_COLUMNS.get(label):
            continue
        if field.is_relation:
            fields[field.attname] = _plain(getattr(instance, field.attname))
            continue
        value = getattr(instance, field.attname)
        if isinstance(field, EncryptedTextField) and value is UNREADABLE:
            fields[field.name] = None
        else:
            fields[field.name] = _plain(value)
    return {"model": label, "id": _plain(instance.pk), "fields": fields}


def attachment_files(instance: models.Model) -> Iterator[tuple[str, bytes]]:
    """(path, bytes) of the files a row carries: an error report's attachment."""
    if instance._meta.label == "corrections.Attachment":
        report_id = instance.report_id  # type: ignore[attr-defined]
        try:
            content = decrypt_bytes(instance.content, context=instance.seal_context(report_id))  # type: ignore[attr-defined]
        except KeyUnavailable:
            return
        name = instance.filename or f"bijlage-{instance.pk}"  # type: ignore[attr-defined]
        yield f"attachments/foutmeldingen/{report_id}/{name}", content
