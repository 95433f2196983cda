"""Which of the platform's signing keys are trusted: pinned outside the database.

Design note (charter 5, 8; issue 11 item 4): the signing-key table holds every key's public half,
and whoever can write to the database can add a row. Were every row believed, that someone could
edit an event, re-sign every tree head with a key of their own and ``audit verify`` would say ok;
they could also mint access tokens. So a key is trusted only when it is *pinned* outside the
database, by its RFC 7638 thumbprint:

- production: ``AUDIT_TRUSTED_KEYS`` (thumbprints) and/or ``AUDIT_TRUSTED_KEYS_FILE`` (a published
  JWKS), set by the operator, read at start. The system check ``crypto.E001`` refuses to start
  without them, ``crypto.E002`` when no active key in the table is pinned (``burgerprofiel keys
  trusted`` prints the thumbprints). A rotated key signs only once it is pinned.
- development and tests, when nothing is configured: a key is pinned automatically when the
  platform made it itself, that is, when its private half unwraps under ``KEY_ENCRYPTION_KEYS``
  (which never lives in the database) and belongs to the public half in the row. A row added by
  hand carries no private half the KEK opens.

Verification needs only public information in production: an auditor (or an agency acting as a
witness) checks tree heads against the pinned thumbprints, never against the platform's table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from joserfc.jwk import ECKey, KeySet

THUMBPRINT_LENGTH = 43  # base64url of a SHA-256 digest, without padding


def thumbprint(public_jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 thumbprint (SHA-256, base64url) of a public EC key in JWK form."""
    return ECKey.import_key(dict(public_jwk)).thumbprint()


@cache
def _parse(thumbprints: tuple[str, ...], path: str) -> frozenset[str]:
    pins: set[str] = set()
    for item in thumbprints:
        if len(item) != THUMBPRINT_LENGTH or not item.replace("-", "").replace("_", "").isalnum():
            raise ImproperlyConfigured(f"AUDIT_TRUSTED_KEYS: {item!r} is not an RFC 7638 SHA-256 thumbprint")
        pins.add(item)
    if path:
        try:
            published = json.loads(Path(path).read_text())
            pins.update(key.thumbprint() for key in KeySet.import_key_set(published).keys)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ImproperlyConfigured(f"AUDIT_TRUSTED_KEYS_FILE {path!r} is not a readable JWKS: {exc}") from exc
    return frozenset(pins)


def configured_pins() -> frozenset[str]:
    """The thumbprints the operator pinned (setting and file); empty when nothing is configured."""
    raw = getattr(settings, "AUDIT_TRUSTED_KEYS", ())
    items = tuple(raw.split(",") if isinstance(raw, str) else raw)
    return _parse(tuple(i.strip() for i in items if i.strip()), str(getattr(settings, "AUDIT_TRUSTED_KEYS_FILE", "")))


def pins_are_configured() -> bool:
    return bool(configured_pins())


def pinned_automatically() -> bool:
    """Development and tests without configured pins: keys the platform made itself are trusted."""
    return not settings.PRODUCTION and not pins_are_configured()


def is_pinned(public_jwk: Mapping[str, Any]) -> bool:
    """Whether a public key is among the configured pins (not the automatic ones)."""
    try:
        return thumbprint(public_jwk) in configured_pins()
    except (ValueError, TypeError, KeyError):
        return False
