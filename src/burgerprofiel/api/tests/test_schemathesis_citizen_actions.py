"""Schemathesis over the error-report and service-request operations, with an agency that orders
foutmeldingen and aanvragen and has a report, a form and a request to find (the whole-API run uses
an agency without them, so there these operations only answer 403)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck

from burgerprofiel.api.tests.test_schemathesis import CHECKS, MAX_EXAMPLES, schema
from burgerprofiel.conftest import bearer, make_agency
from burgerprofiel.corrections.tests.factories import make_report
from burgerprofiel.service_requests.tests.factories import make_request, make_service

actions = schema.include(path_regex=r"^/api/v1/(error-reports|requestable-services|service-requests)")


@pytest.fixture
def actions_headers(client: Any, db: Any, settings: Any) -> Iterator[dict[str, str]]:
    settings.API_RATE_LIMIT_PER_MINUTE = 0
    agency = make_agency(components="uw_gegevens,foutmeldingen,aanvragen,notificaties")
    make_report(agency.agency_id)
    make_request(make_service(agency.agency_id))
    headers = {"Authorization": bearer(client, agency)["HTTP_AUTHORIZATION"]}
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield headers
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@actions.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_citizen_action_operations_conform_to_the_openapi_schema(
    case: Any, actions_headers: dict[str, str]
) -> None:
    response = case.call_and_validate(headers=actions_headers, checks=CHECKS)
    assert response.status_code < 500
