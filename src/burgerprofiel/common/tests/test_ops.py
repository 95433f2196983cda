"""Health, readiness and metrics endpoints for the operator."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from prometheus_client.parser import text_string_to_metric_families

from burgerprofiel.common import views

pytestmark = pytest.mark.django_db


def test_healthz_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_200_with_its_checks(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}


def test_readyz_answers_503_when_the_database_does_not_answer(client, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", Unreachable())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "error: OperationalError"}}


def test_readyz_answers_503_when_migrations_are_pending(client, monkeypatch):
    monkeypatch.setattr(views.MigrationExecutor, "migration_plan", lambda self, targets: ["pending"])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "1 pending"


def _requests_total(client) -> list:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(response.content.decode())}
    return [s for s in families["burgerprofiel_http_requests"].samples if s.name.endswith("_total")]


def test_metrics_count_requests_by_route_not_by_raw_path(client, auth_headers):
    client.get("/api/v1/audit/events/987654321/inclusion-proof", **auth_headers)

    samples = _requests_total(client)

    routes = {s.labels["route"] for s in samples}
    assert "api/v1/audit/events/<event_id>/inclusion-proof" in routes
    assert not any("987654321" in route for route in routes)
    (sample,) = [
        s
        for s in samples
        if s.labels == {"method": "GET", "route": "api/v1/audit/events/<event_id>/inclusion-proof", "status": "404"}
    ]
    assert sample.value >= 1


def test_a_request_refused_by_a_guard_is_counted_under_its_route(client, auth_headers):
    client.post("/api/v1/notifications", "x", content_type="text/plain", **auth_headers)
    labels = [s.labels for s in _requests_total(client)]
    assert {"method": "POST", "route": "api/v1/notifications", "status": "415"} in labels


def test_paths_that_match_no_route_share_one_label(client):
    client.get("/no-such-page/85073003328")
    samples = _requests_total(client)
    assert {"method": "GET", "route": "unmatched", "status": "404"} in [s.labels for s in samples]
    assert not any("85073003328" in s.labels["route"] for s in samples)
