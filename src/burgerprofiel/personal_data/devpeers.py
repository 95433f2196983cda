"""Agency sources for the tests and benchmarks: real HTTP servers speaking both pull contracts.

One server hosts several named sources under ``/<name>``; each is either an "Uw gegevens" source
(the contract in ``CONTRACT.md``) or a certificates source (the existing contract, DESIGN.md:
``/v1/certificates/{insz}`` and ``/v1/certificates/{insz}/{year}/{lang}/download``). Like a real
source, each verifies the platform's JWT (ES256 against the platform's JWKS, ``aud`` = its own URL,
``rrn`` = the citizen asked about) and answers 403 otherwise. A ``behaviour`` makes a source
misbehave on purpose for the tests: ``hang``, ``other-subject``, ``not-found``, ``malformed``,
``oversized``, ``wrong-type``.

``make run`` no longer runs these: its "Uw gegevens" and certificates come from the demo agencies'
own processes (``examples/demo_agency``), written on the agency client library.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet


def tiny_pdf(text: str) -> bytes:
    """A minimal valid one-page PDF showing ``text`` (ASCII)."""
    safe = "".join(ch for ch in text if 32 <= ord(ch) < 127).replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 72 760 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


DEMO_ITEMS = {
    "U en uw gezin": [
        ("gezinssamenstelling", "Gezinssamenstelling", "3 personen"),
        ("domicilie", "Domicilieadres", "Havenlaan 88, 1000 Brussel"),
    ],
    "Mobiliteit": [("rijbewijs", "Rijbewijs", "Categorie B, geldig tot 2031-05-01")],
    "Groeipakket": [("groeipakket", "Groeipakket", "Uitbetaald op 2026-11-08")],
    "Woonst en vastgoed": [("eigendom", "Onroerend goed", "1 perceel in Gent")],
}
DEMO_CERTIFICATES = [
    ("Attest gezinssamenstelling", 2026, "nl"),
    ("Attest van woonst", 2025, "nl"),
    ("Certificate of residence", 2025, "en"),
    ("Attest van goed gedrag en zeden", 2024, "nl"),
]


@dataclass
class Spec:
    kind: str  # uw_gegevens | attesten
    theme: str = "U en uw gezin"
    behaviour: str = "normal"
    paging: str = "page"  # page | pageMetadata


class DemoServer:
    """Several demo sources on one loopback port (0 = any free port)."""

    def __init__(
        self,
        sources: dict[str, Spec],
        *,
        jwks: dict[str, Any] | None = None,
        jwks_url: str = "",
        port: int = 0,
    ) -> None:
        self.sources = sources
        self._jwks = jwks
        self.jwks_url = jwks_url
        self.requests: list[str] = []
        self._stopping = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def source_url(self, name: str) -> str:
        return f"{self.url}/{name}"

    def start(self) -> DemoServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def keyset(self) -> KeySet:
        if self._jwks is None:
            self._jwks = httpx.get(self.jwks_url, timeout=5).json()
        return KeySet.import_key_set(self._jwks)  # type: ignore[arg-type]

    def verify(self, header: str, audience: str) -> str | None:
        """The ``rrn`` of a valid platform JWT for this source, else None."""
        if not header.startswith("Bearer "):
            return None
        try:
            token = jwt.decode(header[7:], self.keyset(), algorithms=["ES256"])
            jwt.JWTClaimsRegistry(aud={"essential": True, "value": audience}, exp={"essential": True}).validate(
                token.claims
            )
        except (JoseError, ValueError):
            self._jwks = None if self.jwks_url else self._jwks  # keys may have rotated
            return None
        rrn = token.claims.get("rrn")
        return rrn if isinstance(rrn, str) else None

    def hang(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # no INSZ in any log
                return

            def send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                segments = [s for s in parts.path.split("/") if s]
                if not segments or segments[0] not in owner.sources:
                    self.send(404, b'{"error":"unknown source"}')
                    return
                name, rest = segments[0], segments[1:]
                spec = owner.sources[name]
                owner.requests.append(name)
                rrn = owner.verify(self.headers.get("Authorization", ""), owner.source_url(name))
                if rrn is None:
                    self.send(403, b'{"error":"invalid token"}')
                    return
                if spec.behaviour == "hang":
                    owner.hang(30)
                    return
                if spec.kind == "uw_gegevens":
                    self.uw_gegevens(spec, rrn)
                else:
                    self.certificates(spec, rrn, rest, parse_qs(parts.query))

            def uw_gegevens(self, spec: Spec, rrn: str) -> None:
                if spec.behaviour == "not-found":
                    self.send(404, b'{"error":"no data"}')
                    return
                if spec.behaviour == "malformed":
                    self.send(200, b'{"subject": "' + rrn.encode() + b'", "items": [')
                    return
                if spec.behaviour == "oversized":
                    self.send(200, b'{"items": [' + b'{"id":"x","label":"x","value":"x"},' * 20000 + b"{}]}")
                    return
                subject = "85073003328" if spec.behaviour == "other-subject" and rrn != "85073003328" else rrn
                if spec.behaviour == "other-subject" and rrn == "85073003328":
                    subject = "90022742191"
                items = [
                    {
                        "id": f"{spec.theme[:3].lower()}-{key}",
                        "label": label,
                        "value": value,
                        "category": spec.theme,
                        "updatedAt": "2026-11-01",
                    }
                    for key, label, value in DEMO_ITEMS.get(spec.theme, [("algemeen", "Gegeven", "Voorbeeld")])
                ]
                self.send(200, json.dumps({"subject": subject, "items": items}).encode())

            def certificates(self, spec: Spec, rrn: str, rest: list[str], query: dict[str, list[str]]) -> None:
                if len(rest) < 3 or rest[:2] != ["v1", "certificates"] or rest[2] != rrn:
                    self.send(403 if len(rest) >= 3 else 404, b'{"error":"forbidden"}')
                    return
                if len(rest) == 3:
                    page = int(query.get("page", ["0"])[0])
                    limit = max(1, min(int(query.get("limit", ["10"])[0]), 50))
                    chosen = DEMO_CERTIFICATES[page * limit : (page + 1) * limit]
                    total_pages = (len(DEMO_CERTIFICATES) + limit - 1) // limit
                    body = {
                        "_embedded": {
                            "certificates": [
                                {
                                    "id": f"{year}-{lang}",
                                    "year": year,
                                    "language": lang,
                                    "name": title,
                                    "_links": {"self": {"href": f"/v1/certificates/{rrn}/{year}/{lang}/download"}},
                                }
                                for title, year, lang in chosen
                            ]
                        },
                        spec.paging: {
                            "size": limit,
                            "totalElements": len(DEMO_CERTIFICATES),
                            "totalPages": total_pages,
                            "number": page,
                        },
                    }
                    self.send(200, json.dumps(body).encode(), "application/hal+json")
                    return
                if len(rest) == 6 and rest[5] == "download":
                    match = [c for c in DEMO_CERTIFICATES if str(c[1]) == rest[3] and c[2] == rest[4]]
                    if not match:
                        self.send(404, b'{"error":"not found"}')
                        return
                    if spec.behaviour == "wrong-type":
                        payload = {
                            "contentType": "text/html",
                            "attest": base64.b64encode(b"<script>x</script>").decode(),
                        }
                    elif spec.behaviour == "malformed":
                        payload = {"contentType": "application/pdf", "attest": "%%% geen base64 %%%"}
                    else:
                        pdf = tiny_pdf(f"{match[0][0]} {match[0][1]}")
                        payload = {"contentType": "application/pdf", "attest": base64.b64encode(pdf).decode()}
                    self.send(200, json.dumps(payload).encode())
                    return
                self.send(404, b'{"error":"not found"}')

        return Handler
