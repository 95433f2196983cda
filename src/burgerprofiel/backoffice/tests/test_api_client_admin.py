from __future__ import annotations

import re

import pytest

from burgerprofiel.agencies.models import ApiClient
from burgerprofiel.agencies.services import api_client_secret_matches
from burgerprofiel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

CHANGELIST = "/backoffice/agencies/apiclient/"


SECRET_FIELD = r'<input type="text" id="client_secret" value="([^"]+)" readonly'


def test_rotating_a_secret_shows_the_new_one_once_and_the_old_one_stops_working(operator_client, operator, agency):
    client = ApiClient.objects.get(client_id=agency.client_id)

    chosen = operator_client.post(
        CHANGELIST, {"action": "rotate_secret", "_selected_action": [client.pk], "index": "0"}
    )
    assert chosen.status_code == 302 and chosen["Location"] == f"{CHANGELIST}{client.pk}/nieuw-geheim/"
    confirm = operator_client.get(chosen["Location"]).content.decode()
    assert "werkt meteen niet meer" in confirm and "Reden voor een nieuw geheim" in confirm
    assert operator_client.post(chosen["Location"], {"reason": "  "}).status_code == 200  # a reason is required
    client.refresh_from_db()
    assert api_client_secret_matches(client=client, secret=agency.client_secret)

    response = operator_client.post(chosen["Location"], {"reason": "Geheim in een ticket geplakt"})

    assert response.status_code == 200, response.content
    secret = re.search(SECRET_FIELD, response.content.decode()).group(1)
    client.refresh_from_db()
    assert api_client_secret_matches(client=client, secret=secret)
    assert not api_client_secret_matches(client=client, secret=agency.client_secret)
    assert secret not in operator_client.get(CHANGELIST).content.decode()
    rotated = AuditEvent.objects.get(action="api_client.secret_rotated", object_id=client.client_id)
    assert rotated.purpose == "Geheim in een ticket geplakt"
    event = AuditEvent.objects.get(action="backoffice.apiclient.secret_rotated")
    assert (event.actor_id, event.agency_id) == (str(operator.user.pk), agency.agency_id)
    assert secret not in str(event.detail)


def test_an_auditor_cannot_rotate_a_secret(auditor_client, agency):
    client = ApiClient.objects.get(client_id=agency.client_id)
    before = client.secret_hash

    auditor_client.post(CHANGELIST, {"action": "rotate_secret", "_selected_action": [client.pk], "index": "0"})
    refused = auditor_client.post(f"{CHANGELIST}{client.pk}/nieuw-geheim/", {"reason": "Ik probeer het"})

    client.refresh_from_db()
    assert client.secret_hash == before
    assert refused.status_code == 403
    event = AuditEvent.objects.get(action="backoffice.refused")
    assert (event.outcome, event.detail, event.agency_id) == ("refused", {"act": "secret_rotate"}, agency.agency_id)


def test_the_change_form_has_no_secret_field(operator_client, agency):
    client = ApiClient.objects.get(client_id=agency.client_id)

    page = operator_client.get(f"{CHANGELIST}{client.pk}/change/").content.decode()

    assert 'name="secret_hash"' not in page
    assert client.secret_hash not in page
    assert 'name="is_active"' in page


def test_a_posted_secret_hash_is_ignored(operator_client, agency):
    client = ApiClient.objects.get(client_id=agency.client_id)
    before = client.secret_hash

    response = operator_client.post(
        f"{CHANGELIST}{client.pk}/change/",
        {"name": "Nieuwe naam", "is_active": "on", "jwks": "", "secret_hash": "$argon2id$gestolen", "_save": "1"},
    )

    assert response.status_code == 302, response.content
    client.refresh_from_db()
    assert client.secret_hash == before
    assert client.name == "Nieuwe naam"
    assert client.jwks is None
    assert AuditEvent.objects.get(action="backoffice.apiclient.changed").detail == {"fields": ["jwks", "name"]}


def test_adding_a_client_with_a_secret_shows_it_once(operator_client, agency):
    response = operator_client.post(
        f"{CHANGELIST}add/",
        {"agency": str(agency.agency_id), "name": "Tweede systeem", "jwks": "", "with_secret": "on"},
    )

    assert response.status_code == 200, response.content
    secret = re.search(SECRET_FIELD, response.content.decode()).group(1)
    client = ApiClient.objects.get(name="Tweede systeem")
    assert api_client_secret_matches(client=client, secret=secret)
    assert AuditEvent.objects.filter(action="backoffice.apiclient.added", object_id=str(client.pk)).exists()


def test_a_client_without_secret_or_keys_is_refused(operator_client, agency):
    response = operator_client.post(
        f"{CHANGELIST}add/", {"agency": str(agency.agency_id), "name": "Zonder sleutel", "jwks": ""}
    )

    assert response.status_code == 200
    assert not ApiClient.objects.filter(name="Zonder sleutel").exists()
