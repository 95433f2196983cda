"""Issue 16 item 3: suspend, resume, terminate and a new client secret from the order page, each
through a confirmation page that names the consequence, through the one state machine; refusals audited."""

from __future__ import annotations

import re

import pytest

from burgerprofiel.agencies.models import ApiClient, ProcessingOrder
from burgerprofiel.agencies.order_check import OrderRefused, order_check
from burgerprofiel.agencies.services import api_client_secret_matches
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conftest import TEST_ACTOR

pytestmark = pytest.mark.django_db

CHANGELIST = "/backoffice/agencies/processingorder/"


def _buttons(client, order_id: int) -> list[str]:
    page = client.get(f"{CHANGELIST}{order_id}/change/").content.decode()
    return re.findall(r'<a href="[^"]+" class="order-action">([^<]+)</a>', page)


def _url(order_id: int, verb: str) -> str:
    return f"{CHANGELIST}{order_id}/status/{verb}/"


def test_the_order_page_offers_the_actions_its_state_allows(operator_client, agency):
    order_id = agency.order_id
    assert _buttons(operator_client, order_id) == [
        "Opschorten",
        "Beëindigen",
        f"Nieuw client secret ({agency.client_id})",
    ]

    operator_client.post(_url(order_id, "suspend"), {"reason": "Onderzoek"})
    assert _buttons(operator_client, order_id)[:2] == ["Hervatten", "Beëindigen"]

    operator_client.post(_url(order_id, "terminate"), {"reason": "Einde"})
    assert _buttons(operator_client, order_id) == []


def test_suspend_resume_terminate_from_the_order_page_each_confirmed(operator_client, operator, agency):
    order_id = agency.order_id
    order = ProcessingOrder.objects.get(pk=order_id)

    confirm = operator_client.get(_url(order_id, "suspend")).content.decode()
    assert "De verwerking stopt vanaf de volgende aanvraag" in confirm and "Reden van de opschorting" in confirm
    assert order.versions.count() == 1  # asking is not doing
    assert operator_client.post(_url(order_id, "suspend"), {"reason": " "}).status_code == 200
    assert order.versions.count() == 1

    response = operator_client.post(_url(order_id, "suspend"), {"reason": "Vermoedelijk datalek"})
    assert response.status_code == 302 and response["Location"] == f"{CHANGELIST}{order_id}/change/"
    assert (order.current.state, order.current.state_reason) == ("suspended", "Vermoedelijk datalek")
    with pytest.raises(OrderRefused):
        order_check(actor=TEST_ACTOR, agency_id=agency.agency_id, component="dosis")

    confirm = operator_client.get(_url(order_id, "resume")).content.decode()
    assert "De opschorting wordt opgeheven" in confirm
    operator_client.post(_url(order_id, "resume"), {})
    assert order.current.state == "active"
    assert order_check(actor=TEST_ACTOR, agency_id=agency.agency_id, component="dosis").number == 3

    confirm = operator_client.get(_url(order_id, "terminate")).content.decode()
    assert "Beëindigen is definitief" in confirm and "Reden van de beëindiging" in confirm
    operator_client.post(_url(order_id, "terminate"), {"reason": "Overeenkomst opgezegd"})
    assert (order.current.number, order.current.state) == (4, "terminated")
    actions = list(
        AuditEvent.objects.filter(action__startswith="backoffice.processingorder.").values_list("action", flat=True)
    )
    assert actions == [
        "backoffice.processingorder.suspended",
        "backoffice.processingorder.resumed",
        "backoffice.processingorder.terminated",
    ]
    terminated = AuditEvent.objects.filter(action="processing_order.version_created").order_by("-id").first()
    assert "Overeenkomst opgezegd" in terminated.purpose
    assert all(v.created_by == f"staff:{operator.user.pk}" for v in order.versions.filter(number__gt=1))


@pytest.mark.parametrize(("first", "verb"), [(None, "resume"), (None, "activate"), ("suspend", "suspend")])
def test_an_illegal_transition_from_the_page_changes_nothing_and_is_recorded_as_refused(
    operator_client, agency, first, verb
):
    if first:
        operator_client.post(_url(agency.order_id, first), {"reason": "Eerst"})
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    before = order.versions.count()

    response = operator_client.post(_url(agency.order_id, verb), {"reason": "Nogmaals"}, follow=True)

    assert order.versions.count() == before
    assert "kan dus niet" in response.content.decode()
    event = AuditEvent.objects.get(action="backoffice.refused")
    assert (event.outcome, event.detail) == ("refused", {"act": f"processingorder.{verb}"})


def test_an_auditor_may_not_change_the_state_and_the_refusal_is_audited(auditor_client, auditor, agency):
    assert _buttons(auditor_client, agency.order_id) == []

    response = auditor_client.post(_url(agency.order_id, "suspend"), {"reason": "Even proberen"})

    assert response.status_code == 403
    assert ProcessingOrder.objects.get(pk=agency.order_id).versions.count() == 1
    event = AuditEvent.objects.get(action="backoffice.refused")
    assert (event.actor_id, event.agency_id, event.outcome) == (str(auditor.user.pk), agency.agency_id, "refused")


def test_rotating_the_client_secret_from_the_order_page_asks_a_reason_and_shows_the_secret_once(
    operator_client, agency
):
    client = ApiClient.objects.get(client_id=agency.client_id)
    page = operator_client.get(f"{CHANGELIST}{agency.order_id}/change/").content.decode()
    url = re.search(r'<a href="([^"]+)" class="order-action">Nieuw client secret', page).group(1)

    confirm = operator_client.get(url).content.decode()
    assert "werkt meteen niet meer" in confirm
    response = operator_client.post(url, {"reason": "Periodieke vernieuwing"})

    page = response.content.decode()
    secret = re.search(r'id="client_secret" value="([^"]+)" readonly', page).group(1)
    client.refresh_from_db()
    assert api_client_secret_matches(client=client, secret=secret)
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.get(action="api_client.secret_rotated").purpose == "Periodieke vernieuwing"
    assert AuditEvent.objects.filter(action="backoffice.apiclient.secret_rotated").count() == 1


def test_onboarding_shows_no_raw_values(operator_client, agency):
    add = operator_client.get("/backoffice/agencies/agency/add/").content.decode()
    assert re.search(r'<textarea name="jwks"[^>]*>\s*</textarea>', add)  # empty, not "null"
    assert re.search(r'<input type="text" name="dpo_name"', add)
    assert re.search(r'<input type="email" name="dpo_email"', add)

    listing = operator_client.get("/backoffice/agencies/agency/").content.decode()
    change = operator_client.get(f"/backoffice/agencies/agency/{agency.agency_id}/change/").content.decode()
    kbo = re.search(r'name="kbo" value="([^"]+)"', change).group(1)
    assert re.fullmatch(r"\d{4}\.\d{3}\.\d{3}", kbo) and kbo in listing
    assert re.search(r'<input type="text" name="dpo_name"', change)
    found = operator_client.get("/backoffice/agencies/agency/", {"q": kbo}).content.decode()
    assert kbo in found  # searching the number as shown finds it

    client_page = operator_client.get("/backoffice/agencies/apiclient/add/").content.decode()
    assert re.search(r'<textarea name="jwks"[^>]*>\s*</textarea>', client_page)
