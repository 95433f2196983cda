"""The demo agency: an agency's side of the exchange, as its own small web service.

It uses only the agency client library (``burgerprofiel_client``) and the platform's public
contracts, as a real agency would:

- at start it pushes, through the API, the first demo citizen's dossiers (DOSIS v2 bulk), a melding
  and a payment request (with fixed ``Idempotency-Key``s, dossier numbers and structured reference: a
  restart does nothing twice); ``make run`` seeds neither dossiers nor a payment inside the platform
  (``demo seed --without-dossiers``);
- ``--role gemeente`` plays the second demo agency (``demo seed --second-agency``: only "Uw gegevens"
  and meldingen, a client of its own): ``make run`` runs it as a second process, another tenant;
- it receives the platform's webhooks (error reports, service requests, payments) at ``/webhooks``,
  verifies each with the endpoint's Standard Webhooks secret (401 when it does not verify), and
- serves "Uw gegevens" of three themes and certificates (PDFs it makes, in the certificates contract)
  under ``/bron``, ``/bron/gezin`` and ``/bron/groeipakket``, answering only the platform's signed
  token for that URL and that citizen (``--list-sources`` prints them, for ``make run`` to register);
- answers a citizen's request (``aanvraag.ingediend``) with a dossier for it, pushed through the API,
  and links the request to that dossier (``POST /api/v1/service-requests/{id}/dossier``);
- on a payment's webhook (``betaling.status_gewijzigd``) reads the payment's status back through the
  API (``client.payments.get``), as a bookkeeping system would before it books anything;
- shows on ``/`` what it pushed and which events it received (in memory; one JSON line per event on
  standard output too, which ``make run`` keeps in var/webhooks.log).

    python examples/demo_agency/app.py --platform http://127.0.0.1:8000 --port 8003 \
        --credentials var/demo-agency.json --webhook-secret-file var/demo-webhook.json \
        --bron https://demo.burgerprofiel.example/dosis/omgevingsloket

Standard library server: for a demo, not for production.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIServer, make_server

from burgerprofiel_client import AgencyClient, BurgerprofielError, ClientSecret, Conflict
from burgerprofiel_client.models import (
    Agent,
    Beheerder,
    DossierActie,
    DossierIdentificatie,
    DossierStatus,
    DossierUpload,
    Fase,
    Notification,
    PaymentRequest,
    Product,
)
from burgerprofiel_client.sources import CertificateEntry, PersonalDataItem, PullSource, SourceTokenVerifier
from burgerprofiel_client.webhooks import WebhookEvent, WebhookVerificationFailed, WebhookVerifier

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
DEMO_CITIZEN = "85073003328"  # the first demo citizen (a test number, not a real person)
JAN, LOTTE = "90022742191", "01010100126"  # the other demo citizens (the dev OIDC provider's Jan and Lotte)
SOURCE_PATH = "/bron"  # this agency's sources live under it: /bron, /bron/gezin, /bron/groeipakket
VLAANDEREN = "https://www.vlaanderen.be"


@dataclass(frozen=True)
class Source:
    """One source URL of this agency, registered with the platform (``make run`` registers each,
    ``--list-sources`` prints them): "Uw gegevens" of one theme and, when it has any, certificates.
    ``people`` is what this agency knows, per INSZ: in a real agency, a lookup in its own systems."""

    path: str  # under this process: SOURCE_PATH or SOURCE_PATH + "/<name>"
    theme: str
    loket: str
    people: dict[str, list[PersonalDataItem]]
    certificates: tuple[CertificateEntry, ...] = ()
    issuer: str = "Demo-instantie"  # the first line of its PDFs

    def certificate_pdf(self, insz: str, year: int, language: str) -> bytes | None:
        """The certificate as a one-page PDF, or None when this source has none for the person."""
        found = [c for c in self.certificates if c.year == year and c.language == language]
        if insz not in self.people or not found:
            return None
        return minimal_pdf(
            [
                f"{self.issuer} - {found[0].name}",
                f"Jaar {year}. {self.theme}.",
                f"Opgemaakt op {dt.date.today():%d/%m/%Y} voor de aanvrager.",
            ]
        )


# The first demo agency's sources (until issue 15 the platform served the last two from a helper module
# of its own; now every "Uw gegevens" and certificate of make run comes from an agency's own process).
MOBILITEIT = Source(
    path=SOURCE_PATH,
    theme="Mobiliteit",
    loket=VLAANDEREN,
    people={
        DEMO_CITIZEN: [
            PersonalDataItem("bewonerskaart", "Bewonerskaart parkeren", "Zone Centrum, geldig tot 31/12/2026"),
            PersonalDataItem("nummerplaat", "Ingeschreven nummerplaat", "1-ABC-123", updated_at=dt.date(2026, 11, 2)),
            PersonalDataItem("rijbewijs", "Rijbewijs", "Categorie B, geldig tot 2031-05-01"),
        ],
        JAN: [PersonalDataItem("bewonerskaart", "Bewonerskaart parkeren", "Geen lopende kaart")],
    },
    certificates=(CertificateEntry(2026, "nl", "Attest bewonerskaart parkeren"),),
)
GEZIN = Source(
    path=f"{SOURCE_PATH}/gezin",
    theme="U en uw gezin",
    loket=VLAANDEREN,
    people={
        DEMO_CITIZEN: [
            PersonalDataItem("gezinssamenstelling", "Gezinssamenstelling", "3 personen"),
            PersonalDataItem("domicilie", "Domicilieadres", "Havenlaan 88, 1000 Brussel"),
        ],
        JAN: [
            PersonalDataItem("gezinssamenstelling", "Gezinssamenstelling", "1 persoon"),
            PersonalDataItem("domicilie", "Domicilieadres", "Kerkstraat 12, 9000 Gent"),
        ],
        LOTTE: [
            PersonalDataItem("gezinssamenstelling", "Gezinssamenstelling", "2 personen"),
            PersonalDataItem("domicilie", "Domicilieadres", "Markt 5, 8980 Zonnebeke"),
        ],
    },
    certificates=(
        CertificateEntry(2026, "nl", "Attest gezinssamenstelling"),
        CertificateEntry(2025, "nl", "Attest van woonst"),
        CertificateEntry(2025, "en", "Certificate of residence"),
        CertificateEntry(2024, "nl", "Attest van goed gedrag en zeden"),
    ),
)
GROEIPAKKET = Source(
    path=f"{SOURCE_PATH}/groeipakket",
    theme="Groeipakket",
    loket="https://www.groeipakket.be",
    people={
        DEMO_CITIZEN: [PersonalDataItem("groeipakket", "Groeipakket", "Uitbetaald op 2026-11-08")],
        LOTTE: [PersonalDataItem("groeipakket", "Groeipakket", "Geen lopend dossier")],
    },
)
DEMO_IBAN = "BE71096123456769"  # the demo agency's account (the EPC QR code of its payment request)
# Fixed, so a restart of the agency never asks An to pay twice (a second use of it is a Conflict).
DEMO_PAYMENT_REFERENCE = "+++202/6014/20133+++"


@dataclass(frozen=True)
class Role:
    """Which demo agency this process plays (``--role``): ``make run`` starts both, each with its own
    client, to show that tenants are separate."""

    title: str
    sources: tuple[Source, ...]
    dossiers: bool  # DOSIS: push the demo citizen's dossiers, answer requests
    webhooks: bool  # error reports, requests, payments
    payments: bool  # a payment request to the demo citizen (component betalingen)
    melding: str
    ipdc_product: str
    melding_key: str


ROLES = {
    # The first demo agency: every component of the demo (demo seed).
    "omgeving": Role(
        title="Demo-instantie",
        sources=(MOBILITEIT, GEZIN, GROEIPAKKET),
        dossiers=True,
        webhooks=True,
        payments=True,
        melding="De demo-instantie heeft uw aanvraag voor een bewonerskaart ontvangen.",
        ipdc_product="1234",
        melding_key="demo-agency-melding-0001",
    ),
    # The second (demo seed --second-agency): a municipality with only "Uw gegevens" and meldingen.
    "gemeente": Role(
        title="Demo-gemeente Zonnebeke",
        sources=(
            Source(
                path=SOURCE_PATH,
                theme="Woonst en vastgoed",
                loket="https://www.zonnebeke.be",
                people={
                    DEMO_CITIZEN: [
                        PersonalDataItem("afvalkalender", "Ophaling restafval", "Elke dinsdag, Langemarkstraat"),
                        PersonalDataItem("huisdieren", "Ingeschreven hond", "Chip 981 0000 1234 567"),
                    ]
                },
                issuer="Demo-gemeente Zonnebeke",
            ),
        ),
        dossiers=False,
        webhooks=False,
        payments=False,
        melding="De gemeente Zonnebeke haalt vanaf januari het restafval op dinsdag op.",
        ipdc_product="1500",
        melding_key="demo-gemeente-melding-0001",
    ),
}


def certificate_pdf(insz: str, year: int, language: str) -> bytes | None:
    """The first demo agency's bewonerskaart certificate (its ``/bron`` source)."""
    return MOBILITEIT.certificate_pdf(insz, year, language)


