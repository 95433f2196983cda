"""A pull source as a tiny WSGI app: "Uw gegevens" at its root, certificates under /v1/certificates.

Run it beside the platform (standard library server, for trying out; use any WSGI server in production):

    python examples/source_wsgi.py --platform http://127.0.0.1:8000 --port 8003

then register it: ``burgerprofiel agency source add --agency ID --component uw_gegevens
--url http://127.0.0.1:8003 --theme "U en uw gezin"`` (and ``--component attesten`` with the same URL).
The platform's token names that URL as its audience, so the source must know it exactly.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import make_server

from burgerprofiel_client.sources import CertificateEntry, PersonalDataItem, PullSource, SourceTokenVerifier

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

# What this agency knows: in a real source, a lookup in its own systems by INSZ.
PEOPLE: dict[str, list[PersonalDataItem]] = {
    "85073003328": [
        PersonalDataItem("gezin", "Gezinssamenstelling", "3 personen", updated_at=dt.date(2026, 11, 1)),
        PersonalDataItem("adres", "Domicilieadres", "Havenlaan 88, 1000 Brussel"),
    ]
}
CERTIFICATES = [
    CertificateEntry(2026, "nl", "Attest gezinssamenstelling"),
    CertificateEntry(2025, "nl", "Attest van woonst"),
]


def certificate_pdf(insz: str, year: int, language: str) -> bytes | None:
    if insz not in PEOPLE or not any(c.year == year and c.language == language for c in CERTIFICATES):
        return None
    return b"%PDF-1.4\n% a real source renders the certificate here\n%%EOF\n"


def make_app(*, platform_url: str, source_url: str) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    source = PullSource(
        SourceTokenVerifier(jwks_url=f"{platform_url}/oauth/jwks", audience=source_url, issuer=platform_url),
        personal_data=PEOPLE.get,  # None: nothing known about this person (404)
        certificates=lambda insz: CERTIFICATES if insz in PEOPLE else [],
        certificate_file=certificate_pdf,
    )

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        reply = source.handle(
            method=environ["REQUEST_METHOD"],
            path=environ.get("PATH_INFO", ""),
            query=environ.get("QUERY_STRING", ""),
            authorization=environ.get("HTTP_AUTHORIZATION"),
        )
        status = f"{reply.status} {'OK' if reply.status == 200 else 'Error'}"
        start_response(status, [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body)))])
        return [reply.body]

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", default="http://127.0.0.1:8000")
    parser.add_argument("--port", type=int, default=8003)
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    with make_server("127.0.0.1", args.port, make_app(platform_url=args.platform, source_url=url)) as server:
        print(f"source on {url}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
