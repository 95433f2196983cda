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


def test_the_source_refuses_a_call_without_the_platforms_token() -> None:
    from app import ROLES, SOURCE_PATH, make_sources

    sources = make_sources(platform_url="http://127.0.0.1:9", base_url="http://127.0.0.1:8003", role=ROLES["omgeving"])
    app = make_app(verifier=WebhookVerifier(SECRET), state=State(), sources=sources)
    for path in (SOURCE_PATH, f"{SOURCE_PATH}/gezin", f"{SOURCE_PATH}/groeipakket"):
        assert _call(app, "GET", path)[0].startswith("403"), path
    assert _call(app, "GET", f"{SOURCE_PATH}/v1/certificates/85073003328")[0].startswith("403")
    assert _call(app, "GET", f"{SOURCE_PATH}/gezin/v1/certificates/85073003328")[0].startswith("403")
    assert _call(app, "GET", f"{SOURCE_PATH}/groeipakket/v1/certificates/85073003328")[0].startswith("404")


def test_a_certificate_is_a_pdf_for_a_known_person_only() -> None:
    from app import certificate_pdf

    pdf = certificate_pdf("85073003328", 2026, "nl")
    assert pdf is not None and pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert b"Attest bewonerskaart parkeren" in pdf
    assert certificate_pdf("90022742191", 2025, "nl") is None
    assert certificate_pdf("01010100126", 2026, "nl") is None


def test_the_family_certificates_and_every_source_make_run_registers() -> None:
    from app import GEZIN, ROLES, source_registrations

    pdf = GEZIN.certificate_pdf("01010100126", 2025, "en")
    assert pdf is not None and b"Certificate of residence" in pdf
    assert GEZIN.certificate_pdf("01010100126", 2023, "nl") is None
    registered = source_registrations(base_url="http://127.0.0.1:8003", role=ROLES["omgeving"])
    assert sorted((r["component"], r["url"].removeprefix("http://127.0.0.1:8003"), r["theme"]) for r in registered) == [
        ("attesten", "/bron", "Mobiliteit"),
        ("attesten", "/bron/gezin", "U en uw gezin"),
        ("uw_gegevens", "/bron", "Mobiliteit"),
        ("uw_gegevens", "/bron/gezin", "U en uw gezin"),
        ("uw_gegevens", "/bron/groeipakket", "Groeipakket"),
    ]
    (second,) = source_registrations(base_url="http://127.0.0.1:8005", role=ROLES["gemeente"])
    assert (second["component"], second["theme"]) == ("uw_gegevens", "Woonst en vastgoed")


def test_each_new_event_is_handed_on_once() -> None:
    import threading

    seen: list[str] = []
    done = threading.Event()

    def on_event(event: Any) -> None:
        seen.append(event.type)
        done.set()

    app = make_app(verifier=WebhookVerifier(SECRET), state=State(), on_event=on_event)
    body, headers = _signed("evt_3", "aanvraag.ingediend")
    _call(app, "POST", "/webhooks", body, headers)
    _call(app, "POST", "/webhooks", body, headers)
    assert done.wait(5)
    assert seen == ["aanvraag.ingediend"]