def minimal_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF with a few lines of Helvetica (a real agency renders its own layout)."""

    def escaped(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = "BT /F1 14 Tf 72 770 Td 18 TL " + " ".join(f"({escaped(line)}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(text.encode('latin-1'))} >>\nstream\n{text}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def make_source(*, platform_url: str, source_url: str, source: Source = MOBILITEIT) -> PullSource:
    """One pull source: the platform's token must name ``source_url`` as audience (and, for
    certificates, the citizen of the path); its signature is checked with the platform's JWKS."""
    return PullSource(
        SourceTokenVerifier(jwks_url=f"{platform_url}/oauth/jwks", audience=source_url),
        personal_data=source.people.get,  # None: nothing known about this person (404)
        certificates=(lambda insz: list(source.certificates) if insz in source.people else [])
        if source.certificates
        else None,
        certificate_file=source.certificate_pdf if source.certificates else None,
    )


def make_sources(*, platform_url: str, base_url: str, role: Role) -> dict[str, PullSource]:
    """Every source of the role, by its path under this process (``base_url`` is this process's URL)."""
    return {
        s.path: make_source(platform_url=platform_url, source_url=f"{base_url}{s.path}", source=s) for s in role.sources
    }


def source_registrations(*, base_url: str, role: Role) -> list[dict[str, str]]:
    """What ``make run`` registers with the platform for this agency (``agency source add``)."""
    out = []
    for source in role.sources:
        components = ["uw_gegevens", *(["attesten"] if source.certificates else [])]
        out.extend(
            {"component": c, "url": f"{base_url}{source.path}", "theme": source.theme, "loket": source.loket}
            for c in components
        )
    return out


