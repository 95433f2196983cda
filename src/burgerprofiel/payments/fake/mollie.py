"""A FAKE Mollie: a small HTTP server speaking the part of Mollie's REST API the platform's adapter uses.

It is a fake, for tests and ``make run`` only: no money moves, anyone may mark a payment paid. It
serves what ``payments/providers/mollie.py`` calls through the official SDK, and the two things a
real provider does besides:

- ``POST /v2/payments``, ``GET /v2/payments/{id}`` (``?embed=refunds``), ``POST`` and ``GET
  /v2/payments/{id}/refunds``, ``GET /v2/payments/{id}/refunds/{refund}``; bearer API keys
  (``test_...``, or exactly ``--api-key`` when given); Idempotency-Key on POST; Mollie's error shape.
- A hosted checkout page (``/checkout/{id}``) where one picks a method (Bancontact first) and the
  outcome: paid, failed, canceled or expired. The choice calls the payment's webhook the way Mollie
  does (a form POST with only ``id=tr_...``; the receiver must fetch the payment), then sends the
  browser to the payment's redirect URL.
- A refund is ``pending`` when created and ``refunded`` shortly after (``--refund-delay``), with a
  webhook call to the payment's webhook URL, as Mollie does.

Run: ``python -m burgerprofiel.payments.fake.mollie --port 8003``. It prints one JSON line
``{"endpoint": "http://127.0.0.1:PORT"}`` when it listens (``--port 0`` picks a free port).
Standard library only, so it starts anywhere the platform's Python does.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import secrets
import string
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OUTCOMES = ("paid", "failed", "canceled", "expired")
METHODS = ("bancontact", "kbc", "belfius", "creditcard", "applepay")
METHOD_LABELS = {
    "bancontact": "Bancontact",
    "kbc": "KBC/CBC-betaalknop",
    "belfius": "Belfius Pay-knop",
    "creditcard": "Kredietkaart",
    "applepay": "Apple Pay",
}
FEE = Decimal("0.39")  # what the fake keeps of a paid payment (settlementAmount = amount - FEE)
ALPHABET = string.ascii_letters + string.digits


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(10))


def _money(value: Decimal) -> dict[str, str]:
    return {"currency": "EUR", "value": f"{value:.2f}"}


class Store:
    """Payments, refunds and kept idempotent answers, in memory, behind one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, list[dict[str, Any]]] = {}
        self.idempotent: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self.calls: list[tuple[str, str]] = []  # (method, path) of every API call, for tests to read


