from __future__ import annotations

import pytest

from burgerprofiel.agencies.models import Agency, ApiClient
from burgerprofiel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_every_backoffice_page_renders_for_an_operator(operator_client, agency):
    client_pk = ApiClient.objects.get(client_id=agency.client_id).pk
    key_pk = Agency.objects.get(pk=agency.agency_id).data_key_id
    event_pk = AuditEvent.objects.order_by("pk").first().pk
    urls = [
        "/backoffice/",
        "/backoffice/agencies/",
        "/backoffice/agencies/agency/",
        "/backoffice/agencies/agency/add/",
        f"/backoffice/agencies/agency/{agency.agency_id}/change/",
        f"/backoffice/agencies/agency/{agency.agency_id}/history/",
        "/backoffice/agencies/apiclient/",
        "/backoffice/agencies/apiclient/add/",
        f"/backoffice/agencies/apiclient/{client_pk}/change/",
        "/backoffice/agencies/processingorder/",
        "/backoffice/agencies/processingorder/?o=3.4.-5",
        "/backoffice/agencies/processingorder/add/",
        f"/backoffice/agencies/processingorder/{agency.order_id}/change/",
        "/backoffice/audit/auditevent/",
        f"/backoffice/audit/auditevent/{event_pk}/change/",
        "/backoffice/audit/treehead/",
        "/backoffice/crypto/datakey/",
        f"/backoffice/crypto/datakey/{key_pk}/change/",
        "/backoffice/crypto/signingkey/",
    ]
    for url in urls:
        assert operator_client.get(url, follow=True).status_code == 200, url


def test_searching_with_any_text_never_breaks_a_list(operator_client, agency):
    for url in (
        "/backoffice/agencies/agency/",
        "/backoffice/agencies/apiclient/",
        "/backoffice/agencies/processingorder/",
        "/backoffice/audit/auditevent/",
        "/backoffice/crypto/datakey/",
    ):
        for term in ("geen-uuid", "12", "' OR 1=1 --"):
            assert operator_client.get(url, {"q": term}).status_code == 200, (url, term)


def test_an_operator_adds_a_second_order_through_the_add_form(operator_client, agency):
    response = operator_client.post(
        "/backoffice/agencies/processingorder/add/",
        {
            "agency": str(agency.agency_id),
            "components": ["notificaties"],
            "categories__notificaties": ["insz", "boodschap"],
            "retention__notificaties": "30",
            "valid_from": "2025-01-01",
            "valid_until": "2030-12-31",
            "legal_basis": "",
            "dpia_reference": "",
            "_save": "Bewaren",
        },
    )

    assert response.status_code == 302, response.content
    order = Agency.objects.get(pk=agency.agency_id).processing_orders.order_by("-pk").first()
    version = order.current
    assert (version.number, version.state, version.components) == (1, "active", ["notificaties"])
    assert version.retention_days == {"notificaties": 30}
    assert "boodschap" in version.data_categories["notificaties"]
    assert AuditEvent.objects.filter(action="backoffice.processingorder.added", object_id=str(order.pk)).exists()
