"""Schemathesis over the whole agency API, in process, with a real bearer token.

Every operation of ``/api/v1/openapi.json`` is fuzzed through the WSGI application (all phases:
explicit examples, coverage and fuzzing, positive and negative data). A request either gets an
answer that conforms to the schema (status code, content type, body) or the test fails; a 5xx
always fails. On top of the schema checks, every error answer must be RFC 9457 problem+json.

The WSGI handler sends ``request_finished`` after each response, which closes the database
connection; inside pytest-django's test transaction that would throw the test's data away, so
the handler is told to keep the connection for the duration of the test.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from burgerprofiel.agencies.selectors import agency_get
from burgerprofiel.agencies.services import contact_person_add
from burgerprofiel.audit.services import audit_seal_all
from burgerprofiel.conf.wsgi import application
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, bearer

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

MAX_EXAMPLES = 30
TALLY: Counter[tuple[str, int]] = Counter()


def problem_json_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx of the API is application/problem+json with a stable type (RFC 9457)."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.split(";")[0] == "application/problem+json", (
        f"{response.status_code} answered as {content_type!r}, not application/problem+json"
    )
    body = json.loads(response.content)
    assert body["status"] == response.status_code, body
    assert body["type"].startswith("https://burgerprofiel.example/problems/"), body
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    ignored_auth,
    unsupported_method,
    problem_json_errors,
]


@pytest.fixture
def fuzz_headers(client: Any, agency: OnboardedAgency, settings: Any) -> Iterator[dict[str, str]]:
    """A real access token, an agency with data, and a sealed audit tree for the proofs to prove."""
    settings.API_RATE_LIMIT_PER_MINUTE = 0
    contact_person_add(
        agency=agency_get(agency_id=agency.agency_id),
        name="Jan Peeters",
        email="jan.peeters@opgroeien.be",
        role="DPO",
        actor=TEST_ACTOR,
    )
    audit_seal_all()
    headers = {"Authorization": bearer(client, agency)["HTTP_AUTHORIZATION"]}
    # Only now: Django's test client reconnects these signals after each of its own requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield headers
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def _report_tally() -> Iterator[None]:
    yield
    operations = len(list(schema.get_all_operations()))
    print(f"\nschemathesis: {operations} operations, {TALLY.total()} requests (run with -s to see this)")
    for (label, status), count in sorted(TALLY.items()):
        print(f"  {label} -> {status}: {count}")


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    # One token and one data set serve all examples of an operation, on purpose; and CI machines are slow.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_conforms_to_the_openapi_schema(case: Any, fuzz_headers: dict[str, str]) -> None:
    response = case.call_and_validate(headers=fuzz_headers, checks=CHECKS)
    TALLY[(f"{case.method} {case.path}", response.status_code)] += 1
    if not case.operation.schema.is_security_param_negated(case):
        # The token went along, so a 401 would mean the fuzzing never got past authentication.
        assert response.status_code != 401, response.text
