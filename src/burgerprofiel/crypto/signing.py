"""The platform's JWS signing: access tokens (RFC 9068) and signed audit tree heads.

The newest unretired *trusted* key signs; every unretired trusted key is published at
``/oauth/jwks`` so tokens signed just before a rotation still verify. Trusted means pinned outside
the database (``crypto.pins``): a row written into the table by hand neither signs nor verifies.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from joserfc import jws, jwt
from joserfc.jwk import ECKey, KeySet

from burgerprofiel.common.errors import Conflict, NotFound
from burgerprofiel.crypto import keyring, pins
from burgerprofiel.crypto.models import SigningKey

_loaded: dict[str, ECKey] = {}
_lock = threading.Lock()


def new_kid() -> str:
    """A new key id: 96 random bits in hex. Never starting with "-", so ``keys retire-signing --kid``
    takes it as the option's value (a urlsafe id began with "-" one time in 64)."""
    return secrets.token_hex(12)


def signing_key_create() -> SigningKey:
    kid = new_kid()
    key = ECKey.generate_key("P-256", parameters={"kid": kid, "use": "sig", "alg": "ES256"}, private=True)
    pem = key.as_pem(private=True)
    kek_id, wrapped = keyring.wrap(data_key=pem, key_id=f"signing:{kid}")
    forget_public_keys()
    return SigningKey.objects.create(
        kid=kid,
        algorithm="ES256",
        public_jwk={**key.as_dict(private=False), "use": "sig", "alg": "ES256"},
        kek_id=kek_id,
        wrapped_private_key=wrapped,
    )


def _private_key(row: SigningKey) -> ECKey:
    with _lock:
        if row.kid in _loaded:
            return _loaded[row.kid]
    pem = keyring.unwrap(wrapped=bytes(row.wrapped_private_key), kek_id=row.kek_id, key_id=f"signing:{row.kid}")
    key = ECKey.import_key(pem, parameters={"kid": row.kid, "use": "sig", "alg": "ES256"})
    with _lock:
        _loaded[row.kid] = key
    return key


def signing_key_trusted(row: SigningKey) -> bool:
    """Whether the key in ``row`` is pinned: by the operator's configuration, or (development and
    tests without one) because the platform made it: its private half unwraps under our KEK and
    belongs to the public half in the row."""
    if not pins.pinned_automatically():
        return pins.is_pinned(row.public_jwk)
    try:
        return _private_key(row).thumbprint() == pins.thumbprint(row.public_jwk)
    except Exception:  # unwrapping or importing fails in many ways; any failure means not ours
        return False


def trusted_signing_keys(*, include_retired: bool = False) -> list[SigningKey]:
    rows = SigningKey.objects.order_by("created_at")
    if not include_retired:
        rows = rows.filter(retired_at__isnull=True)
    return [row for row in rows if signing_key_trusted(row)]


def current_signing_key() -> SigningKey:
    """The newest unretired trusted key. A rotated key takes over only once it is pinned."""
    for row in SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at"):
        if signing_key_trusted(row):
            return row
    if not pins.pinned_automatically():
        raise ImproperlyConfigured(
            "No active signing key is pinned: make one (`burgerprofiel keys rotate-signing`) and add its "
            "thumbprint (`burgerprofiel keys trusted`) to AUDIT_TRUSTED_KEYS."
        )
    with transaction.atomic():
        return signing_key_create()


def sign_jwt(claims: dict[str, Any], *, typ: str = "JWT", key: SigningKey | None = None) -> str:
    """``claims`` signed with ``key``, or the current signing key (a batch that signs many looks the
    current key up once and passes it)."""
    row = key or current_signing_key()
    return jwt.encode({"alg": "ES256", "kid": row.kid, "typ": typ}, claims, _private_key(row))


def jwt_signer(*, typ: str, key: SigningKey | None = None) -> Callable[[dict[str, Any]], str]:
    """``sign_jwt`` for many tokens of one kind: the header encoded once and each token signed with the
    key directly (ES256: ECDSA P-256 over SHA-256, the signature as r || s, RFC 7518 3.4), the same
    compact JWS at a fraction of the CPU (the delivery worker signs a receipt per message)."""
    row = key or current_signing_key()
    private = _private_key(row).private_key
    assert private is not None  # noqa: S101 - a signing key row always holds its private half (for mypy)
    # As joserfc's jwt.encode writes them: the header in this order, the claims as UTF-8 JSON.
    header = _b64(json.dumps({"typ": typ, "alg": "ES256", "kid": row.kid}, separators=(",", ":")).encode()) + b"."

    def sign(claims: dict[str, Any]) -> str:
        signing_input = header + _b64(json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode())
        r, s = decode_dss_signature(private.sign(signing_input, ECDSA(SHA256())))
        return (signing_input + b"." + _b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))).decode("ascii")

    return sign


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def sign_detached(payload: bytes) -> tuple[str, str]:
    """A compact JWS over ``payload``; returns (token, kid)."""
    row = current_signing_key()
    token = jws.serialize_compact({"alg": "ES256", "kid": row.kid}, payload, _private_key(row))
    return token, row.kid


_keyset: tuple[KeySet, float] | None = None
KEYSET_CACHE_SECONDS = 60.0


def public_keyset() -> KeySet:
    """The verification keys, cached briefly: every API request verifies a token with them."""
    global _keyset
    now = time.monotonic()
    cached = _keyset
    if cached is not None and cached[1] > now:
        return cached[0]
    keyset = KeySet([ECKey.import_key(dict(r.public_jwk)) for r in trusted_signing_keys()])
    _keyset = (keyset, now + KEYSET_CACHE_SECONDS)
    return keyset


def forget_public_keys() -> None:
    global _keyset
    _keyset = None


def jwks() -> dict[str, Any]:
    return {"keys": [dict(r.public_jwk) for r in trusted_signing_keys()]}


def signing_key_retired_mark(*, kid: str) -> tuple[SigningKey, bool]:
    """Stop trusting a key for access tokens; returns the row and whether this call retired it.

    Tree heads it signed before now still verify. Recording the act is the caller's
    (``audit.keys.signing_key_retire``): crypto sits below audit.
    """
    with transaction.atomic():
        row = SigningKey.objects.select_for_update().filter(kid=kid).first()
        if row is None:
            raise NotFound(f"Ondertekeningssleutel {kid} bestaat niet.")
        if row.retired_at is not None:
            return row, False
        if not any(other.kid != kid for other in trusted_signing_keys()):
            raise Conflict("Dit is de enige actieve sleutel: maak eerst een nieuwe (keys rotate-signing).")
        row.retired_at = timezone.now()
        row.save(update_fields=["retired_at"])
    forget_public_keys()
    return row, True


def audit_jwks() -> dict[str, Any]:
    """Every trusted key that ever signed, retired ones with their retirement time: for tree-head checks."""
    keys = []
    for row in trusted_signing_keys(include_retired=True):
        jwk = dict(row.public_jwk)
        jwk["iat"] = int(row.created_at.timestamp())
        if row.retired_at is not None:
            jwk["exp"] = int(row.retired_at.timestamp())
        keys.append(jwk)
    return {"keys": keys}
