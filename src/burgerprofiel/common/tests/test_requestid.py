"""Every response carries a request id; a caller's well-formed id is echoed for correlation."""

from __future__ import annotations

import random
import re
import uuid

import pytest

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.redaction import holds_personal_data
from burgerprofiel.common.requestid import _LONG_DIGIT_RUN, new_request_id

pytestmark = pytest.mark.django_db

GENERATED = re.compile(r"^[0-9a-f]{32}$")


@pytest.mark.parametrize(
    "path",
    ["/healthz", "/readyz", "/metrics", "/", "/no-such-page", "/api/v1/me", "/api/v1/openapi.json", "/oauth/jwks"],
)
def test_every_response_carries_a_request_id(client, path):
    response = client.get(path)
    assert GENERATED.match(response["X-Request-ID"]), response["X-Request-ID"]


def test_each_request_gets_its_own_id(client):
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


def test_a_well_formed_incoming_request_id_is_echoed_and_recorded(client, auth_headers):
    response = client.get("/api/v1/me", HTTP_X_REQUEST_ID="agency-7f3a:run-42", **auth_headers)
    assert response.status_code == 200
    assert response["X-Request-ID"] == "agency-7f3a:run-42"
    assert AuditEvent.objects.get(action="agency.me_read").request_id == "agency-7f3a:run-42"


def test_an_error_names_the_request_id_as_its_instance(client):
    response = client.get("/api/v1/me", HTTP_X_REQUEST_ID="agency-7f3a:run-43")
    assert response.status_code == 401
    assert response.json()["instance"] == "urn:request:agency-7f3a:run-43"


@pytest.mark.parametrize(
    "incoming", ["short", "with spaces in it", "<script>alert(1)</script>", "x" * 129, "ïd-1234567"]
)
def test_a_malformed_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert GENERATED.match(response["X-Request-ID"])


@pytest.mark.parametrize("incoming", ["85073003328", "85.07.30-033.28", "0470123456", "BE71096123456769"])
def test_an_incoming_request_id_that_looks_like_personal_data_is_replaced(client, incoming):
    # It would otherwise be echoed in logs and written to the audit log in clear.
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert GENERATED.match(response["X-Request-ID"])


def test_generated_request_ids_never_look_like_personal_data():
    # About one uuid in fifty holds an INSZ-shaped run of digits; 2000 draws all but surely meet one.
    assert not any(holds_personal_data(new_request_id()) for _ in range(2000))


def test_the_quick_check_of_a_generated_id_passes_only_ids_the_full_check_passes():
    # _generated skips the full check for an id without ten digits in a row: every id it skips
    # must be one the full check passes too, also the ones made to come close (long runs of digits,
    # hex letters that start an IBAN, a leading 00 or 04 of a phone number).
    rng = random.Random(14)  # noqa: S311 - a reproducible sample, not a secret
    digits, letters = "0123456789", "abcdef"
    candidates = [uuid.UUID(int=rng.getrandbits(128)).hex for _ in range(20000)]
    for _ in range(20000):
        run = rng.randint(0, 9)
        prefix = rng.choice(["", "00", "04", "de", "be", "ad", "ae", "ba", "ee"])
        body = "".join(rng.choice(digits if i < run else digits + letters) for i in range(32))
        candidates.append((prefix + body)[:32])
    skipped = [value for value in candidates if not _LONG_DIGIT_RUN.search(value)]
    assert len(skipped) > 20000
    assert not [value for value in skipped if holds_personal_data(value)]
    assert _LONG_DIGIT_RUN.search("85073003328" + "a" * 21) and holds_personal_data("85073003328" + "a" * 21)
