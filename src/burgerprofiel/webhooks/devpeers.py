"""A local webhook receiver for development and benchmarks: what an agency's endpoint does.

``python -m burgerprofiel.webhooks.devpeers [--port 0] [--secret whsec_...] [--fail-every K]``
prints ``{"listening": port}``, then one JSON line per request: ``{"id": <webhook-id>, "status":
<answer>, "received_at": <unix time>}``. With ``--secret`` each request is verified with the
Standard Webhooks library (401 when it does not verify, as a real receiver answers); with
``--fail-every K`` the first attempt of every K-th new event is answered 503 (a retry test).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(self, *, secret: str = "", fail_every: int = 0) -> None:
        self.webhook = Webhook(secret) if secret else None
        self.fail_every = fail_every
        self.lock = threading.Lock()
        self.seen: set[str] = set()

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        if self.webhook is not None:
            try:
                self.webhook.verify(body, headers)
            except WebhookVerificationError:
                return 401
        event_id = headers.get("webhook-id", "")
        with self.lock:
            first = event_id not in self.seen
            self.seen.add(event_id)
            if first and self.fail_every and len(self.seen) % self.fail_every == 0:
                return 503
        return 204

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver.answer(headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                line = {
                    "id": headers.get("webhook-id", ""),
                    "type": _event_type(body),
                    "status": status,
                    "received_at": time.time(),
                }
                with receiver.lock:
                    sys.stdout.write(json.dumps(line) + "\n")
                    sys.stdout.flush()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _event_type(body: bytes) -> str:
    try:
        return str(json.loads(body).get("type", ""))
    except (ValueError, AttributeError):
        return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--secret", default="", help="verify each request with this whsec_ secret")
    parser.add_argument("--fail-every", type=int, default=0, help="503 on the first attempt of every K-th event")
    args = parser.parse_args()
    server = ThreadingHTTPServer(
        ("127.0.0.1", args.port), Receiver(secret=args.secret, fail_every=args.fail_every).handler()
    )
    server.daemon_threads = True
    sys.stdout.write(json.dumps({"listening": server.server_address[1]}) + "\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
