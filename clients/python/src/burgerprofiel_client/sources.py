"""For an agency that serves "Uw gegevens" and certificates to the platform (live pull).

Design note: the platform calls the agency's registered source when a citizen looks, with a
short-lived JWT (ES256, 60 s) that it signed: ``aud`` is the source's registered URL, ``rrn`` the
citizen's INSZ. A source must refuse (403) any call whose token does not verify against the
platform's ``/oauth/jwks``, names another audience, has expired, or asks about another INSZ than
the path names: otherwise anyone could read a citizen's data from it. :class:`SourceTokenVerifier`
does those checks; the ``*_answer`` functions build the bodies of both contracts
(``src/burgerprofiel/personal_data/CONTRACT.md`` and the certificates contract in DESIGN.md);
:class:`PullSource` puts them together behind one framework-neutral ``handle`` call, so a WSGI,
ASGI or Django view is a few lines (see ``examples/source_wsgi.py``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs

import httpx
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from burgerprofiel_client.errors import BurgerprofielError

# CONTRACT.md: at most 200 items and 256 KB; field lengths per item.
MAX_ITEMS = 200
MAX_ANSWER_BYTES = 256 * 1024
ITEM_LIMITS = {"id": 100, "label": 200, "value": 2000}
# A token naming a kid we do not know makes us fetch the platform's keys again, but not more often than this.
JWKS_REFETCH_SECONDS = 10.0
_SEPARATORS = re.compile(r"[\s.\-/]")


class SourceTokenInvalid(BurgerprofielError):
    """The platform's token is missing or wrong; the source answers 403. ``reason`` is for logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SourceToken:
    """A verified token: who is asked about (``insz``), for which source, until when."""

    insz: str
    audience: str
    issuer: str
    expires_at: dt.datetime
    claims: Mapping[str, Any]


def insz_digits(value: str) -> str:
    """An INSZ with its separators removed (``85.07.30-033.28`` is ``85073003328``)."""
    return _SEPARATORS.sub("", value)


class SourceTokenVerifier:
    """Checks the platform's token on a pull request: signature, ``aud``, expiry, and optionally the INSZ.

    ``jwks_url`` is the platform's ``{PUBLIC_URL}/oauth/jwks``; ``audience`` the URL the source was
    registered with, exactly; ``issuer``, when given, the platform's ``PUBLIC_URL``. The keys are
    fetched once and again when a token names an unknown key (the platform rotated), or after
    ``jwks_cache_seconds``.
    """

    def __init__(
        self,
        *,
        jwks_url: str,
        audience: str,
        issuer: str | None = None,
        leeway: int = 30,
        jwks_cache_seconds: float = 300.0,
        http: httpx.Client | None = None,
    ) -> None:
        self.jwks_url = jwks_url
        self.audience = audience.rstrip("/")
        self.issuer = issuer
        self.leeway = leeway
        self.jwks_cache_seconds = jwks_cache_seconds
        self._http = http
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._fetched_at = 0.0

    def verify(self, authorization: str | None, *, insz: str | None = None) -> SourceToken:
        """Verify an ``Authorization: Bearer ...`` header value; with ``insz``, also that ``rrn`` names it."""
        if not authorization or authorization[:7].lower() != "bearer ":
            raise SourceTokenInvalid("no bearer token")
        token = authorization[7:].strip()
        try:
            kid = jws.extract_compact(token.encode()).headers().get("kid")
        except (JoseError, ValueError) as exc:
            raise SourceTokenInvalid("not a JWS") from exc
        keys = self._keyset(kid=kid if isinstance(kid, str) else None)
        try:
            decoded = jwt.decode(token, keys, algorithms=["ES256"])
        except (JoseError, ValueError) as exc:
            raise SourceTokenInvalid(f"signature: {exc.__class__.__name__}") from exc
        claims = decoded.claims
        now = time.time()
        audiences = claims.get("aud")
        audiences = audiences if isinstance(audiences, list) else [audiences]
        if self.audience not in [str(a).rstrip("/") for a in audiences if a]:
            raise SourceTokenInvalid("audience is another source")
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp < now - self.leeway:
            raise SourceTokenInvalid("expired")
        nbf = claims.get("nbf")
        if isinstance(nbf, int | float) and nbf > now + self.leeway:
            raise SourceTokenInvalid("not yet valid")
        if self.issuer is not None and claims.get("iss") != self.issuer:
            raise SourceTokenInvalid("issuer is not the platform")
        rrn = claims.get("rrn")
        if not isinstance(rrn, str) or not rrn:
            raise SourceTokenInvalid("no rrn claim")
        if insz is not None and insz_digits(insz) != insz_digits(rrn):
            raise SourceTokenInvalid("rrn is another person than the path names")
        return SourceToken(
            insz=insz_digits(rrn),
            audience=self.audience,
            issuer=str(claims.get("iss", "")),
            expires_at=dt.datetime.fromtimestamp(exp, dt.UTC),
            claims=dict(claims),
        )

    def _keyset(self, *, kid: str | None) -> KeySet:
        with self._lock:
            now = time.monotonic()
            keys = self._keys
            stale = keys is None or now - self._fetched_at > self.jwks_cache_seconds
            unknown = keys is not None and kid is not None and kid not in _kids(keys)
            if keys is None or stale or (unknown and now - self._fetched_at > JWKS_REFETCH_SECONDS):
                keys = self._keys = KeySet.import_key_set(self._fetch_jwks())
                self._fetched_at = now
            return keys

    def _fetch_jwks(self) -> Any:
        try:
            if self._http is not None:
                response = self._http.get(self.jwks_url)
            else:
                response = httpx.get(self.jwks_url, timeout=5.0)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SourceTokenInvalid(f"platform keys unavailable: {exc.__class__.__name__}") from exc


