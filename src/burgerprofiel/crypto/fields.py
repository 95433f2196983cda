"""Model fields that encrypt with a data key (DESIGN rule 3).

A value is stored as ``bp1:<data key id>:<base64(nonce || AES-256-GCM ciphertext)>``. The field
names where its key comes from (``key_from="agency.data_key_id"``); the key id travels with the
ciphertext, so reading needs nothing but the value. A value whose key was destroyed reads as
``UNREADABLE``. Encrypted fields cannot be filtered on: use a blind index.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models

from burgerprofiel.common.randomness import random_bytes
from burgerprofiel.crypto.services import KeyUnavailable, data_key_material

PREFIX = "bp1:"


class _Unreadable:
    """Stands in for a value whose data key was destroyed."""

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return "[onleesbaar: sleutel vernietigd]"

    __repr__ = __str__


UNREADABLE: Any = _Unreadable()


class _Ciphertext(str):
    """Marks a string that ``pre_save`` already encrypted."""


def sealed(ciphertext: str) -> Any:
    """A value ``encrypt_bytes`` made, to assign to an encrypted field as it is (not encrypted again)."""
    if not ciphertext.startswith(PREFIX):
        raise ValueError("not an encrypted value")
    return _Ciphertext(ciphertext)


def encrypt_bytes(plaintext: bytes, *, key_id: uuid.UUID | str) -> str:
    return Sealer(key_id).seal(plaintext)


class Sealer:
    """Encrypts many values with one data key, looking the key up once (``encrypt_bytes`` per value
    costs a key lookup and a cipher setup each time, which shows in a 10,000-line bulk upload)."""

    def __init__(self, key_id: uuid.UUID | str) -> None:
        # The associated data is the key id's canonical text: a hex id (as SQLite hands it back)
        # seals exactly as the UUID does, so decryption (which starts from the UUID) always matches.
        key_uuid = key_id if isinstance(key_id, uuid.UUID) else uuid.UUID(str(key_id))
        self._cipher = AESGCM(data_key_material(key_uuid))
        self._aad = str(key_uuid).encode()
        self._prefix = f"{PREFIX}{key_uuid.hex}:"

    def seal(self, plaintext: bytes) -> str:
        nonce = random_bytes(12)  # a fresh 96-bit nonce from the CSPRNG (pooled: see common.randomness)
        return self._prefix + base64.b64encode(nonce + self._cipher.encrypt(nonce, plaintext, self._aad)).decode()


def decrypt_bytes(stored: str) -> bytes:
    if not stored.startswith(PREFIX):
        raise ValueError("not an encrypted value")
    key_hex, _, payload = stored[len(PREFIX) :].partition(":")
    key_id = uuid.UUID(key_hex)
    raw = base64.b64decode(payload)
    return AESGCM(data_key_material(key_id)).decrypt(raw[:12], raw[12:], str(key_id).encode())


def key_id_of(stored: str) -> uuid.UUID:
    return uuid.UUID(stored[len(PREFIX) :].partition(":")[0])


def _resolve(instance: Any, path: str) -> Any:
    value = instance
    for part in path.split("."):
        value = getattr(value, part)
        if value is None:
            return None
    return value


class EncryptedTextField(models.TextField):
    def __init__(self, *args: Any, key_from: str, **kwargs: Any) -> None:
        self.key_from = key_from
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["key_from"] = self.key_from
        return name, path, args, kwargs

    def to_plain(self, value: Any) -> bytes:
        return str(value).encode()

    def from_plain(self, raw: bytes) -> Any:
        return raw.decode()

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if value is None or value is UNREADABLE:
            return None if value is None else _Ciphertext("")
        if isinstance(value, _Ciphertext):
            return value
        key_id = _resolve(model_instance, self.key_from)
        if key_id is None:
            raise ValueError(f"{type(model_instance).__name__}.{self.name}: no data key at {self.key_from}")
        return _Ciphertext(encrypt_bytes(self.to_plain(value), key_id=getattr(key_id, "pk", key_id)))

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, _Ciphertext):
            return value
        raise TypeError(f"{self.name} is encrypted: it can only be written by saving the model, not queried")

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        if value == "":
            return UNREADABLE
        try:
            return self.from_plain(decrypt_bytes(value))
        except KeyUnavailable:
            return UNREADABLE


class EncryptedJSONField(EncryptedTextField):
    def to_plain(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, sort_keys=True).encode()

    def from_plain(self, raw: bytes) -> Any:
        return json.loads(raw)


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for equality lookups on encrypted values; ``purpose`` separates domains."""
    key = hmac.new(settings.BLIND_INDEX_KEY.encode(), purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
