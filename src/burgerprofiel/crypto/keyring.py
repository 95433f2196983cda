"""Envelope encryption, the key-encryption-key side.

Design note (charter 5, 12.2): personal data is encrypted with a *data key* per agency (and per
citizen for contact data). Data keys are stored in the database only wrapped (AES-256-GCM) by a
key-encryption key (KEK) that lives in the environment, never in the database or its backups.
Several KEKs may be configured: the first wraps, all unwrap, and ``burgerprofiel keys rewrap``
moves every data key to the first. Destroying a data key (dropping its wrapped bytes) makes every
value encrypted with it unreadable in the live database. A backup keeps the wrapped bytes, and the
KEK still unwraps them: so an agency's data key is wrapped by a secret of its own kept outside the
database (``crypto.keystore``), and destroying that secret is what reaches backups of the database.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Kek:
    id: str
    key: bytes


@cache
def _parse(raw: str) -> tuple[Kek, ...]:
    keks = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        kid, sep, encoded = item.partition(":")
        if not sep or not kid:
            raise ImproperlyConfigured("KEY_ENCRYPTION_KEYS entries look like `id:base64url(32 bytes)`")
        try:
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError as exc:
            raise ImproperlyConfigured(f"KEY_ENCRYPTION_KEYS entry {kid!r} is not base64") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(f"KEY_ENCRYPTION_KEYS entry {kid!r} must be 32 bytes, not {len(key)}")
        keks.append(Kek(kid, key))
    if not keks:
        raise ImproperlyConfigured("KEY_ENCRYPTION_KEYS holds no key")
    if len({k.id for k in keks}) != len(keks):
        raise ImproperlyConfigured("KEY_ENCRYPTION_KEYS has two keys with the same id")
    return tuple(keks)


def keks() -> tuple[Kek, ...]:
    return _parse(settings.KEY_ENCRYPTION_KEYS)


def current_kek() -> Kek:
    return keks()[0]


def kek_by_id(kek_id: str) -> Kek:
    for kek in keks():
        if kek.id == kek_id:
            return kek
    raise ImproperlyConfigured(f"data key wrapped by KEK {kek_id!r}, which is not configured")


def wrap(*, data_key: bytes, key_id: str, kek: Kek | None = None) -> tuple[str, bytes]:
    kek = kek or current_kek()
    nonce = os.urandom(12)
    return kek.id, nonce + AESGCM(kek.key).encrypt(nonce, data_key, f"datakey:{key_id}".encode())


def unwrap(*, wrapped: bytes, kek_id: str, key_id: str) -> bytes:
    kek = kek_by_id(kek_id)
    return AESGCM(kek.key).decrypt(wrapped[:12], wrapped[12:], f"datakey:{key_id}".encode())