def _kids(keys: KeySet) -> set[str]:
    return {str(k.kid) for k in keys.keys if k.kid}


# --- "Uw gegevens" (CONTRACT.md) ----------------------------------------------------------------


@dataclass(frozen=True)
class PersonalDataItem:
    """One fact a source holds on the citizen. ``id`` stays the same over time (error reports point at it)."""

    id: str
    label: str
    value: str
    category: str | None = None
    updated_at: dt.date | dt.datetime | None = None

    def wire(self) -> dict[str, Any]:
        for name, limit in ITEM_LIMITS.items():
            text = getattr(self, name)
            if not text or len(text) > limit:
                raise ValueError(f"item {name} must be 1 to {limit} characters")
        out: dict[str, Any] = {"id": self.id, "label": self.label, "value": self.value}
        if self.category:
            out["category"] = self.category
        if self.updated_at is not None:
            out["updatedAt"] = self.updated_at.isoformat()
        return out


def personal_data_answer(subject: str, items: Iterable[PersonalDataItem]) -> dict[str, Any]:
    """The body of a 200 answer: ``subject`` is the token's ``rrn``, unchanged."""
    wires = [item.wire() for item in items]
    if len(wires) > MAX_ITEMS:
        raise ValueError(f"at most {MAX_ITEMS} items per answer, not {len(wires)}")
    return {"subject": subject, "items": wires}


# --- certificates (DESIGN.md "Wire contracts") ----------------------------------------------------


@dataclass(frozen=True)
class CertificateEntry:
    """A certificate the source can hand out as a PDF, by year and language."""

    year: int
    language: str
    name: str
    id: str | None = None


def certificates_answer(
    insz: str,
    certificates: Sequence[CertificateEntry],
    *,
    page: int = 0,
    limit: int = 10,
    paging: Literal["page", "pageMetadata"] = "page",
    base_path: str = "/v1/certificates",
) -> dict[str, Any]:
    """One HAL+JSON page of ``certificates`` (all of the citizen's; this function pages them).
    Nothing found is an empty collection, never a 404."""
    if page < 0 or limit < 1:
        raise ValueError("page must be 0 or more and limit 1 or more")
    chosen = certificates[page * limit : (page + 1) * limit]
    total_pages = (len(certificates) + limit - 1) // limit
    return {
        "_embedded": {
            "certificates": [
                {
                    "id": c.id or f"{c.year}-{c.language}",
                    "year": c.year,
                    "language": c.language,
                    "name": c.name,
                    "_links": {"self": {"href": f"{base_path}/{insz}/{c.year}/{c.language}/download"}},
                }
                for c in chosen
            ]
        },
        paging: {"size": limit, "totalElements": len(certificates), "totalPages": total_pages, "number": page},
    }