class FakeMollie(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], *, api_key: str = "", refund_delay: float = 0.3) -> None:
        super().__init__(address, Handler)
        self.store = Store()
        self.api_key = api_key
        self.refund_delay = refund_delay

    @property
    def endpoint(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- what a payment looks like on the wire ------------------------------------------------

    def payment_json(self, payment: dict[str, Any], *, embed_refunds: bool = False) -> dict[str, Any]:
        amount = Decimal(payment["amount"]["value"])
        refunded = sum(
            (
                Decimal(r["amount"]["value"])
                for r in self.store.refunds.get(payment["id"], [])
                if r["status"] != "failed"
            ),
            Decimal(0),
        )
        body = {k: v for k, v in payment.items() if not k.startswith("_")}
        links: dict[str, Any] = {
            "self": {"href": f"{self.endpoint}/v2/payments/{payment['id']}", "type": "application/hal+json"},
            "dashboard": {"href": f"{self.endpoint}/dashboard/{payment['id']}", "type": "text/html"},
        }
        if payment["status"] == "open":
            links["checkout"] = {"href": f"{self.endpoint}/checkout/{payment['id']}", "type": "text/html"}
        if payment["status"] == "paid":
            body["amountRefunded"] = _money(refunded)
            body["amountRemaining"] = _money(amount - refunded)
            body["settlementAmount"] = _money(amount - FEE)
            links["refunds"] = {"href": f"{self.endpoint}/v2/payments/{payment['id']}/refunds"}
        body["_links"] = links
        if embed_refunds:
            body["_embedded"] = {"refunds": list(self.store.refunds.get(payment["id"], []))}
        return body

    def webhook_call(self, payment_id: str) -> None:
        """Mollie's webhook call: a form POST with only the payment id; the receiver fetches the rest."""
        url = self.store.payments[payment_id].get("webhookUrl")
        if not url:
            return
        data = urllib.parse.urlencode({"id": payment_id}).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the webhook the platform gave
            url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        for _ in range(3):
            try:
                with urllib.request.urlopen(request, timeout=10):  # noqa: S310
                    return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return
            except OSError:
                pass
            time.sleep(0.5)

    def refund_settle(self, payment_id: str, refund_id: str) -> None:
        time.sleep(self.refund_delay)
        with self.store.lock:
            for refund in self.store.refunds.get(payment_id, []):
                if refund["id"] == refund_id and refund["status"] == "pending":
                    refund["status"] = "refunded"
        self.webhook_call(payment_id)


class Handler(BaseHTTPRequestHandler):
    server: FakeMollie
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write("fake-mollie: " + (format % args) + "\n")

    # -- plumbing ---------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: dict[str, Any]) -> None:
        self._send(status, json.dumps(data).encode(), "application/hal+json")

    def _error(self, status: int, title: str, detail: str, field: str = "") -> None:
        body: dict[str, Any] = {"status": status, "title": title, "detail": detail}
        if field:
            body["field"] = field
        body["_links"] = {"documentation": {"href": "https://docs.mollie.com/errors", "type": "text/html"}}
        self._json(status, body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _authorised(self) -> bool:
        with self.server.store.lock:
            self.server.store.calls.append((self.command, self.path))
        header = self.headers.get("Authorization", "")
        key = header[7:].strip() if header.startswith("Bearer ") else ""
        ok = key == self.server.api_key if self.server.api_key else key.startswith("test_")
        if not ok:
            self._error(401, "Unauthorized Request", "Missing authentication, or failed to authenticate")
        return ok

    def _parts(self) -> tuple[list[str], dict[str, list[str]]]:
        split = urllib.parse.urlsplit(self.path)
        return [p for p in split.path.split("/") if p], urllib.parse.parse_qs(split.query)

    # -- routes -----------------------------------------------------------------------------

    def do_GET(self) -> None:
        parts, query = self._parts()
        if parts[:1] == ["checkout"] and len(parts) == 2:
            return self._checkout_page(parts[1])
        if parts[:2] != ["v2", "payments"]:
            return self._error(404, "Not Found", "No such resource")
        if not self._authorised():
            return
        with self.server.store.lock:
            payment = self.server.store.payments.get(parts[2]) if len(parts) > 2 else None
            if payment is None:
                return self._error(404, "Not Found", "No payment exists with token " + (parts[2:3] or [""])[0])
            if len(parts) == 3:
                embed = "refunds" in ",".join(query.get("embed", []))
                return self._json(200, self.server.payment_json(payment, embed_refunds=embed))
            refunds = self.server.store.refunds.get(payment["id"], [])
            if len(parts) == 4 and parts[3] == "refunds":
                return self._json(
                    200, {"count": len(refunds), "_embedded": {"refunds": refunds}, "_links": {"next": None}}
                )
            if len(parts) == 5 and parts[3] == "refunds":
                for refund in refunds:
                    if refund["id"] == parts[4]:
                        return self._json(200, refund)
        self._error(404, "Not Found", "No such resource")

    def do_POST(self) -> None:
        parts, _ = self._parts()
        raw = self._body()  # read whatever is answered: the connection is kept alive
        if parts[:1] == ["checkout"] and len(parts) == 2:
            return self._checkout_choice(parts[1], raw)
        if parts[:2] != ["v2", "payments"]:
            return self._error(404, "Not Found", "No such resource")
        if not self._authorised():
            return
        key = self.headers.get("Idempotency-Key", "")
        store = self.server.store
        with store.lock:
            if key and (self.path, key) in store.idempotent:
                status, kept = store.idempotent[(self.path, key)]
                return self._json(status, kept)
            try:
                data = json.loads(raw or b"{}")
            except ValueError:
                return self._error(400, "Bad Request", "The request body is not valid JSON")
            if len(parts) == 2:
                answer = self._payment_create(data)
            elif len(parts) == 4 and parts[3] == "refunds":
                answer = self._refund_create(parts[2], data)
            else:
                return self._error(404, "Not Found", "No such resource")
            if answer is None:
                return
            status, body = answer
            if key:
                store.idempotent[(self.path, key)] = (status, body)
        self._json(status, body)

    def _amount(self, data: dict[str, Any]) -> Decimal | None:
        amount = data.get("amount")
        try:
            value = Decimal(str(amount["value"])) if isinstance(amount, dict) else None
        except (InvalidOperation, KeyError):
            value = None
        if value is None or value <= 0 or not isinstance(amount, dict) or amount.get("currency") != "EUR":
            self._error(422, "Unprocessable Entity", "The amount is invalid", field="amount")
            return None
        return value

    def _payment_create(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        value = self._amount(data)
        if value is None:
            return None
        for field in ("description", "redirectUrl"):
            if not data.get(field):
                self._error(422, "Unprocessable Entity", f"The {field} is missing", field=field)
                return None
        methods = data.get("method") or list(METHODS)
        payment = {
            "resource": "payment",
            "id": _id("tr_"),
            "mode": "test",
            "createdAt": _now(),
            "amount": _money(value),
            "description": str(data["description"]),
            "method": None,
            "metadata": data.get("metadata"),
            "status": "open",
            "isCancelable": False,
            "expiresAt": (datetime.now(UTC) + timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "locale": data.get("locale") or "nl_BE",
            "profileId": "pfl_fakefakefa",
            "sequenceType": "oneoff",
            "redirectUrl": data["redirectUrl"],
            "webhookUrl": data.get("webhookUrl"),
            "_methods": methods if isinstance(methods, list) else [methods],
        }
        self.server.store.payments[payment["id"]] = payment
        self.server.store.refunds[payment["id"]] = []
        return 201, self.server.payment_json(payment)

    def _refund_create(self, payment_id: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        payment = self.server.store.payments.get(payment_id)
        if payment is None:
            self._error(404, "Not Found", "No payment exists with token " + payment_id)
            return None
        value = self._amount(data)
        if value is None:
            return None
        if payment["status"] != "paid":
            self._error(422, "Unprocessable Entity", "The payment cannot be refunded: it is not paid")
            return None
        remaining = Decimal(self.server.payment_json(payment)["amountRemaining"]["value"])
        if value > remaining:
            self._error(422, "Unprocessable Entity", "The amount is higher than the amount remaining", field="amount")
            return None
        refund = {
            "resource": "refund",
            "id": _id("re_"),
            "amount": _money(value),
            "status": "pending",
            "createdAt": _now(),
            "description": str(data.get("description") or ""),
            "paymentId": payment_id,
            "_links": {"payment": {"href": f"{self.server.endpoint}/v2/payments/{payment_id}"}},
        }
        self.server.store.refunds[payment_id].append(refund)
        threading.Thread(target=self.server.refund_settle, args=(payment_id, refund["id"]), daemon=True).start()
        return 201, refund

    # -- the hosted checkout ----------------------------------------------------------------

    def _checkout_page(self, payment_id: str) -> None:
        with self.server.store.lock:
            payment = self.server.store.payments.get(payment_id)
            if payment is None:
                return self._send(404, b"Onbekende betaling", "text/plain; charset=utf-8")
            if payment["status"] != "open":
                return self._redirect(payment["redirectUrl"])
            methods = payment["_methods"]
            amount = payment["amount"]["value"].replace(".", ",")
            description = html.escape(payment["description"])
        method_inputs = "".join(
            f'<label><input type="radio" name="method" value="{html.escape(m)}"{" checked" if i == 0 else ""}> '
            f"{html.escape(METHOD_LABELS.get(m, m))}</label>"
            for i, m in enumerate(methods)
        )
        outcome_inputs = "".join(
            f'<button type="submit" name="outcome" value="{o}">{label}</button>'
            for o, label in zip(OUTCOMES, ("Betalen (geslaagd)", "Mislukt", "Annuleren", "Laten verlopen"), strict=True)
        )
        page = f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nep-betaaldienst (fake Mollie)</title>
<style>body{{font-family:sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem}}
fieldset{{margin:1rem 0}}label{{display:block;padding:.3rem 0}}
button{{margin:.3rem .3rem 0 0;padding:.5rem 1rem}}</style>
</head><body><main>
<h1>Nep-betaaldienst (fake Mollie)</h1>
<p role="note"><strong>Dit is een nagemaakte betaaldienst voor tests en demo's:
er wordt geen geld verplaatst.</strong></p>
<p>{description}: <strong>€ {amount}</strong></p>
<form method="post" action="/checkout/{html.escape(payment_id)}">
<fieldset><legend>Betaalmethode</legend>{method_inputs}</fieldset>
<fieldset><legend>Uitkomst</legend>{outcome_inputs}</fieldset>
</form></main></body></html>"""
        self._send(200, page.encode(), "text/html; charset=utf-8")

    def _checkout_choice(self, payment_id: str, raw: bytes) -> None:
        form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"))
        outcome = (form.get("outcome") or [""])[0]
        method = (form.get("method") or ["bancontact"])[0]
        with self.server.store.lock:
            payment = self.server.store.payments.get(payment_id)
            if payment is None or outcome not in OUTCOMES:
                return self._send(400, b"Onbekende betaling of keuze", "text/plain; charset=utf-8")
            if payment["status"] == "open":
                payment["status"] = outcome
                payment["method"] = method if method in payment["_methods"] else payment["_methods"][0]
                stamp = {"paid": "paidAt", "failed": "failedAt", "canceled": "canceledAt", "expired": "expiredAt"}
                payment[stamp[outcome]] = _now()
                changed = True
            else:
                changed = False
            redirect = payment["redirectUrl"]
        if changed:
            self.server.webhook_call(payment_id)  # before the redirect, as Mollie usually manages
        self._redirect(redirect)

    def _redirect(self, url: str) -> None:
        self._send(303, b"", "text/plain", {"Location": url})


def serve(host: str = "127.0.0.1", port: int = 0, *, api_key: str = "", refund_delay: float = 0.3) -> FakeMollie:
    """A started fake in a background thread (for tests); ``shutdown()`` stops it."""
    server = FakeMollie((host, port), api_key=api_key, refund_delay=refund_delay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A FAKE Mollie API for tests and demos (no money moves).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8003)
    parser.add_argument("--api-key", default="", help="Accept only this key (default: any test_ key).")
    parser.add_argument("--refund-delay", type=float, default=0.3, help="Seconds before a refund is refunded.")
    args = parser.parse_args(argv)
    server = FakeMollie((args.host, args.port), api_key=args.api_key, refund_delay=args.refund_delay)
    print(json.dumps({"endpoint": server.endpoint}), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