@dataclass
class Received:
    id: str
    type: str
    time: str
    received_at: str
    about: str = ""  # the status the event reports, when it reports one (a payment's)


@dataclass
class State:
    """What the page shows; filled by the pusher thread and the webhook handler."""

    title: str = "Demo-instantie"
    pushed: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note_push(self, line: str) -> None:
        with self.lock:
            self.pushed.append(f"{dt.datetime.now(dt.UTC):%H:%M:%S} {line}")


CET = dt.timezone(dt.timedelta(hours=1))


def demo_dossiers(bron: str) -> list[DossierUpload]:
    """The demo citizen's dossiers at this agency: one waiting for the citizen, one being handled."""
    beheerder = Beheerder(Naam="Team Omgeving", Dienst="Demo-agentschap", Email="omgeving@demo.burgerprofiel.example")
    return [
        DossierUpload(
            Identificatie=DossierIdentificatie(Bron=bron, DossierNummer="OMV-2026-0142"),
            UploadId="demo-OMV-2026-0142",
            Naam="Omgevingsvergunning: verbouwing woning",
            WijzigingsDatum=dt.datetime(2026, 11, 20, 10, 0, tzinfo=CET),
            Status=DossierStatus(VlaamsCode="Openbaar onderzoek", VlaamsFase=Fase.BEHANDELING, Detail1=""),
            Doorverwijzing="https://www.omgevingsloket.be",
            Producten=[Product(Id="1380")],
            DossierBeheerder=beheerder,
            Agenten=[Agent.raadpleger(DEMO_CITIZEN)],
        ),
        DossierUpload(
            Identificatie=DossierIdentificatie(Bron=bron, DossierNummer="OMV-2026-0098"),
            UploadId="demo-OMV-2026-0098",
            Naam="Melding: plaatsing zonnepanelen",
            WijzigingsDatum=dt.datetime(2026, 11, 25, 9, 0, tzinfo=CET),
            Status=DossierStatus(
                VlaamsCode="Onvolledig",
                VlaamsFase=Fase.SAMENSTELLING,
                Detail1="",
                Actie=DossierActie(ActieNodig=True, Actie="Bezorg ons een situatieschets van het dak."),
            ),
            Doorverwijzing="https://www.omgevingsloket.be",
            Producten=[Product(Id="1380")],
            DossierBeheerder=beheerder,
            Agenten=[Agent.raadpleger(DEMO_CITIZEN)],
        ),
        DossierUpload(
            Identificatie=DossierIdentificatie(Bron=bron, DossierNummer="DEMO-AGENT-0001"),
            Naam="Aanvraag bewonerskaart parkeren (verstuurd door de demo-instantie)",
            WijzigingsDatum=dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC),
            Status=DossierStatus(VlaamsCode="Aanvraag ontvangen", VlaamsFase=Fase.BEHANDELING),
            Producten=[Product(Id="1234")],
            Agenten=[Agent.raadpleger(DEMO_CITIZEN)],
        ),
    ]