def certificate_download_answer(content: bytes, *, content_type: str = "application/pdf") -> dict[str, Any]:
    """The body of a download: ``{"contentType": ..., "attest": base64}``."""
    return {"contentType": content_type, "attest": base64.b64encode(content).decode()}


# --- one framework-neutral handler ----------------------------------------------------------------


@dataclass(frozen=True)
class SourceReply:
    """What to answer: status, content type and body bytes."""

    status: int
    content_type: str
    body: bytes

    @classmethod
    def json(cls, status: int, data: Any, *, content_type: str = "application/json") -> SourceReply:
        return cls(status, content_type, json.dumps(data, ensure_ascii=False).encode())


PersonalDataLookup = Callable[[str], Iterable[PersonalDataItem] | None]
CertificatesLookup = Callable[[str], Sequence[CertificateEntry]]
CertificateFile = Callable[[str, int, str], bytes | None]
_CERTIFICATES = re.compile(r"^/v1/certificates/(?P<insz>[^/]+)(?:/(?P<year>\d{4})/(?P<lang>[a-z]{2})/download)?/?$")


class PullSource:
    """Answers the platform's calls to one registered source URL.

    Under that URL, the root answers "Uw gegevens" (``personal_data(insz)``: the items, or None when
    nothing is known: 404), and ``/v1/certificates/...`` the certificates contract
    (``certificates(insz)`` lists them, ``certificate_file(insz, year, language)`` gives the PDF).
    Leave out what the source does not serve: it answers 404 there.
    """

    def __init__(
        self,
        verifier: SourceTokenVerifier,
        *,
        personal_data: PersonalDataLookup | None = None,
        certificates: CertificatesLookup | None = None,
        certificate_file: CertificateFile | None = None,
    ) -> None:
        self.verifier = verifier
        self.personal_data = personal_data
        self.certificates = certificates
        self.certificate_file = certificate_file

    def handle(
        self, *, method: str, path: str, query: str | Mapping[str, str] = "", authorization: str | None
    ) -> SourceReply:
        """Answer one request; ``path`` is relative to the registered URL (``""`` or ``/v1/certificates/...``)."""
        if method.upper() != "GET":
            return SourceReply.json(405, {"error": "method not allowed"})
        params = _query(query)
        route = path.rstrip("/")
        match = _CERTIFICATES.match(route)
        if route == "" and self.personal_data is not None:
            try:
                token = self.verifier.verify(authorization)
            except SourceTokenInvalid:
                return SourceReply.json(403, {"error": "invalid token"})
            items = self.personal_data(token.insz)
            if items is None:
                return SourceReply.json(404, {"error": "nothing known"})
            # The contract's subject is the token's rrn exactly as the platform wrote it.
            return SourceReply.json(200, personal_data_answer(str(token.claims["rrn"]), items))
        if match is not None and self.certificates is not None:
            try:
                token = self.verifier.verify(authorization, insz=match["insz"])
            except SourceTokenInvalid:
                return SourceReply.json(403, {"error": "invalid token"})
            if match["year"] is None:
                page, limit = _int(params.get("page"), 0), min(_int(params.get("limit"), 10), 50)
                body = certificates_answer(
                    token.insz, self.certificates(token.insz), page=max(page, 0), limit=max(limit, 1)
                )
                return SourceReply.json(200, body, content_type="application/hal+json")
            content = (
                self.certificate_file(token.insz, int(match["year"]), match["lang"]) if self.certificate_file else None
            )
            if content is None:
                return SourceReply.json(404, {"error": "not found"})
            return SourceReply.json(200, certificate_download_answer(content))
        return SourceReply.json(404, {"error": "not found"})


def _query(query: str | Mapping[str, str]) -> Mapping[str, str]:
    if isinstance(query, str):
        return {k: v[0] for k, v in parse_qs(query).items() if v}
    return query


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
