"""Model fields that encrypt with a data key (DESIGN rule 3).

A value is stored as ``bp3:<data key id>:<base64(nonce || AES-256-GCM ciphertext)>``. The field
names where its key comes from (``key_from="agency.data_key_id"``); the key id travels with the
ciphertext. A value whose key was destroyed reads as ``UNREADABLE``. Encrypted fields cannot be
filtered on: use a blind index.

The associated data binds the ciphertext to where it belongs (issue 11 item 12e): the data key, the
field's table and column (``seal_context``) and **the row** (``bp3``). The row's identity must exist
before the row is written, because COPY and set-based statements seal values before the database
hands out ids: it is the row's ``seal_id`` (a ``SealIdField``, e.g. from the ``SealedRow`` mixin) or,
where the model has one, its client-generated UUID primary key (``row_identity_field``). A ciphertext
moved to another row, column or table fails to decrypt (``SealMismatch``). The system check
``crypto.E010`` refuses to start when a model with encrypted fields has no row identity.

Decryption needs the row, which ``from_db_value`` does not see: it hands the stored text on
(``_Stored``) and the model's ``post_init`` (connected by the field for its model, so for every
instance ``Model.from_db`` builds: querysets, ``select_related``, ``refresh_from_db``) decrypts it
with the row's identity. ``values()``/``values_list()`` of an encrypted column therefore give the
ciphertext, not the value: read encrypted fields through model instances.

Older formats are still read: ``bp2:`` (bound to key, table and column, not the row; what processes
on the code before ``crypto.0003`` write during a rolling upgrade) until ``burgerprofiel keys reseal``
seals it again as ``bp3:``; ``bp1:`` (the key id only) reads as unreadable (``crypto.0002`` re-sealed
every readable one). Values bound to a context of their own rather than a field's (``encrypt_bytes``:
the idempotency store, the pull cache, the portal session) are ``bp2:`` with their own context.

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

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.signals import class_prepared, post_init

from burgerprofiel.common.randomness import random_bytes
from burgerprofiel.crypto.services import KeyUnavailable, data_key_material

PREFIX = "bp2:"  # key + context: ``encrypt_bytes`` values, and field values sealed before crypto.0003
ROW_PREFIX = "bp3:"  # key + table.column + row: every encrypted field's value
LEGACY_PREFIX = "bp1:"  # bound the key id only; read by the re-sealing migration, nowhere else


class SealMismatch(InvalidTag):
    """A stored value does not belong where it was found: moved from another row, column or table,
    or altered (AES-GCM's tag does not verify with this row's associated data)."""


def _aad(key_uuid: uuid.UUID, context: str) -> bytes:
    """The associated data: the format, the data key and the context (table.column, or a caller's own)."""
    return f"bp2|{key_uuid}|{context}".encode()


def _row_aad_prefix(key_uuid: uuid.UUID, context: str) -> bytes:
    """``bp3``'s associated data up to the row identity, which ends it as its 16 bytes."""
    return f"bp3|{key_uuid}|{context}|".encode()


@functools.lru_cache(maxsize=4096)
def _key_of(key_hex: str) -> uuid.UUID:
    """The data key id a stored value names (parsed once per key, not once per value read)."""
    return uuid.UUID(key_hex)


@functools.lru_cache(maxsize=4096)
def _row_aad_prefix_of(key_hex: str, context: str) -> bytes:
    return _row_aad_prefix(_key_of(key_hex), context)


def row_uuid(row_id: Any) -> uuid.UUID:
    """A row identity as the associated data names it: a UUID (SQLite hands back its hex text)."""
    if isinstance(row_id, uuid.UUID):
        return row_id
    if row_id is None or row_id == "":
        raise ValueError("no row identity: an encrypted value is bound to its row (seal_id)")
    return uuid.UUID(str(row_id))


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


class _Stored:
    """What ``from_db_value`` hands on: the stored text, which ``post_init`` decrypts with the row.

    Only a model instance has the row: ``values()``/``values_list()`` of an encrypted column get
    this, and it refuses to pass for a value (no ``str``, no comparison, not JSON), so such a read
    fails loudly instead of handing ciphertext on as if it were the value."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def _refuse(self, *args: Any) -> Any:
        raise TypeError(
            "an encrypted value is decrypted with its row: read it through a model instance, not values()/values_list()"
        )

    __str__ = __eq__ = __lt__ = __hash__ = __len__ = __iter__ = __bool__ = _refuse  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "<encrypted: read through the model instance>"


def sealed(ciphertext: str) -> Any:
    """A value an encrypted field's ``stored`` made, to assign to that field as it is (not encrypted
    again). It is bound to the row identity it was sealed for: give the instance that same one."""
    if not ciphertext.startswith(ROW_PREFIX):
        raise ValueError("not an encrypted field value")
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
        self._row_aad = _row_aad_prefix(key_uuid, context)
        self._prefix = f"{PREFIX}{key_uuid.hex}:"
        self._row_prefix = f"{ROW_PREFIX}{key_uuid.hex}:"

    def seal(self, plaintext: bytes) -> str:
        """``bp2``: bound to the key and the context (a caller's own record, not a field's row)."""
        nonce = random_bytes(12)  # a fresh 96-bit nonce from the CSPRNG (pooled: see common.randomness)
        return self._prefix + base64.b64encode(nonce + self._cipher.encrypt(nonce, plaintext, self._aad)).decode()

    def seal_row(self, plaintext: bytes, row_id: Any) -> str:
        """``bp3``: bound to the key, the context (table.column) and the row's identity."""
        nonce = random_bytes(12)
        aad = self._row_aad + row_uuid(row_id).bytes
        return self._row_prefix + base64.b64encode(nonce + self._cipher.encrypt(nonce, plaintext, aad)).decode()


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


