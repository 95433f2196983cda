"""The demo agency's page and webhook receiver, driven through WSGI (no platform needed)."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

from standardwebhooks import Webhook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app import State, make_app
from burgerprofiel_client.webhooks import WebhookVerifier

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _call(
    app: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[str, bytes]:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path}
    setup_testing_defaults(environ)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    answer: dict[str, str] = {}

    def start_response(status: str, _headers: list[tuple[str, str]]) -> None:
        answer["status"] = status

    out = b"".join(app(environ, start_response))
    return answer["status"], out


def _signed(event_id: str, event_type: str, secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    now = dt.datetime.now(dt.UTC)
    body = json.dumps({"id": event_id, "type": event_type, "time": now.isoformat(), "data": {}})
    signature = Webhook(secret).sign(event_id, now, body)
    return body.encode(), {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


def test_a_verified_webhook_is_listed_on_the_page_once() -> None:
    state = State()
    app = make_app(verifier=WebhookVerifier(SECRET), state=state)
    body, headers = _signed("evt_1", "error_report.submitted")
    assert _call(app, "POST", "/webhooks", body, headers)[0].startswith("204")
    assert _call(app, "POST", "/webhooks", body, headers)[0].startswith("204")  # a redelivery
    status, page = _call(app, "GET", "/")
    assert status.startswith("200")
    assert page.count(b"error_report.submitted") == 1
    assert b"Ontvangen webhooks (1)" in page


def test_a_webhook_signed_with_another_secret_is_refused_and_not_listed() -> None:
    state = State()
    app = make_app(verifier=WebhookVerifier(SECRET), state=state)
    body, headers = _signed("evt_2", "payment.paid", secret="whsec_" + "c2VjcmV0LW9mLXNvbWVvbmUtZWxzZS0zMmJ5dGVz")
    assert _call(app, "POST", "/webhooks", body, headers)[0].startswith("401")
    assert not state.received
