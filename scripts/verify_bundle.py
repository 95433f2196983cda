#!/usr/bin/env python3
"""Verify a burgerprofiel return bundle: every file against the manifest, the manifest against its
signature (ES256 JWS by the platform's signing key, from its published JWKS).

Anyone can run it; it needs only Python 3.10+ and the ``cryptography`` package:

    python3 verify_bundle.py BUNDLE.zip --jwks https://<platform>/oauth/jwks
    python3 verify_bundle.py BUNDLE.zip --jwks jwks.json

Exit status 0: the bundle is intact and signed by a key in the JWKS; 1: it is not (the reason is
printed); 2: wrong use. (The same file is ``scripts/verify_bundle.py`` and
``burgerprofiel.compliance.offboarding.verify``, which ``burgerprofiel bundle verify`` runs.)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import urllib.request
import zipfile
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MANIFEST = "manifest.json"
SIGNATURE = "manifest.jws"
FORMAT = "burgerprofiel.return-bundle/1"


class BundleInvalid(Exception):
    """The bundle does not verify; the message says why."""


def _b64url(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def _public_key(jwk: dict[str, Any]) -> ec.EllipticCurvePublicKey:
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise BundleInvalid(f"key {jwk.get('kid')!r} is not an EC P-256 key")
    x = int.from_bytes(_b64url(jwk["x"]), "big")
    y = int.from_bytes(_b64url(jwk["y"]), "big")
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def jws_verify(token: str, jwks: dict[str, Any]) -> tuple[bytes, str]:
    """Verify a compact ES256 JWS against ``jwks``; returns (payload, kid)."""
    try:
        header_b64, payload_b64, signature_b64 = token.strip().split(".")
        header = json.loads(_b64url(header_b64))
    except ValueError as exc:
        raise BundleInvalid("the signature is not a compact JWS") from exc
    if header.get("alg") != "ES256":
        raise BundleInvalid(f"the signature's algorithm is {header.get('alg')!r}, not ES256")
    kid = header.get("kid")
    keys = [k for k in jwks.get("keys", []) if k.get("kid") == kid]
    if not keys:
        raise BundleInvalid(f"the manifest is signed by key {kid!r}, which is not in the JWKS")
    raw = _b64url(signature_b64)
    if len(raw) != 64:
        raise BundleInvalid("the signature is not an ES256 signature")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        _public_key(keys[0]).verify(der, f"{header_b64}.{payload_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise BundleInvalid("the manifest's signature does not verify") from None
    return _b64url(payload_b64), str(kid)


def bundle_verify(path: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """Check the bundle at ``path``; returns its manifest, or raises ``BundleInvalid``."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BundleInvalid(f"not a zip file: {exc}") from exc
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names or SIGNATURE not in names:
            raise BundleInvalid(f"the bundle lacks {MANIFEST} or {SIGNATURE}")
        manifest_bytes = archive.read(MANIFEST)
        payload, _kid = jws_verify(archive.read(SIGNATURE).decode(), jwks)
        if payload != manifest_bytes:
            raise BundleInvalid(f"{MANIFEST} is not the manifest that was signed")
        manifest = json.loads(manifest_bytes)
        if manifest.get("format") != FORMAT:
            raise BundleInvalid(f"unknown bundle format {manifest.get('format')!r}")
        listed = {entry["path"]: entry for entry in manifest.get("files", [])}
        unlisted = sorted(names - set(listed) - {MANIFEST, SIGNATURE})
        if unlisted:
            raise BundleInvalid(f"files not in the manifest: {', '.join(unlisted)}")
        for name, entry in sorted(listed.items()):
            if name not in names:
                raise BundleInvalid(f"{name} is in the manifest but not in the bundle")
            content = archive.read(name)
            if len(content) != entry["size"] or hashlib.sha256(content).hexdigest() != entry["sha256"]:
                raise BundleInvalid(f"{name} does not match its SHA-256 in the manifest")
    return manifest


def jwks_load(source: str) -> dict[str, Any]:
    """A JWKS from an https URL (or http on localhost) or a file."""
    if source.startswith(("https://", "http://")):
        if source.startswith("http://") and not source.startswith(("http://localhost", "http://127.0.0.1")):
            raise BundleInvalid("fetch the JWKS over https")
        with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310 - scheme checked above
            return dict(json.loads(response.read()))
    with open(source, encoding="utf-8") as handle:
        return dict(json.load(handle))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a burgerprofiel return bundle.")
    parser.add_argument("bundle", help="the bundle (.zip)")
    parser.add_argument("--jwks", required=True, help="the platform's JWKS: a URL (…/oauth/jwks) or a file")
    args = parser.parse_args(argv)
    try:
        manifest = bundle_verify(args.bundle, jwks_load(args.jwks))
    except BundleInvalid as failure:
        print(f"NOT VALID: {failure}")
        return 1
    files = manifest.get("files", [])
    agency = manifest.get("agency", {}).get("name", "")
    print(f"OK: {len(files)} files match the manifest, signed by the platform ({agency})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
