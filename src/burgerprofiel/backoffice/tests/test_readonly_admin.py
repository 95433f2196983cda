from __future__ import annotations

import pytest

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.models import AuditEvent, TreeHead
from burgerprofiel.audit.services import audit_seal_all

pytestmark = pytest.mark.django_db


def test_audit_events_cannot_be_added_changed_or_deleted_in_the_admin_even_by_a_superuser(superuser_client, agency):
    event = AuditEvent.objects.get(action="agency.onboarded")
    url = f"/backoffice/audit/auditevent/{event.pk}/"

    view = superuser_client.get(f"{url}change/")
    change = superuser_client.post(f"{url}change/", {"action": "vervalst", "detail": "{}"})
    delete_page = superuser_client.get(f"{url}delete/")
    delete = superuser_client.post(f"{url}delete/", {"post": "yes"})
    add = superuser_client.get("/backoffice/audit/auditevent/add/")

    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert (change.status_code, delete_page.status_code, delete.status_code, add.status_code) == (403, 403, 403, 403)
    event.refresh_from_db()
    assert event.action == "agency.onboarded"


def test_the_audit_event_list_offers_no_bulk_actions(superuser_client, agency):
    page = superuser_client.get("/backoffice/audit/auditevent/").content.decode()

    assert "agency.onboarded" in page
    assert 'name="_selected_action"' not in page


def test_audit_events_are_found_by_exact_action(auditor_client, agency):
    page = auditor_client.get("/backoffice/audit/auditevent/", {"q": "api_client.created"}).content.decode()

    assert "api_client.created" in page
    assert "agency.onboarded" not in page


def test_tree_heads_are_read_only(superuser_client, agency):
    audit_seal_all()
    head = TreeHead.objects.get()
    url = f"/backoffice/audit/treehead/{head.pk}/"

    assert superuser_client.get(f"{url}change/").status_code == 200
    assert superuser_client.post(f"{url}change/", {"root_hash": "0" * 64}).status_code == 403
    assert superuser_client.post(f"{url}delete/", {"post": "yes"}).status_code == 403


def test_data_keys_are_shown_without_key_material(superuser_client, agency):
    key = Agency.objects.get(pk=agency.agency_id).data_key

    page = superuser_client.get(f"/backoffice/crypto/datakey/{key.pk}/change/")

    assert page.status_code == 200
    content = page.content.decode()
    assert str(key.pk) in content
    assert "wrapped_key" not in content
    assert "wrapped key" not in content.lower()
    assert bytes(key.wrapped_key).hex() not in content
    assert superuser_client.post(f"/backoffice/crypto/datakey/{key.pk}/delete/", {"post": "yes"}).status_code == 403
