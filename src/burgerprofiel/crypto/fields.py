"""Model fields that encrypt with a data key (DESIGN rule 3).

A value is stored as ``bp2:<data key id>:<base64(nonce || AES-256-GCM ciphertext)>``. The field
names where its key comes from (``key_from="agency.data_key_id"``); the key id travels with the
ciphertext. A value whose key was destroyed reads as ``UNREADABLE``. Encrypted fields cannot be
filtered on: use a blind index.

The associated data binds the ciphertext to where it belongs: the data key and the *context*, for a
field its table and column (``seal_context``). A ciphertext moved to another column or table does not
decrypt (issue 11 item 12e). ``bp1:`` values bound only the key id; migration ``crypto.0002``
re-sealed them, and reading one now fails like any tampered value.

One function turns a field's value into what its column stores: ``EncryptedTextField.stored``.
The ORM reaches it through ``pre_save``; code that writes rows without the ORM (COPY, a statement
of its own) calls it directly, with the row's context in place of the model instance, so a value
is encrypted the same way, with the key its field names, whichever way its row is written.
"""

from __future__ import annotations

import base64
import functools
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

PREFIX = "bp2:"
LEGACY_PREFIX = "bp1:"  # bound the key id only; read by the re-sealing migration, nowhere else


def _aad(key_uuid: uuid.UUID, context: str) -> bytes:
    """The associated data: the format, the data key and the context (table.column, or a caller's own)."""
    return f"bp2|{key_uuid}|{context}".encode()


def _legacy_aad(key_uuid: uuid.UUID) -> bytes:
    return str(key_uuid).encode()


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


def encrypt_bytes(plaintext: bytes, *, key_id: uuid.UUID | str, context: str) -> str:
    """Encrypt ``plaintext`` bound to ``context`` (where the value lives: decrypt with the same)."""
    return Sealer(key_id, context).seal(plaintext)


class Sealer:
    """Encrypts many values with one data key for one context, looking the key up once
    (``encrypt_bytes`` per value costs a key lookup and a cipher setup each time, which shows in a
    10,000-line bulk upload)."""

    def __init__(self, key_id: uuid.UUID | str, context: str = "") -> None:
        # The key id's canonical text goes into the associated data: a hex id (as SQLite hands it
        # back) seals exactly as the UUID does, so decryption (which starts from the UUID) matches.
        key_uuid = key_id if isinstance(key_id, uuid.UUID) else uuid.UUID(str(key_id))
        self._cipher = AESGCM(data_key_material(key_uuid))
        self._aad = _aad(key_uuid, context)
        self._prefix = f"{PREFIX}{key_uuid.hex}:"

    def seal(self, plaintext: bytes) -> str:
        nonce = random_bytes(12)  # a fresh 96-bit nonce from the CSPRNG (pooled: see common.randomness)
        return self._prefix + base64.b64encode(nonce + self._cipher.encrypt(nonce, plaintext, self._aad)).decode()


class Sealers:
    """A ``Sealer`` per data key, for the length of one batch: each key is looked up once per batch,
    not once per value. Made per batch and dropped with it: a long-lived one would keep a destroyed
    key sealing past the key cache's expiry (charter 12.2)."""

    def __init__(self) -> None:
        self._by_key: dict[Any, Sealer] = {}

    def __call__(self, key_id: uuid.UUID | str, context: str = "") -> Sealer:
        sealer = self._by_key.get((key_id, context))
        if sealer is None:
            sealer = self._by_key[(key_id, context)] = Sealer(key_id, context)
        return sealer


class JSONText(str):
    """A JSON document already written (pydantic writes one several times faster than ``json.dumps``):
    an ``EncryptedJSONField`` encrypts its text as it is. It reads back as the document's value."""


def decrypt_bytes(stored: str, *, context: str) -> bytes:
    """Decrypt a value sealed for ``context``; a value moved from elsewhere fails (InvalidTag)."""
    if not stored.startswith(PREFIX):
        raise ValueError("not an encrypted value (or a bp1 value that was never re-sealed)")
    key_hex, _, payload = stored[len(PREFIX) :].partition(":")
    key_id = uuid.UUID(key_hex)
    raw = base64.b64decode(payload)
    return AESGCM(data_key_material(key_id)).decrypt(raw[:12], raw[12:], _aad(key_id, context))


