"""The agency API skips the middleware only browsers need (``conf.middleware``); everything else still runs."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signals
from django.db import close_old_connections
from django.test import Client, override_settings
from django.test.client import ClientHandler
from django.utils.module_loading import import_string

from burgerprofiel.agencies.models import Agency
from burgerprofiel.conf import middleware as browser_only
from burgerprofiel.conf import settings as project_settings
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, bearer
from burgerprofiel.dossiers.services import dosis_source_register
from burgerprofiel.dossiers.tests.conftest import BRON, UPLOAD_URL, full_payload

pytestmark = pytest.mark.django_db

# What guards and describes an API answer: it must never be wrapped (the behaviour tests below see each at work).
THE_API_RELIES_ON = {
    "burgerprofiel.common.client_ip.TrustedProxyMiddleware",
    "burgerprofiel.common.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "burgerprofiel.common.middleware.SecurityHeadersMiddleware",
    "burgerprofiel.api.middleware.ApiGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "burgerprofiel.api.middleware.IdempotencyMiddleware",
}


def _path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def test_the_api_keeps_its_own_middleware_and_the_browser_only_ones_are_subclasses_in_the_same_place() -> None:
    wrapped = [path for path in settings.MIDDLEWARE if path.startswith("burgerprofiel.conf.middleware.")]
    kept = [path for path in settings.MIDDLEWARE if path not in wrapped]
    originals = set()
    for path in wrapped:
        cls = import_string(path)
        original = cls.__mro__[2]
        assert issubclass(cls, browser_only._BrowserOnly) and original.__name__ == cls.__name__, path
        originals.add(_path(original))
    # Exactly the ten the settings mean to wrap, each in place of its original, which is gone from the list.
    assert originals == project_settings._BROWSER_ONLY and len(wrapped) == 10
    assert not originals & set(kept)
    assert set(kept) >= THE_API_RELIES_ON
    names = [path.rsplit(".", 1)[1] for path in settings.MIDDLEWARE]
    assert names.index("SessionMiddleware") < names.index("AuthenticationMiddleware") < names.index("OTPMiddleware")
    assert names.index("MessageMiddleware") < names.index("StaffSessionMiddleware")
    assert names.index("ApiGuardMiddleware") < names.index("SessionMiddleware")
    assert names[-1] == "AxesMiddleware"


def _staff_client() -> Client:
    """A browser with a back-office session and a CSRF cookie, as a staff member's would be."""
    client = Client()
    user = get_user_model().objects.create_user("beheerder", password="x" * 20, is_staff=True)
    client.force_login(user)
    client.get("/backoffice/login/")
    return client


class _ApiChainsClientHandler(browser_only.ApiChainsMixin, ClientHandler):
    """The test client's handler choosing its chain by path, as the WSGI application (conf.wsgi) does."""


def _client(chains: str) -> Client:
    """A test client over the full chain alone (wrappers pass the API on), or over the two chains."""
    client = Client()
    if chains == "api chain":
        client.handler = _ApiChainsClientHandler(enforce_csrf_checks=False)
    return client


