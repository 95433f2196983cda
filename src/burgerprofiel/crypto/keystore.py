"""The key store: per-agency key-wrapping secrets kept *outside* the database (charter 12.2).

Design note (issue 13, crypto-shredding that reaches backups): an agency's data key is stored in the
database wrapped by a secret of its own, and that secret lives here, in a directory
(``KEY_STORE_DIR``), each file wrapped by the key-encryption key (KEK). So reading an agency's data
needs three things: the database row, the key-store file and the KEK. Destroying the agency's key
removes the file. A backup of the database taken before that (a copy of the SQLite file, a
``pg_dump``), restored later with the configuration of that moment, still holds the wrapped data key
and the KEK still works, but the secret that unwraps it is gone: the agency's fields do not decrypt,
while every other agency's file is still there and its data reads as before.

The key store is not in the database and must not be in its backups. It is backed up on its own,
with a short retention (docs/operations.md): a destroyed agency's data is beyond recovery once the
last key-store backup holding its file has expired.

A file is ``<data key id>.json``: ``{"v": 1, "kek_id": ..., "wrapped": base64(nonce || AES-256-GCM)}``,
its associated data binding the data key's id. Written atomically (temporary file, fsync, rename),
mode 0600. Destruction overwrites the file before unlinking it.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from burgerprofiel.crypto import keyring

MARKER = "keystore"  # DataKey.kek_id of a data key wrapped by its key-store secret


class SecretMissing(Exception):
    """The key-store secret of a data key is not there (destroyed, or a key store from before it)."""


def directory() -> Path:
    path = Path(settings.KEY_STORE_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _path(key_id: uuid.UUID | str) -> Path:
    return directory() / f"{uuid.UUID(str(key_id))}.json"


def _aad(key_id: uuid.UUID | str) -> bytes:
    return f"keystore:{uuid.UUID(str(key_id))}".encode()


def _write(path: Path, content: bytes) -> None:
    tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _store(key_id: uuid.UUID | str, secret: bytes, kek: keyring.Kek | None = None) -> None:
    kek = kek or keyring.current_kek()
    nonce = os.urandom(12)
    wrapped = nonce + AESGCM(kek.key).encrypt(nonce, secret, _aad(key_id))
    body = {"v": 1, "kek_id": kek.id, "wrapped": base64.b64encode(wrapped).decode()}
    _write(_path(key_id), json.dumps(body).encode())


def secret_create(key_id: uuid.UUID | str) -> bytes:
    """A new 32-byte secret for data key ``key_id``, kept in the store wrapped by the current KEK."""
    secret = os.urandom(32)
    _store(key_id, secret)
    return secret


def secret_read(key_id: uuid.UUID | str) -> bytes:
    try:
        body = json.loads(_path(key_id).read_bytes())
    except FileNotFoundError:
        raise SecretMissing(str(key_id)) from None
    wrapped = base64.b64decode(body["wrapped"])
    kek = keyring.kek_by_id(body["kek_id"])
    return AESGCM(kek.key).decrypt(wrapped[:12], wrapped[12:], _aad(key_id))


def secret_exists(key_id: uuid.UUID | str) -> bool:
    return _path(key_id).exists()


def secret_destroy(key_id: uuid.UUID | str) -> bool:
    """Overwrite and remove the secret; returns whether there was one."""
    path = _path(key_id)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    with path.open("r+b") as handle:
        handle.write(os.urandom(max(size, 1)))
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()
    return True


def wrap(*, data_key: bytes, key_id: uuid.UUID | str, secret: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(secret).encrypt(nonce, data_key, f"datakey:{key_id}".encode())


def unwrap(*, wrapped: bytes, key_id: uuid.UUID | str) -> bytes:
    secret = secret_read(key_id)
    return AESGCM(secret).decrypt(wrapped[:12], wrapped[12:], f"datakey:{key_id}".encode())


def secrets_rewrap() -> int:
    """Wrap every secret in the store with the current KEK (``keys rewrap``); returns how many moved."""
    current = keyring.current_kek()
    moved = 0
    for path in sorted(directory().glob("*.json")):
        body = json.loads(path.read_bytes())
        if body.get("kek_id") == current.id:
            continue
        key_id = path.stem
        _store(key_id, secret_read(key_id), current)
        moved += 1
    return moved


def secret_ids() -> list[str]:
    return sorted(path.stem for path in directory().glob("*.json"))
