"""A token reaches only the components it was issued for (its ``scope``), whatever the order allows."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from burgerprofiel.api.tests.helpers import assert_problem
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conftest import OnboardedAgency, post_form
from burgerprofiel.notifications.tests.factories import INSZ, PRODUCT
from burgerprofiel.oauth.services import ASSERTION_TYPE

pytestmark = pytest.mark.django_db

DOSIS_RESULTS = "/api/v1/dosis/resultaten?bron=https://bron.example/dosis&dossierNummer=D-1"
NOTIFICATION = {"insz": INSZ, "message": "Uw dossier is afgerond.", "ipdc_product": PRODUCT}


def _bearer(client: Client, agency: OnboardedAgency, scope: str | None) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE}
    form["client_assertion"] = agency.assertion()
    if scope is not None:
        form["scope"] = scope
    response = post_form(client, form)
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == (scope or "dosis notificaties")
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}


def _notify(client: Client, headers: dict[str, str], **extra: Any) -> Any:
    return client.post(
        "/api/v1/notifications", json.dumps(NOTIFICATION), content_type="application/json", **headers, **extra
    )


def test_a_token_issued_for_notificaties_cannot_call_dosis(client, agency):
    headers = _bearer(client, agency, "notificaties")
    response = client.get(DOSIS_RESULTS, **headers)
    body = assert_problem(response, 403, "insufficient-scope")
    assert body["required_scope"] == "dosis"
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    assert AuditEvent.objects.filter(action="api.scope_refused", outcome="refused").count() == 1
    assert _notify(client, headers).status_code == 202


def test_a_token_issued_for_notificaties_cannot_upload_a_dosis_v2_dossier(client, agency):
    response = client.post(
        "/api/v2/dosis/dossiers", "{}", content_type="application/json", **_bearer(client, agency, "notificaties")
    )
    assert_problem(response, 403, "insufficient-scope")


def test_a_token_issued_for_dosis_cannot_push_notifications(client, agency):
    headers = _bearer(client, agency, "dosis")
    assert_problem(_notify(client, headers), 403, "insufficient-scope")
    assert client.get(DOSIS_RESULTS, **headers).status_code == 404


def test_a_token_without_a_requested_scope_covers_every_ordered_component(client, agency):
    headers = _bearer(client, agency, None)
    assert client.get(DOSIS_RESULTS, **headers).status_code == 404
    assert _notify(client, headers).status_code == 202


def test_an_idempotent_replay_needs_the_scope_of_the_first_request(client, agency):
    first = _notify(client, _bearer(client, agency, "notificaties"), HTTP_IDEMPOTENCY_KEY="scope-replay-1")
    assert first.status_code == 202
    replay = _notify(client, _bearer(client, agency, "dosis"), HTTP_IDEMPOTENCY_KEY="scope-replay-1")
    assert_problem(replay, 403, "insufficient-scope")