def push_demo_data(
    client: AgencyClient, *, bron: str, state: State, role: Role = ROLES["omgeving"], attempts: int = 60
) -> None:
    """The demo citizen's dossiers (DOSIS bulk) and a melding, once the platform answers (``make run``
    starts it last). Fixed ``Idempotency-Key``s: a restart of the agency files nothing twice."""
    melding = Notification(insz=DEMO_CITIZEN, message=role.melding, ipdc_product=role.ipdc_product)
    for attempt in range(attempts):
        try:
            if role.dossiers:
                result = client.dosis.upload_bulk(demo_dossiers(bron), idempotency_key="demo-agency-dossiers-0001")
                state.note_push(f"{result.accepted} dossiers aanvaard, {result.refused} geweigerd (DOSIS bulk)")
            pushed = client.notifications.push(melding, idempotency_key=role.melding_key)
            state.note_push(f"melding {pushed.id} aanvaard")
            if role.payments:
                request_payment(client, state=state)
            return
        except BurgerprofielError as error:
            if attempt == attempts - 1:
                state.note_push(f"versturen mislukt: {type(error).__name__}")
                return
            time.sleep(1.0)


def demo_payment() -> PaymentRequest:
    """The retribution for the demo citizen's building permit, due in a month."""
    return PaymentRequest(
        insz=DEMO_CITIZEN,
        amount_cents=4250,
        description="Retributie omgevingsvergunning OMV-2026-0142",
        due_date=dt.date.today() + dt.timedelta(days=30),
        creditor_iban=DEMO_IBAN,
        structured_reference=DEMO_PAYMENT_REFERENCE,
        dossier_id="OMV-2026-0142",
    )


