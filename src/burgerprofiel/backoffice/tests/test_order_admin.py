from __future__ import annotations

import pytest

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.agencies.order_check import OrderRefused, order_check
from burgerprofiel.agencies.services import processing_order_terminate
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.tests.conftest import form_fields
from burgerprofiel.conftest import TEST_ACTOR

pytestmark = pytest.mark.django_db

CHANGELIST = "/backoffice/agencies/processingorder/"


def _suspend(client, order_id: int, **extra: str):
    return client.post(CHANGELIST, {"action": "suspend_orders", "_selected_action": [order_id], **extra})


def test_suspending_asks_for_a_reason_before_doing_anything(operator_client, agency):
    response = _suspend(operator_client, agency.order_id, index="0")

    assert response.status_code == 200
    assert "Reden van de opschorting" in response.content.decode()
    assert ProcessingOrder.objects.get(pk=agency.order_id).versions.count() == 1


def test_suspending_an_order_through_the_admin_action_creates_a_suspended_version_with_the_reason(
    operator_client, operator, agency
):
    response = _suspend(operator_client, agency.order_id, apply="1", reason="Vermoedelijk datalek in onderzoek")

    assert response.status_code == 302
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    first, second = order.versions.order_by("number")
    assert (first.number, first.state, first.state_reason) == (1, "active", "")
    assert (second.number, second.state) == (2, "suspended")
    assert second.state_reason == "Vermoedelijk datalek in onderzoek"
    assert second.created_by == f"staff:{operator.user.pk}"
    event = AuditEvent.objects.get(action="backoffice.processingorder.suspended")
    assert event.agency_id == agency.agency_id
    assert event.detail == {"fields": ["state", "state_reason"]}
    # Charter 2.3: the very next call of the agency is refused.
    with pytest.raises(OrderRefused) as refused:
        order_check(actor=TEST_ACTOR, agency_id=agency.agency_id, component="dosis")
    assert refused.value.reason == "order-suspended"


def test_a_suspended_order_is_not_suspended_again(operator_client, agency):
    _suspend(operator_client, agency.order_id, apply="1", reason="Eerste keer")

    _suspend(operator_client, agency.order_id, apply="1", reason="Tweede keer")

    assert ProcessingOrder.objects.get(pk=agency.order_id).versions.count() == 2


def test_resuming_makes_a_new_active_version(operator_client, agency):
    _suspend(operator_client, agency.order_id, apply="1", reason="Onderhoud bij de instantie")

    asked = operator_client.post(
        CHANGELIST, {"action": "resume_orders", "_selected_action": [agency.order_id], "index": "0"}
    )
    # Asking is not doing: the list's action shows the same consequence as the order page's button.
    assert asked.status_code == 200
    assert "De opschorting wordt opgeheven" in asked.content.decode()
    assert ProcessingOrder.objects.get(pk=agency.order_id).current.state == "suspended"
    assert not AuditEvent.objects.filter(action="backoffice.processingorder.resumed").exists()

    response = operator_client.post(
        CHANGELIST, {"action": "resume_orders", "_selected_action": [agency.order_id], "index": "0", "apply": "1"}
    )

    assert response.status_code == 302
    current = ProcessingOrder.objects.get(pk=agency.order_id).current
    assert (current.number, current.state, current.state_reason) == (3, "active", "")
    assert order_check(actor=TEST_ACTOR, agency_id=agency.agency_id, component="dosis").number == 3
    assert AuditEvent.objects.filter(action="backoffice.processingorder.resumed").count() == 1


def test_resuming_an_active_order_changes_nothing(operator_client, agency):
    operator_client.post(
        CHANGELIST, {"action": "resume_orders", "_selected_action": [agency.order_id], "index": "0", "apply": "1"}
    )

    assert ProcessingOrder.objects.get(pk=agency.order_id).versions.count() == 1


def _change_form(order: ProcessingOrder, **overrides: object) -> dict:
    current = order.current
    data = {
        "components": current.components,
        **{f"categories__{c}": current.categories_for(c) for c in current.components},
        **{f"retention__{c}": str(current.retention_for(c)) for c in current.components},
        "valid_from": "",
        "valid_until": "",
        "legal_basis": current.legal_basis,
        "dpia_reference": current.dpia_reference,
        "change_note": "Notificaties niet langer besteld",
        "_save": "Bewaren",
    }
    data.update(overrides)
    return data