def legacy_reseal(stored: str, *, context: str) -> str:
    """A ``bp1:`` value (bound to its key only) sealed again for ``context``; other values unchanged.
    For the re-sealing migration: nothing else reads ``bp1:``."""
    if not stored.startswith(LEGACY_PREFIX):
        return stored
    key_hex, _, payload = stored[len(LEGACY_PREFIX) :].partition(":")
    key_id = uuid.UUID(key_hex)
    raw = base64.b64decode(payload)
    plaintext = AESGCM(data_key_material(key_id)).decrypt(raw[:12], raw[12:], _legacy_aad(key_id))
    return Sealer(key_id, context).seal(plaintext)


def key_id_of(stored: str) -> uuid.UUID:
    return uuid.UUID(stored[len(PREFIX) :].partition(":")[0])


def _resolve(row: Any, path: str) -> Any:
    """The value at ``path`` (a field's ``key_from``) for ``row``: a model instance, or a dict from
    the path to its value for a row written without the ORM (a missing path fails loudly)."""
    if isinstance(row, dict):  # not Mapping: this runs per value, and the ABC check costs more
        return row[path]
    value = row
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

    @functools.cached_property
    def seal_context(self) -> str:
        """What this field's ciphertexts are bound to: its table and column."""
        return f"{self.model._meta.db_table}.{self.column}"

    def to_plain(self, value: Any) -> bytes:
        return str(value).encode()

    def from_plain(self, raw: bytes) -> Any:
        return raw.decode()

    def stored(self, value: Any, *, row: Any, sealers: Sealers | None = None) -> Any:
        """What this field's column stores for ``value`` in ``row`` (DESIGN rule 3): the ciphertext,
        sealed with the data key at ``key_from`` of ``row``, or None.

        ``row`` is the model instance being saved or, for a row written without the ORM, a dict
        ``{key_from: data key id}`` (``key_context``). ``sealers`` lets a batch look each key up
        once. A value that is already a ciphertext (``sealed``) is stored as it is.
        """
        if value is None:
            return None
        if value is UNREADABLE:  # re-saving a row whose key was destroyed: it stays unreadable
            return ""
        if isinstance(value, _Ciphertext):
            return str(value)
        # A batch's dict context is read here, not in _resolve: this runs once per value written.
        key_id = row[self.key_from] if type(row) is dict else _resolve(row, self.key_from)
        if key_id is None:
            raise ValueError(f"{self.model.__name__}.{self.name}: no data key at {self.key_from}")
        if isinstance(key_id, models.Model):
            key_id = key_id.pk
        sealer = sealers(key_id, self.seal_context) if sealers is not None else Sealer(key_id, self.seal_context)
        return sealer.seal(self.to_plain(value))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        stored = self.stored(getattr(model_instance, self.attname), row=model_instance)
        return None if stored is None else _Ciphertext(stored)

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, _Ciphertext):
            return value
        raise TypeError(f"{self.name} is encrypted: it can only be written by saving the model, not queried")

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        if value == "" or value.startswith(LEGACY_PREFIX):
            # A bp1 value left is one whose key was destroyed before the re-sealing migration (an
            # intruder's copy of an old value reads no better): unreadable either way.
            return UNREADABLE
        try:
            return self.from_plain(decrypt_bytes(value, context=self.seal_context))
        except KeyUnavailable:
            return UNREADABLE


class EncryptedJSONField(EncryptedTextField):
    def to_plain(self, value: Any) -> bytes:
        if isinstance(value, JSONText):
            return value.encode()
        return json.dumps(value, ensure_ascii=False, sort_keys=True).encode()

    def from_plain(self, raw: bytes) -> Any:
        return json.loads(raw)


@functools.cache
def encrypted_field(model: type[models.Model], name: str) -> EncryptedTextField:
    """The encrypted field ``name`` of ``model``, for code that writes its column without the ORM."""
    field = model._meta.get_field(name)
    if not isinstance(field, EncryptedTextField):
        raise TypeError(f"{model.__name__}.{name} is not an encrypted field")
    return field


def key_context(row: Any, *written: type[models.Model]) -> dict[str, Any]:
    """The data keys the encrypted fields of the ``written`` models name (their ``key_from``),
    resolved once from ``row`` (an instance that answers those paths as the written rows would):
    the context ``stored`` takes for the many rows of one owner that a batch writes."""
    paths = {f.key_from for m in written for f in m._meta.concrete_fields if isinstance(f, EncryptedTextField)}
    return {path: _resolve(row, path) for path in paths}


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for equality lookups on encrypted values; ``purpose`` separates domains."""
    key = _blind_index_key(settings.BLIND_INDEX_KEY, purpose)
    return hmac.digest(key, value.encode(), "sha256").hex()


@functools.lru_cache(maxsize=64)
def _blind_index_key(secret: str, purpose: str) -> bytes:
    """The key of one purpose, derived once per secret (a batch hashes thousands of values)."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()