def request_payment(client: AgencyClient, *, state: State) -> None:
    """Ask the demo citizen to pay, once: the same key on a retry, and the fixed structured reference
    makes a second request (a restart, long after the key expired) a Conflict, which is fine here."""
    try:
        payment = client.payments.create(demo_payment(), idempotency_key="demo-agency-payment-0001")
    except Conflict:
        state.note_push(f"betaalverzoek {DEMO_PAYMENT_REFERENCE} bestond al")
        return
    state.note_push(f"betaalverzoek {payment.id} aangemaakt ({payment.structured_reference}, status {payment.status})")


def read_payment(client: AgencyClient, *, state: State, event: WebhookEvent) -> None:
    """A payment's webhook names the payment; its status is read back through the API."""
    data = event.data if isinstance(event.data, dict) else {}
    payment_id = str(data.get("payment_id", ""))
    if not payment_id:
        return
    try:
        payment = client.payments.get(payment_id)
    except BurgerprofielError as error:
        state.note_push(f"betaling {payment_id} lezen mislukt: {type(error).__name__}")
        return
    state.note_push(f"betaling {payment.id} gelezen via de API: status {payment.status}")


def answer_request(client: AgencyClient, *, bron: str, state: State, event: WebhookEvent) -> None:
    """A citizen's request gets a dossier, as the agency's case system would open one: under a number
    of its own, owned by the applicant (the event's ``insz``)."""
    data = event.data if isinstance(event.data, dict) else {}
    request_id, insz = str(data.get("id", "")), str(data.get("insz", ""))
    if not request_id or not insz:
        return
    number = f"AANVRAAG-{request_id}"[:200]
    upload = DossierUpload(
        Identificatie=DossierIdentificatie(Bron=bron, DossierNummer=number),
        Naam="Uw aanvraag bij de demo-instantie",
        WijzigingsDatum=dt.datetime.now(dt.UTC),
        Status=DossierStatus(VlaamsCode="Aanvraag ontvangen", VlaamsFase=Fase.BEHANDELING),
        Producten=[Product(Id=str(data.get("ipdc_product") or "1234"))],
        Agenten=[Agent.raadpleger(insz)],
    )
    try:
        client.dosis.upload(upload, idempotency_key=f"demo-agency-{number}")
        # The answer on the platform: the request now points at its dossier (status "dossier").
        client.service_requests.answer_with_dossier(request_id, number, idempotency_key=f"demo-agency-answer-{number}")
    except BurgerprofielError as error:
        state.note_push(f"dossier voor aanvraag {request_id} mislukt: {type(error).__name__}")
        return
    state.note_push(f"dossier {number} aanvaard en aan aanvraag {request_id} gekoppeld")


def make_app(
    *,
    verifier: WebhookVerifier | None,
    state: State,
    sources: Mapping[str, PullSource] | None = None,
    on_event: Callable[[WebhookEvent], None] | None = None,
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    # The longest path first: /bron/gezin is its own source, not /bron's path "/gezin".
    routes = sorted((sources or {}).items(), key=lambda item: len(item[0]), reverse=True)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        prefix, source = next(((p, s) for p, s in routes if path == p or path.startswith(p + "/")), ("", None))
        if source is not None:
            reply = source.handle(
                method=method,
                path=path[len(prefix) :],
                query=environ.get("QUERY_STRING", ""),
                authorization=environ.get("HTTP_AUTHORIZATION"),
            )
            status = f"{reply.status} {'OK' if reply.status == 200 else 'Error'}"
            start_response(status, [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body)))])
            return [reply.body]
        if method == "POST" and path == "/webhooks" and verifier is not None:
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
            try:
                event = verifier.verify(body, headers)
            except WebhookVerificationFailed:
                start_response("401 Unauthorized", [("Content-Length", "0")])
                return [b""]
            received = Received(
                id=event.id,
                type=event.type,
                time=event.time.isoformat(),
                received_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                about=_about(event),
            )
            with state.lock:
                first = all(r.id != event.id for r in state.received)  # a redelivery is one event
                if first:
                    state.received.append(received)
            if first and on_event is not None:  # after the answer's work, not in the platform's wait
                threading.Thread(target=on_event, args=(event,), daemon=True).start()
            print(json.dumps(received.__dict__), flush=True)
            start_response("204 No Content", [("Content-Length", "0")])
            return [b""]
        if method == "GET" and path == "/":
            body = page(state).encode()
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
            return [body]
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]

    return app