def test_the_change_form_makes_a_new_version_and_leaves_the_old_one_untouched(operator_client, agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    before = order.current

    response = operator_client.post(
        f"{CHANGELIST}{order.pk}/change/", _change_form(order, components=["dosis"], dpia_reference="GEB-2025-17")
    )

    assert response.status_code == 302, response.content
    first, second = order.versions.order_by("number")
    assert (first.pk, first.components, first.dpia_reference) == (before.pk, ["dosis", "notificaties"], "")
    assert second.components == ["dosis"]
    assert list(second.data_categories) == ["dosis"]
    assert list(second.retention_days) == ["dosis"]
    assert second.dpia_reference == "GEB-2025-17"
    assert second.change_note == "Notificaties niet langer besteld"
    event = AuditEvent.objects.get(action="backoffice.processingorder.changed")
    assert event.detail == {"fields": ["components", "data_categories", "dpia_reference", "retention_days"]}


def test_the_change_form_refuses_an_unknown_category(operator_client, agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)

    response = operator_client.post(
        f"{CHANGELIST}{order.pk}/change/", _change_form(order, categories__dosis=["sleutel", "schoenmaat"])
    )

    assert response.status_code == 200
    assert "schoenmaat" in response.content.decode()
    assert order.versions.count() == 1


def test_the_change_form_needs_a_reason(operator_client, agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)

    response = operator_client.post(f"{CHANGELIST}{order.pk}/change/", _change_form(order, change_note=""))

    assert response.status_code == 200
    assert order.versions.count() == 1


def test_the_order_page_shows_the_version_history(operator_client, agency):
    _suspend(operator_client, agency.order_id, apply="1", reason="Historiek-test")

    page = operator_client.get(f"{CHANGELIST}{agency.order_id}/change/").content.decode()

    assert "Historiek" in page
    assert "Historiek-test" in page
    assert 'name="versions-0-state"' not in page  # versions are shown, never edited


def test_the_changelist_filters_on_the_current_state(operator_client, agency, other_agency):
    _suspend(operator_client, agency.order_id, apply="1", reason="Filtertest")

    page = operator_client.get(CHANGELIST, {"status": "suspended"}).content.decode()

    assert "Agentschap Opgroeien" in page
    assert "Departement Mobiliteit" not in page


def test_saving_the_order_page_as_a_browser_would_makes_exactly_one_new_version(operator_client, agency):
    _suspend(operator_client, agency.order_id, apply="1", reason="Eerst opgeschort")
    url = f"{CHANGELIST}{agency.order_id}/change/"
    data = form_fields(operator_client.get(url).content.decode())
    assert data["categories__dosis"] == list(
        ProcessingOrder.objects.get(pk=agency.order_id).current.data_categories["dosis"]
    )
    data["valid_until"] = ["2030-12-31"]
    data["change_note"] = ["Looptijd vastgelegd"]

    response = operator_client.post(url, data)

    assert response.status_code == 302, response.content
    versions = list(ProcessingOrder.objects.get(pk=agency.order_id).versions.order_by("number"))
    assert [v.state for v in versions] == ["active", "suspended", "suspended"]
    assert versions[2].valid_until.isoformat() == "2030-12-31"
    assert versions[2].state_reason == "Eerst opgeschort"  # a content change does not lift a suspension
    assert versions[1].valid_until is None


def test_saving_the_order_page_unchanged_makes_no_version(operator_client, agency):
    url = f"{CHANGELIST}{agency.order_id}/change/"
    data = form_fields(operator_client.get(url).content.decode())
    data["change_note"] = ["Niets veranderd"]

    response = operator_client.post(url, data)

    assert response.status_code == 302, response.content
    assert ProcessingOrder.objects.get(pk=agency.order_id).versions.count() == 1
    assert not AuditEvent.objects.filter(action="backoffice.processingorder.changed").exists()


def test_a_terminated_order_is_shown_read_only(operator_client, agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    processing_order_terminate(order=order, reason="Einde samenwerking", actor=TEST_ACTOR)

    page = operator_client.get(f"{CHANGELIST}{order.pk}/change/")
    post = operator_client.post(f"{CHANGELIST}{order.pk}/change/", _change_form(order, components=["dosis"]))

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    assert order.versions.count() == 2


def _terminate(client, order_id: int, **extra: str):
    return client.post(CHANGELIST, {"action": "terminate_orders", "_selected_action": [order_id], **extra})


def test_terminating_shows_a_confirmation_page_with_the_consequence_and_asks_for_a_reason(operator_client, agency):
    response = _terminate(operator_client, agency.order_id, index="0")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Reden van de beëindiging" in page and "definitief" in page
    assert 'value="terminate_orders"' in page
    _terminate(operator_client, agency.order_id, apply="1", reason="   ")
    assert ProcessingOrder.objects.get(pk=agency.order_id).current.state == "active"


def test_terminating_through_the_back_office_goes_through_the_state_machine_and_is_audited(operator_client, agency):
    response = _terminate(operator_client, agency.order_id, apply="1", reason="Overeenkomst opgezegd")

    assert response.status_code == 302
    current = ProcessingOrder.objects.get(pk=agency.order_id).current
    assert (current.number, current.state, current.state_reason) == (2, "terminated", "Overeenkomst opgezegd")
    assert AuditEvent.objects.filter(action="backoffice.processingorder.terminated").count() == 1
    with pytest.raises(OrderRefused):
        order_check(actor=TEST_ACTOR, agency_id=agency.agency_id, component="dosis")
    # A terminated order is not terminated (or resumed) again.
    _terminate(operator_client, agency.order_id, apply="1", reason="Nogmaals")
    operator_client.post(
        CHANGELIST, {"action": "resume_orders", "_selected_action": [agency.order_id], "index": "0", "apply": "1"}
    )
    assert ProcessingOrder.objects.get(pk=agency.order_id).versions.count() == 2


def test_the_changelist_offers_the_terminate_action(operator_client, agency):
    assert "Beëindigen (met reden, definitief)" in operator_client.get(CHANGELIST).content.decode()


@pytest.mark.parametrize("action", ["activate_orders", "suspend_orders", "resume_orders", "terminate_orders"])
def test_every_state_action_of_the_list_asks_for_confirmation_first(operator_client, agency, action):
    versions = ProcessingOrder.objects.get(pk=agency.order_id).versions.count()

    asked = operator_client.post(CHANGELIST, {"action": action, "_selected_action": [agency.order_id], "index": "0"})

    assert asked.status_code == 200
    page = asked.content.decode()
    assert 'name="apply"' in page and "Annuleren" in page
    assert ProcessingOrder.objects.get(pk=agency.order_id).versions.count() == versions