def decrypt_bytes(stored: str, *, context: str, row_id: Any = None) -> bytes:
    """Decrypt a value sealed for ``context`` (and, ``bp3``, for the row ``row_id``); a value moved
    from elsewhere fails (``InvalidTag``)."""
    if stored.startswith(ROW_PREFIX):
        key_hex, _, payload = stored[len(ROW_PREFIX) :].partition(":")
        key_id = _key_of(key_hex)
        aad = _row_aad_prefix_of(key_hex, context) + row_uuid(row_id).bytes
    elif stored.startswith(PREFIX):
        key_hex, _, payload = stored[len(PREFIX) :].partition(":")
        key_id = uuid.UUID(key_hex)
        aad = _aad(key_id, context)
    else:
        raise ValueError("not an encrypted value (or a bp1 value that was never re-sealed)")
    raw = base64.b64decode(payload)
    return AESGCM(data_key_material(key_id)).decrypt(raw[:12], raw[12:], aad)


def row_reseal(stored: str, *, context: str, row_id: Any) -> str:
    """A field value in an older format sealed again as ``bp3`` for ``context`` and row ``row_id``:
    ``bp1`` (key only) and ``bp2`` (key and context) alike; a ``bp3`` value unchanged. For ``keys
    reseal`` and the migrations. ``KeyUnavailable`` when its key was destroyed; ``InvalidTag`` when
    it does not belong to ``context``."""
    if stored.startswith(ROW_PREFIX) or not stored:
        return stored
    if stored.startswith(LEGACY_PREFIX):
        key_hex, _, payload = stored[len(LEGACY_PREFIX) :].partition(":")
        key_id = uuid.UUID(key_hex)
        raw = base64.b64decode(payload)
        plaintext = AESGCM(data_key_material(key_id)).decrypt(raw[:12], raw[12:], _legacy_aad(key_id))
    else:
        key_id = key_id_of(stored)
        plaintext = decrypt_bytes(stored, context=context)
    return Sealer(key_id, context).seal_row(plaintext, row_id)


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
    """The data key a ``bp2:``/``bp3:`` value names (both prefixes are four characters)."""
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


class RandomUUID(models.Func):
    """A random UUID made by the database: what a row written by code that does not know its
    ``seal_id`` (a process on older code during a rolling upgrade) gets. PostgreSQL's
    ``gen_random_uuid()``; on SQLite 32 random hex digits, the way Django stores a UUID there."""

    function = "gen_random_uuid"
    template = "%(function)s()"
    arity = 0
    output_field = models.UUIDField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return "lower(hex(randomblob(16)))", []


class SealIdField(models.UUIDField):
    """The row's identity that its encrypted values are bound to, made by the client before the row
    is written (COPY and set-based statements seal values before the database hands out ids)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", uuid.uuid4)
        kwargs.setdefault("db_default", RandomUUID())
        kwargs.setdefault("editable", False)
        kwargs.setdefault("verbose_name", "verzegelings-id")
        super().__init__(*args, **kwargs)


class SealedRow(models.Model):
    """Mixin for a model with encrypted fields whose primary key is not a client-made UUID: gives it
    the ``seal_id`` its encrypted values are bound to."""

    seal_id = SealIdField()

    class Meta:
        abstract = True


def row_identity_field(model: type[models.Model]) -> models.Field | None:
    """The field whose value identifies a row of ``model`` in its encrypted values' associated data:
    its ``SealIdField``, else its primary key when that is a UUID made before the INSERT (a default).
    None: the model cannot bind its encrypted values to their rows (``crypto.E010``)."""
    for f in model._meta.concrete_fields:
        if isinstance(f, SealIdField):
            return f
    pk = model._meta.pk
    if isinstance(pk, models.UUIDField) and pk.has_default():
        return pk
    return None


def encrypted_fields_of(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


@functools.cache
def _row_reading(model: type[models.Model]) -> tuple[str | None, tuple[EncryptedTextField, ...]]:
    """What ``_decrypt_row`` needs of a model, worked out once: its row identity's attname (None for
    a model without one: a migration's historical model before its ``seal_id``, which reads ``bp2``
    only; ``crypto.E010`` refuses such a model in the application) and its encrypted fields."""
    identity = row_identity_field(model)
    return (identity.attname if identity is not None else None), tuple(encrypted_fields_of(model))


def _decrypt_row(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """``post_init``: decrypt the values ``from_db_value`` handed on, with this row's identity."""
    values = instance.__dict__
    identity, fields = _row_reading(sender)
    for f in fields:
        value = values.get(f.attname)
        if type(value) is _Stored:
            # A deferred identity (``only()``) is loaded here: the value cannot be read without it.
            row_id = getattr(instance, identity) if identity is not None else None
            values[f.attname] = f.from_stored(value.text, row_id)