def _about(event: WebhookEvent) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    status = data.get("status")
    return f"status {status}" if isinstance(status, str) else ""


def page(state: State) -> str:
    with state.lock:
        pushed = [html.escape(line) for line in state.pushed]
        received = list(reversed(state.received))
    rows = "".join(
        f"<tr><td>{html.escape(r.received_at)}</td><td>{html.escape(r.type)}</td><td>{html.escape(r.about)}</td>"
        f"<td><code>{html.escape(r.id)}</code></td></tr>"
        for r in received
    )
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">'
        f"<title>{html.escape(state.title)}</title></head><body><main><h1>{html.escape(state.title)}</h1>"
        "<h2>Verstuurd naar het platform</h2>"
        f"<ul>{''.join(f'<li>{line}</li>' for line in pushed) or '<li>nog niets</li>'}</ul>"
        f"<h2>Ontvangen webhooks ({len(received)})</h2>"
        "<p>Elke gebeurtenis is gecontroleerd met het geheim van het webhook-eindpunt (Standard Webhooks).</p>"
        "<table><thead><tr><th>ontvangen</th><th>type</th><th>wat</th><th>id</th></tr></thead>"
        f"<tbody>{rows or '<tr><td colspan=4>nog geen</td></tr>'}</tbody></table></main></body></html>"
    )


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--platform", default="http://127.0.0.1:8000")
    parser.add_argument("--port", type=int, default=8003)
    parser.add_argument("--credentials", type=Path, default=Path("var/demo-agency.json"))
    parser.add_argument("--webhook-secret-file", type=Path, default=Path("var/demo-webhook.json"))
    parser.add_argument("--role", choices=sorted(ROLES), default="omgeving", help="which demo agency this process is")
    parser.add_argument("--bron", default="https://demo.burgerprofiel.example/dosis/omgevingsloket")
    parser.add_argument(
        "--list-sources",
        action="store_true",
        help="print, one JSON line each, the sources to register with the platform (component, url, theme, loket)",
    )
    args = parser.parse_args()
    role = ROLES[args.role]
    base_url = f"http://127.0.0.1:{args.port}"
    if args.list_sources:
        for registration in source_registrations(base_url=base_url, role=role):
            print(json.dumps(registration))
        return
    credentials = json.loads(args.credentials.read_text())
    verifier = WebhookVerifier(json.loads(args.webhook_secret_file.read_text())["secret"]) if role.webhooks else None
    state = State(title=role.title)
    client = AgencyClient(args.platform, ClientSecret(credentials["client_id"], credentials["client_secret"]))
    threading.Thread(
        target=push_demo_data, kwargs={"client": client, "bron": args.bron, "state": state, "role": role}, daemon=True
    ).start()
    sources = make_sources(platform_url=args.platform, base_url=base_url, role=role)

    def on_event(event: WebhookEvent) -> None:
        if event.type == "aanvraag.ingediend" and role.dossiers:
            answer_request(client, bron=args.bron, state=state, event=event)
        elif event.type == "betaling.status_gewijzigd" and role.payments:
            read_payment(client, state=state, event=event)

    app = make_app(verifier=verifier, state=state, sources=sources, on_event=on_event)
    with make_server("127.0.0.1", args.port, app, server_class=_ThreadingServer) as server:
        print(json.dumps({"listening": args.port}), file=sys.stderr, flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
