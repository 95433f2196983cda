from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _responses(client, auth_headers):
    return {
        "healthz": client.get("/healthz"),
        "home": client.get("/"),
        "unknown page": client.get("/no-such-page"),
        "api 200": client.get("/api/v1/me", **auth_headers),
        "api 401": client.get("/api/v1/me"),
        "api 404": client.get("/api/v1/no-such-thing", **auth_headers),
        "api 415 (refused before any view)": client.post(
            "/api/v1/notifications", "x", content_type="text/plain", **auth_headers
        ),
        "openapi": client.get("/api/v1/openapi.json"),
        "docs": client.get("/api/v1/docs"),
        "token endpoint": client.post(
            "/oauth/token", "grant_type=password", content_type="application/x-www-form-urlencoded"
        ),
    }


def test_every_response_carries_the_security_headers(client, auth_headers):
    for name, response in _responses(client, auth_headers).items():
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], name
        assert "default-src 'self'" in response["Content-Security-Policy"], name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["X-Frame-Options"] == "DENY", name


def test_api_and_token_responses_are_never_cached(client, auth_headers):
    for name, response in _responses(client, auth_headers).items():
        if name.startswith(("api", "openapi", "docs", "token")):
            assert response["Cache-Control"] == "no-store", name


def test_the_docs_page_may_style_inline_but_runs_no_inline_script(client):
    csp = client.get("/api/v1/docs")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert "script-src 'self';" in csp


def test_other_pages_allow_no_inline_style_or_script(client):
    csp = client.get("/healthz")["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