@pytest.mark.parametrize("chains", ["full chain", "api chain"])
def test_an_api_upload_sets_no_cookie_and_carries_the_security_headers(agency: OnboardedAgency, chains: str) -> None:
    dosis_source_register(agency=Agency.objects.get(pk=agency.agency_id), uri=BRON, actor=TEST_ACTOR)
    client = _staff_client()
    assert {"bp_session", "csrftoken"} <= set(client.cookies)
    client.cookies["bp_taal"] = "en"
    headers = bearer(client, agency)
    with override_settings(SECURE_HSTS_SECONDS=3600):
        fresh = _client(chains)  # middleware is set up on the first request: this one sees the HSTS setting
        fresh.cookies = client.cookies
        responses = [
            fresh.post(UPLOAD_URL, json.dumps(full_payload()), content_type="application/json", secure=True, **headers),
            fresh.post(UPLOAD_URL, "{", content_type="application/json", secure=True, **headers),
            fresh.get("/api/v1/me", secure=True, **headers),
            fresh.get("/api/v1/no-such-thing", secure=True, **headers),
            fresh.get("/api/", secure=True),
        ]
    assert [r.status_code for r in responses] == [200, 400, 200, 404, 200]
    for response in responses:
        assert not response.cookies, response.cookies  # no session, CSRF or language cookie
        assert "Cookie" not in response.get("Vary", "")
        assert "Content-Language" not in response
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert response["Strict-Transport-Security"] == "max-age=3600"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cache-Control"] == "no-store"
        assert response["X-Request-ID"]
    for response in (responses[2], responses[4]):
        assert response["Content-Length"] == str(len(response.content))  # CommonMiddleware still runs
    assert responses[3]["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("chains", ["full chain", "api chain"])
def test_the_api_still_refuses_an_unknown_host(agency: OnboardedAgency, chains: str) -> None:
    response = _client(chains).get("/api/v1/me", HTTP_HOST="evil.example", **bearer(Client(), agency))
    assert response.status_code == 400
    assert not response.cookies


def test_the_api_chain_is_the_full_chain_without_what_the_api_only_passes_through() -> None:
    chain = browser_only.api_middleware(settings.MIDDLEWARE)
    dropped = [path for path in settings.MIDDLEWARE if path not in chain]
    assert [path for path in settings.MIDDLEWARE if path in chain] == chain  # the same order
    assert len(dropped) == 11 and "axes.middleware.AxesMiddleware" in dropped
    assert all(path.startswith("burgerprofiel.conf.middleware.") for path in dropped if "axes" not in path)
    assert set(chain) >= THE_API_RELIES_ON


def _wsgi(app: Any, path: str, **extra: str) -> tuple[str, dict[str, str], bytes]:
    """One request through a WSGI application, as gunicorn makes it."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        **extra,
    }
    started: list[Any] = []
    # As Django's test client does: the request signals must not close the test's connection (its transaction).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        chunks = app(environ, lambda status, headers, *rest: started.append((status, headers)))
        body = b"".join(chunks)
        chunks.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return started[0][0], dict(started[0][1]), body


def test_the_wsgi_application_answers_the_api_through_its_chain_with_headers_and_problems(
    agency: OnboardedAgency,
) -> None:
    from burgerprofiel.conf.wsgi import application

    assert isinstance(application, browser_only.ApiChainsMixin)
    token = bearer(Client(), agency)["HTTP_AUTHORIZATION"]
    me = _wsgi(application, "/api/v1/me", HTTP_AUTHORIZATION=token, HTTP_X_REQUEST_ID="req-1234")
    unknown = _wsgi(application, "/api/v1/no-such-thing", HTTP_AUTHORIZATION=token)
    anonymous = _wsgi(application, "/api/v1/me")
    assert [answer[0][:3] for answer in (me, unknown, anonymous)] == ["200", "404", "401"]
    assert me[1]["X-Request-ID"] == "req-1234"
    for _, headers, _ in (me, unknown, anonymous):
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in headers and "Cookie" not in headers.get("Vary", "")
    for _, headers, _ in (unknown, anonymous):
        assert headers["Content-Type"] == "application/problem+json"
    # A browser page still goes through the full chain: its CSRF cookie is set.
    login = _wsgi(application, "/backoffice/login/")
    assert login[0].startswith("200") and "csrftoken" in login[1].get("Set-Cookie", "")


def test_a_back_office_request_still_has_its_session_user_and_csrf() -> None:
    client = _staff_client()
    page = client.get("/backoffice/")
    assert page.status_code in (200, 302)
    assert page.wsgi_request.user.username == "beheerder"
    assert "Cookie" in page["Vary"]
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/backoffice/login/", {"username": "beheerder", "password": "x" * 20}).status_code == 403
    login_page = strict.get("/backoffice/login/")
    assert "csrftoken" in login_page.cookies
    assert login_page["Content-Language"] == "nl"
