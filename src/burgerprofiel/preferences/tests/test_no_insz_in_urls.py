"""An INSZ never travels in a URL nor reaches a log line (DESIGN rule 3; issue 11 item 6)."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client
from django.urls import get_resolver

from burgerprofiel.api.tests.helpers import assert_problem
from burgerprofiel.common.logging import JsonFormatter
from burgerprofiel.conftest import bearer, make_agency
from burgerprofiel.notifications.tests.factories import INSZ, citizen_with_contact, consent

pytestmark = pytest.mark.django_db

SPACED = "85--07--30--033--28"  # what the INSZ validator accepts, in a form the old redaction missed


@pytest.fixture
def prefs_agency(db):
    return make_agency(name="Agentschap Opgroeien", kbo="0316380841", components="notificaties,contactvoorkeuren")


@pytest.fixture
def log_lines():
    """Every log line, as the JSON formatter writes it."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(JsonFormatter().format(record))

    handler = Collect(level=logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    http = logging.getLogger("burgerprofiel.http")
    http.addHandler(handler)
    yield lines
    root.removeHandler(handler)
    http.removeHandler(handler)


def _lookup(client: Client, insz: str, headers: dict[str, str]):
    return client.post(
        "/api/v1/preferences/lookup", json.dumps({"insz": insz}), content_type="application/json", **headers
    )


def test_an_agency_looks_a_citizen_up_with_the_insz_in_the_body(client, prefs_agency):
    citizen = citizen_with_contact(email="burger@example.org")
    consent(citizen, prefs_agency.agency_id, "email")
    response = _lookup(client, SPACED, bearer(client, prefs_agency))
    assert response.status_code == 200
    assert response.json()["email"] == "burger@example.org"


def test_the_path_form_with_the_insz_is_gone(client, prefs_agency):
    response = client.get(f"/api/v1/preferences/{INSZ}", **bearer(client, prefs_agency))
    assert_problem(response, 404, "not-found")
    assert not any("{insz}" in path or "<insz>" in path for path in client.get("/api/v1/openapi.json").json()["paths"])


def test_no_url_of_the_platform_takes_an_insz(client):
    def patterns(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if hasattr(entry, "url_patterns"):
                yield from patterns(entry, prefix + str(entry.pattern))
            else:
                yield prefix + str(entry.pattern)

    assert [p for p in patterns(get_resolver()) if "insz" in p.lower()] == []


def test_the_access_log_writes_the_route_pattern_not_the_path(client, prefs_agency, log_lines):
    headers = bearer(client, prefs_agency)
    client.get(f"/api/v1/preferences/{SPACED}", **headers)  # an old client, still sending the INSZ in the path
    _lookup(client, SPACED, headers)
    access = [json.loads(line) for line in log_lines if '"message": "request"' in line]
    assert access, log_lines
    assert all("path" not in line for line in access)
    assert {"route": "api/v1/preferences/lookup", "method": "POST", "status": 200}.items() <= next(
        line for line in access if line["method"] == "POST" and line["route"].endswith("lookup")
    ).items()
    text = "\n".join(log_lines)
    for form in (INSZ, SPACED, "85073003328"):
        assert form not in text


def test_httpx_does_not_log_the_urls_it_calls(settings):
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert not logging.getLogger("httpcore").isEnabledFor(logging.INFO)


def test_a_lookup_sent_with_an_idempotency_key_leaves_no_copy_of_the_answer(client, prefs_agency):
    from burgerprofiel.api.models import IdempotencyRecord

    headers = bearer(client, prefs_agency)
    response = client.post(
        "/api/v1/preferences/lookup",
        json.dumps({"insz": INSZ}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="lookup-1",
        **headers,
    )
    assert response.status_code == 200
    assert IdempotencyRecord.objects.count() == 0
