"""Signing keys for ``private_key_jwt`` (RFC 7523), with rotation.

Design note: the platform knows an agency's public keys from the JWKS registered for its API client
(``burgerprofiel agency onboard --jwks FILE``, or the back-office later) and accepts an assertion
signed by any of them. Rotation is therefore: make a new key, register the JWKS holding the old
*and* the new key, and only then sign with the new one; drop the old key from the JWKS once no
process signs with it any more. A :class:`KeyRing` holds the keys and signs with the newest key
that is already active, so a key can be made (and registered) ahead of the moment it takes over,
by giving it an ``active_from`` in the future.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

Algorithm = Literal["RS256", "ES256"]
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# The platform refuses assertions that live longer than 10 minutes; a minute is plenty for one request.
DEFAULT_ASSERTION_LIFETIME = 60


@dataclass(frozen=True)
class SigningKey:
    """One private key with its key id and the moment it may start signing."""

    kid: str
    algorithm: Algorithm
    key: RSAKey | ECKey
    active_from: datetime

    @classmethod
    def generate(
        cls, algorithm: Algorithm = "ES256", *, kid: str | None = None, active_from: datetime | None = None
    ) -> SigningKey:
        """A new key: P-256 for ES256, RSA 2048 for RS256. The default kid is the RFC 7638 thumbprint."""
        key: RSAKey | ECKey = ECKey.generate_key("P-256") if algorithm == "ES256" else RSAKey.generate_key(2048)
        return cls(kid=kid or key.thumbprint(), algorithm=algorithm, key=key, active_from=_aware(active_from or _now()))

    @classmethod
    def from_pem(cls, pem: bytes | str, *, kid: str | None = None, active_from: datetime | None = None) -> SigningKey:
        """Load a PEM private key (PKCS#8 or traditional); the algorithm follows from the key type."""
        data = pem.encode() if isinstance(pem, str) else pem
        loaded = load_pem_private_key(data, password=None)
        key: RSAKey | ECKey
        algorithm: Algorithm
        if isinstance(loaded, rsa.RSAPrivateKey):
            key, algorithm = RSAKey.import_key(data), "RS256"
        elif isinstance(loaded, ec.EllipticCurvePrivateKey) and isinstance(loaded.curve, ec.SECP256R1):
            key, algorithm = ECKey.import_key(data), "ES256"
        else:
            raise ValueError("only RSA (RS256) and P-256 (ES256) private keys can sign client assertions")
        return cls(kid=kid or key.thumbprint(), algorithm=algorithm, key=key, active_from=_aware(active_from or _now()))

    def private_pem(self) -> bytes:
        """The private key as PKCS#8 PEM, to keep in the agency's secret store."""
        return self.key.as_pem(private=True)

    def public_jwk(self) -> dict[str, Any]:
        """The public key as a JWK with ``kid``, ``alg`` and ``use``: what the platform registers."""
        jwk = dict(self.key.as_dict(private=False))
        jwk.update({"kid": self.kid, "alg": self.algorithm, "use": "sig"})
        return jwk

    def sign(self, claims: Mapping[str, Any], *, typ: str = "JWT") -> str:
        """A compact JWT over ``claims``, with this key's ``kid`` in the header."""
        return jwt.encode({"alg": self.algorithm, "kid": self.kid, "typ": typ}, dict(claims), self.key)


class KeyRing:
    """The agency's signing keys: signs with the newest active one; publishes them all as a JWKS."""

    def __init__(self, keys: Iterable[SigningKey] = ()) -> None:
        self._keys: list[SigningKey] = []
        for key in keys:
            self.add(key)

    def __iter__(self) -> Iterator[SigningKey]:
        return iter(list(self._keys))

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: SigningKey) -> None:
        if any(k.kid == key.kid for k in self._keys):
            raise ValueError(f"a key with kid {key.kid!r} is already in the ring")
        self._keys.append(key)

    def rotate(self, algorithm: Algorithm = "ES256", *, active_from: datetime | None = None) -> SigningKey:
        """Make a new key and add it. Register :meth:`jwks` with the platform before it becomes active."""
        key = SigningKey.generate(algorithm, active_from=active_from)
        self.add(key)
        return key

    def retire(self, kid: str) -> None:
        """Stop using and publishing the key ``kid`` (after the platform's JWKS no longer needs it)."""
        remaining = [k for k in self._keys if k.kid != kid]
        if len(remaining) == len(self._keys):
            raise KeyError(kid)
        self._keys = remaining

    def current(self, *, now: datetime | None = None) -> SigningKey:
        """The newest key whose ``active_from`` has come; the one that signs."""
        moment = _aware(now or _now())
        active = [k for k in self._keys if k.active_from <= moment]
        if not active:
            raise LookupError("no signing key is active yet")
        # The newest by activation; among equals, the one added last.
        return max(enumerate(active), key=lambda pair: (pair[1].active_from, pair[0]))[1]

    def jwks(self) -> dict[str, Any]:
        """Every key's public part (``{"keys": [...]}``): what to register with the platform."""
        return {"keys": [k.public_jwk() for k in self._keys]}

    def write_jwks(self, path: str | Path) -> Path:
        """Write :meth:`jwks` to ``path`` (for ``burgerprofiel agency onboard --jwks FILE``)."""
        target = Path(path)
        target.write_text(json.dumps(self.jwks(), indent=2))
        return target

    def client_assertion(self, *, client_id: str, audience: str, lifetime: int = DEFAULT_ASSERTION_LIFETIME) -> str:
        """An RFC 7523 client assertion: ``iss`` = ``sub`` = client_id, ``aud`` = the token URL, random ``jti``."""
        now = int(time.time())
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "jti": secrets.token_urlsafe(24),
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
        }
        return self.current().sign(claims)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
