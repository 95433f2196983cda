from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from burgerprofiel.agencies.models import Agency, ProcessingOrder
from burgerprofiel.backoffice.tests.conftest import management

pytestmark = pytest.mark.django_db


def _codenames(group: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=group).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_the_roles_migration_gives_the_operator_writes_on_agencies_and_views_on_the_rest():
    perms = _codenames("operator")
    assert {"agencies.add_agency", "agencies.change_agency", "agencies.add_apiclient"} <= perms
    assert {"agencies.change_contactperson", "agencies.change_processingorder"} <= perms
    assert {"audit.view_auditevent", "audit.view_treehead", "crypto.view_datakey"} <= perms
    assert not any(p.split(".")[1].startswith("delete_") for p in perms)
    assert "audit.change_auditevent" not in perms


def test_the_roles_migration_gives_the_auditor_view_permissions_only():
    perms = _codenames("auditor")
    assert {"agencies.view_agency", "audit.view_auditevent", "audit.view_treehead"} <= perms
    assert all(p.split(".")[1].startswith("view_") for p in perms)


def test_no_role_may_view_citizens():
    assert not any(p.startswith("citizens.") for p in _codenames("operator") | _codenames("auditor"))


def test_an_auditor_can_view_agencies_and_audit_events(auditor_client, agency):
    agencies = auditor_client.get("/backoffice/agencies/agency/")
    events = auditor_client.get("/backoffice/audit/auditevent/")
    heads = auditor_client.get("/backoffice/audit/treehead/")
    detail = auditor_client.get(f"/backoffice/agencies/agency/{agency.agency_id}/change/")

    assert agencies.status_code == 200
    assert "Agentschap Opgroeien" in agencies.content.decode()
    assert events.status_code == 200
    assert "agency.onboarded" in events.content.decode()
    assert heads.status_code == 200
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()


def test_an_auditor_gets_403_on_add_pages(auditor_client):
    for url in (
        "/backoffice/agencies/agency/add/",
        "/backoffice/agencies/apiclient/add/",
        "/backoffice/agencies/processingorder/add/",
    ):
        assert auditor_client.get(url).status_code == 403, url


def test_an_auditor_gets_403_when_posting_a_change(auditor_client, agency):
    response = auditor_client.post(
        f"/backoffice/agencies/agency/{agency.agency_id}/change/",
        {
            "name": "Overgenomen",
            "kbo": "0316380841",
            **management("contact_persons"),
            **management("api_clients"),
            **management("processing_orders"),
        },
    )

    assert response.status_code == 403
    assert Agency.objects.get(pk=agency.agency_id).name == "Agentschap Opgroeien"


def test_an_auditor_cannot_suspend_an_order_through_the_action(auditor_client, agency):
    response = auditor_client.post(
        "/backoffice/agencies/processingorder/",
        {"action": "suspend_orders", "_selected_action": [agency.order_id], "apply": "1", "reason": "test"},
    )

    assert response.status_code in (200, 302)
    assert ProcessingOrder.objects.get(pk=agency.order_id).versions.count() == 1


def test_an_operator_cannot_delete_an_agency(operator_client, agency):
    assert operator_client.get(f"/backoffice/agencies/agency/{agency.agency_id}/delete/").status_code == 403


@pytest.mark.django_db
def test_roles_cover_the_later_capabilities_without_showing_personal_content():
    from django.contrib.auth.models import Group

    operator = set(Group.objects.get(name="operator").permissions.values_list("codename", flat=True))
    auditor = set(Group.objects.get(name="auditor").permissions.values_list("codename", flat=True))
    assert {"add_dosissource", "change_dosissource", "add_pullsource", "view_consentevent"} <= operator
    assert {"view_dosissource", "view_delivery", "view_consentevent"} <= auditor
    assert not {"add_dosissource", "change_pullsource"} & auditor
    for personal in ("view_dossier", "view_notification", "view_contactpreference", "view_dossierstatus"):
        assert personal not in operator and personal not in auditor


# Shown on another model's page, through code the inlines attribute does not reveal.
SHOWN_ON_ANOTHER_PAGE = {
    "agencies.contactperson": "inline on the agency page (AgencyAdmin.get_inlines)",
    "agencies.processingorderversion": "the version history on the processing order page",
}


def _models_with_a_page() -> set[type]:
    """Models with a back-office page of their own, or shown (and edited) inline on one."""
    from burgerprofiel.backoffice.site import site

    shown = set(site._registry)
    for model_admin in site._registry.values():
        shown.update(inline.model for inline in model_admin.inlines)
    return shown


@pytest.mark.parametrize("role", ["operator", "auditor"])
def test_every_right_a_role_holds_has_a_backoffice_page(role):
    from django.apps import apps

    held = Group.objects.get(name=role).permissions.values_list("content_type__app_label", "content_type__model")
    assert held, role
    with_page = _models_with_a_page()
    pageless = sorted(
        f"{app_label}.{model}"
        for app_label, model in set(held)
        if apps.get_model(app_label, model) not in with_page and f"{app_label}.{model}" not in SHOWN_ON_ANOTHER_PAGE
    )
    assert pageless == [], f"{role} holds rights on models without a back-office page: {pageless}"


def test_the_rights_that_pointed_at_no_page_are_gone():
    for role in ("operator", "auditor"):
        perms = _codenames(role)
        assert "audit.view_auditleaf" not in perms and "oauth.view_usedassertion" not in perms
        assert "audit.view_auditevent" in perms  # the pages that exist keep their rights
