"""Bad input gets a clear 4xx problem+json and stores nothing (DESIGN rule 5)."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from burgerprofiel.api.routers import notifications as api_module
from burgerprofiel.api.tests.helpers import assert_problem
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.notifications.models import Notification

pytestmark = pytest.mark.django_db

# A write endpoint every test agency may use (the contact-person POST that served here is gone: issue 11 item 10).
URL = "/api/v1/notifications"
VALID = {"insz": "85073003328", "message": "Uw dossier is afgerond.", "ipdc_product": "Groeipakket"}


def _post(client, headers, body, content_type="application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data, content_type=content_type, **headers)


def test_a_valid_notification_is_stored(client, auth_headers):
    # The control for every refusal below: the same endpoint does store good input.
    response = _post(client, auth_headers, VALID)
    assert response.status_code == 202, response.content
    assert Notification.objects.count() == 1


@override_settings(API_MAX_BODY_BYTES=64)
def test_a_body_larger_than_the_limit_is_refused_with_413_and_nothing_is_stored(client, auth_headers):
    body = json.dumps(VALID)
    assert len(body) > 64
    body_problem = assert_problem(_post(client, auth_headers, body), 413, "payload-too-large")
    assert body_problem["max_bytes"] == 64
    assert Notification.objects.count() == 0


def test_malformed_json_is_refused_with_400_and_nothing_is_stored(client, auth_headers):
    assert_problem(_post(client, auth_headers, '{"insz": "85073003328", "message": '), 400, "malformed-request")
    assert Notification.objects.count() == 0


def test_a_body_that_is_not_utf8_is_refused_with_400_and_nothing_is_stored(client, auth_headers):
    assert_problem(_post(client, auth_headers, b"\xff\xfe{}"), 400, "malformed-request")
    assert Notification.objects.count() == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_body_that_is_not_json_is_refused_with_415_and_nothing_is_stored(client, auth_headers, content_type):
    response = _post(client, auth_headers, "insz=85073003328&message=Hallo&ipdc_product=Groeipakket", content_type)
    assert_problem(response, 415, "unsupported-media-type")
    assert Notification.objects.count() == 0


def test_an_unknown_field_is_refused_with_422_and_nothing_is_stored(client, auth_headers):
    body = assert_problem(_post(client, auth_headers, {**VALID, "nickname": "Jantje"}), 422, "validation-error")
    assert body["errors"] == [
        {"in": "body", "field": "nickname", "message": "Extra inputs are not permitted", "code": "extra_forbidden"}
    ]
    assert Notification.objects.count() == 0


def test_a_wrongly_typed_field_is_refused_with_422_and_nothing_is_stored(client, auth_headers):
    body = assert_problem(_post(client, auth_headers, {**VALID, "message": 42}), 422, "validation-error")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("message", "string_type")]
    assert Notification.objects.count() == 0


def test_a_validation_error_does_not_echo_the_submitted_values(client, auth_headers):
    response = _post(client, auth_headers, {**VALID, "dossier_id": ["jan.peeters-at-opgroeien.be"]})
    assert_problem(response, 422, "validation-error")
    assert b"jan.peeters-at-opgroeien.be" not in response.content
    assert Notification.objects.count() == 0


def test_a_json_body_that_is_not_an_object_is_refused_with_422_and_nothing_is_stored(client, auth_headers):
    assert_problem(_post(client, auth_headers, "[1, 2]"), 422, "validation-error")
    assert Notification.objects.count() == 0


def test_an_unexpected_failure_is_a_500_problem_that_reveals_nothing_and_stores_nothing(
    client, auth_headers, monkeypatch
):
    def explode(**kwargs):
        raise RuntimeError("secret internals: dsn=postgres://admin:hunter2@db")

    monkeypatch.setattr(api_module, "notification_accept", explode)
    response = _post(client, auth_headers, VALID)
    assert_problem(response, 500, "internal-error")
    assert b"hunter2" not in response.content
    assert Notification.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="notification.").exists()


def test_an_unknown_api_path_is_a_404_problem(client, auth_headers):
    assert_problem(client.get("/api/v1/no-such-thing", **auth_headers), 404, "not-found")


def test_a_method_the_operation_does_not_have_is_a_405_problem_naming_the_allowed_ones(client, auth_headers):
    response = client.delete(URL, **auth_headers)
    assert_problem(response, 405, "method-not-allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"POST"}


def test_an_identifier_beyond_64_bits_is_refused_with_422(client, auth_headers):
    response = client.get(f"/api/v1/audit/events?after_id={2**64}", **auth_headers)
    body = assert_problem(response, 422, "validation-error")
    assert [e["field"] for e in body["errors"]] == ["after_id"]


def test_a_limit_outside_its_range_is_refused_with_422(client, auth_headers):
    body = assert_problem(client.get("/api/v1/audit/events?limit=0", **auth_headers), 422, "validation-error")
    assert [(e["in"], e["field"]) for e in body["errors"]] == [("query", "limit")]


@pytest.mark.parametrize("bad", ["\u0000", "rol\u0000", "\ud800"])
def test_text_a_database_cannot_store_is_refused_400_and_nothing_is_stored(client, auth_headers, bad):
    import json as _json

    body = _json.dumps({**VALID, "ipdc_product": bad})
    response = client.post(URL, body, content_type="application/json", **auth_headers)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/unstorable-text")
    assert Notification.objects.count() == 0


def test_a_query_string_holding_a_nul_character_is_refused_400_not_a_500(client, auth_headers):
    response = client.get("/api/v1/audit/events", {"after_id": "1\x00"}, **auth_headers)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/unstorable-text")


def test_more_query_parameters_than_django_reads_get_400_problem_json(client, auth_headers):
    # Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) parameters; it answered in HTML.
    query = "&".join(f"p{i}=1" for i in range(1001))
    body = assert_problem(client.get(f"/api/v1/me?{query}", **auth_headers), 400, "too-many-parameters")
    assert body["max_parameters"] == 1000


def test_a_token_request_with_more_form_fields_than_django_reads_gets_400_problem_json(client):
    form = "&".join(f"f{i}=1" for i in range(1001))
    response = client.post("/oauth/token", form, content_type="application/x-www-form-urlencoded")
    assert_problem(response, 400, "too-many-parameters")


@override_settings(SECURE_SSL_REDIRECT=True)
def test_an_api_request_over_plain_http_is_refused_not_redirected(client, auth_headers):
    # ASVS 5.0 4.1.2: only pages for people are redirected to HTTPS; the API says the request was wrong.
    refused = client.get("/api/v1/me", **auth_headers)
    assert_problem(refused, 403, "https-required")
    token = client.post(
        "/oauth/token", "grant_type=client_credentials", content_type="application/x-www-form-urlencoded"
    )
    assert_problem(token, 403, "https-required")
    assert client.get("/api/v1/me", secure=True, **auth_headers).status_code == 200
    from django.test import Client

    page = Client().get("/overzicht")  # a new client: Django's SecurityMiddleware reads the setting when it starts
    assert page.status_code == 301 and page["Location"].startswith("https://")


@override_settings(API_MAX_BODY_BYTES=64)
@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status"),
    [
        ("post", URL, json.dumps(VALID), "application/json", 413),  # refused by the guard itself
        ("post", URL, "insz=85073003328", "text/plain", 415),  # refused by the guard itself
        ("get", "/api/v1/no-such-operation", "", "application/json", 404),  # Django's answer, rewritten
        ("delete", URL, "", "application/json", 405),  # Django's answer, rewritten
    ],
)
def test_every_problem_answer_states_its_length(client, auth_headers, method, path, body, content_type, status):
    # Without Content-Length a server falls back to chunked encoding (or closes the connection) for
    # an answer of a few hundred bytes; the length must also be that of the problem, not of the
    # HTML page it replaced.
    response = getattr(client, method)(path, body, content_type=content_type, **auth_headers)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Content-Length"]) == len(response.content)