def _decryption_bind(model: type[models.Model]) -> None:
    """Decrypt the encrypted fields of ``model``'s instances in its ``post_init`` (once per model: the
    dispatch uid). A signal's sender is the exact class: a proxy or a subclass of a model with
    encrypted fields is bound when it is prepared (``_decryption_bind_prepared``)."""
    post_init.connect(_decrypt_row, sender=model, dispatch_uid="burgerprofiel.crypto.decrypt_row")


def _decryption_bind_prepared(sender: type[models.Model], **kwargs: Any) -> None:
    if not sender._meta.abstract and encrypted_fields_of(sender):
        _decryption_bind(sender)


class_prepared.connect(_decryption_bind_prepared, dispatch_uid="burgerprofiel.crypto.decryption_bind_prepared")


class EncryptedTextField(models.TextField):
    def __init__(self, *args: Any, key_from: str, **kwargs: Any) -> None:
        self.key_from = key_from
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["key_from"] = self.key_from
        return name, path, args, kwargs

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        if not cls._meta.abstract:
            _decryption_bind(cls)

    @functools.cached_property
    def seal_context(self) -> str:
        """What this field's ciphertexts are bound to: its table and column."""
        return f"{self.model._meta.db_table}.{self.column}"

    @functools.cached_property
    def row_attname(self) -> str:
        """The attribute of a row that its values are bound to (``seal_id``, or a UUID primary key)."""
        identity = row_identity_field(self.model)
        if identity is None:
            raise ImproperlyConfigured(
                f"{self.model._meta.label} has encrypted fields but no row identity (crypto.E010)"
            )
        return identity.attname

    def to_plain(self, value: Any) -> bytes:
        return str(value).encode()

    def from_plain(self, raw: bytes) -> Any:
        return raw.decode()

    def stored(self, value: Any, *, row: Any, sealers: Sealers | None = None, row_id: Any = None) -> Any:
        """What this field's column stores for ``value`` in ``row`` (DESIGN rule 3): the ciphertext,
        sealed with the data key at ``key_from`` of ``row`` and bound to the row's identity, or None.

        ``row`` is the model instance being saved or, for a row written without the ORM, a dict
        ``{key_from: data key id}`` (``key_context``) shared by the rows of one owner, with the row's
        own identity (its ``seal_id``, or UUID primary key) in ``row_id``. ``sealers`` lets a batch
        look each key up once. A value that is already a ciphertext (``sealed``) is stored as it is.
        """
        if value is None:
            return None
        if value is UNREADABLE:  # re-saving a row whose key was destroyed: it stays unreadable
            return ""
        if isinstance(value, _Ciphertext):
            return str(value)
        # A batch's dict context is read here, not in _resolve: this runs once per value written.
        if type(row) is dict:
            key_id = row[self.key_from]
            if row_id is None:
                row_id = row[self.row_attname]
        else:
            key_id = _resolve(row, self.key_from)
            if row_id is None:
                row_id = getattr(row, self.row_attname)
        if key_id is None:
            raise ValueError(f"{self.model.__name__}.{self.name}: no data key at {self.key_from}")
        if isinstance(key_id, models.Model):
            key_id = key_id.pk
        if row_id is None:
            raise ValueError(f"{self.model.__name__}.{self.name}: the row has no {self.row_attname} to bind to")
        sealer = sealers(key_id, self.seal_context) if sealers is not None else Sealer(key_id, self.seal_context)
        return sealer.seal_row(self.to_plain(value), row_id)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        stored = self.stored(getattr(model_instance, self.attname), row=model_instance)
        return None if stored is None else _Ciphertext(stored)

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, _Ciphertext):
            return value
        raise TypeError(f"{self.name} is encrypted: it can only be written by saving the model, not queried")

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        """The stored text, as is: ``post_init`` decrypts it with the row (``_decrypt_row``)."""
        if value is None:
            return None
        return _Stored(value)

    def from_stored(self, value: str, row_id: Any) -> Any:
        """The value of what this field's column stores in the row ``row_id`` (its identity).
        ``UNREADABLE`` when its data key was destroyed; ``SealMismatch`` when it does not belong here."""
        if value == "" or value.startswith(LEGACY_PREFIX):
            # A bp1 value left is one whose key was destroyed before the re-sealing migration (an
            # intruder's copy of an old value reads no better): unreadable either way.
            return UNREADABLE
        try:
            return self.from_plain(decrypt_bytes(value, context=self.seal_context, row_id=row_id))
        except KeyUnavailable:
            return UNREADABLE
        except InvalidTag:
            raise SealMismatch(
                f"{self.model._meta.label}.{self.name} of the row sealed as {row_id} does not "
                "decrypt: the value was moved here from another row, column or table, or altered"
            ) from None


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
