"""Data-subject rights through the controller (charter 7, issue 13 item 3): export, restriction and
erasure for one INSZ, each audited and isolated per agency (tested with the other agency's token)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from burgerprofiel.agencies.models import Agency
from burgerprofiel.api.tests.helpers import assert_problem
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.citizens.insz import insz_index
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.compliance.tests.factories import (
    AN,
    BERT,
    agency_with_everything,
    populate,
    rows_per_holding_of_citizen,
)
from burgerprofiel.conftest import TEST_ACTOR, bearer, login_citizen
from burgerprofiel.corrections.tests.conftest import PDF
from burgerprofiel.dossiers.models import DossierUpload
from burgerprofiel.dossiers.services import dosis_source_register
from burgerprofiel.dossiers.tests.conftest import BRON, full_payload
from burgerprofiel.notifications.models import Notification
from burgerprofiel.payments.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    a = agency_with_everything("Agentschap Opgroeien", "0316380841")
    b = agency_with_everything("Departement Mobiliteit", "0887010362")
    populate(a.agency_id, insz=AN, tag="a")
    populate(a.agency_id, insz=BERT, tag="a-bert")
    populate(b.agency_id, insz=AN, tag="b")
    return {"a": a, "b": b}


def _post(client: Client, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(f"/api/v1/data-subjects/{path}", json.dumps(body), content_type="application/json", **headers)


def _texts(export: dict[str, Any]) -> str:
    return json.dumps(export["components"], ensure_ascii=False)


def test_export_holds_everything_of_that_agency_on_that_insz_and_nothing_else(world, client: Client):
    a, b = world["a"], world["b"]
    response = _post(client, "export", {"insz": AN}, bearer(client, a))
    assert response.status_code == 200, response.content
    export = response.json()
    texts = _texts(export)
    assert "Dossier van a" in texts and "Bericht a" in texts and "Betaling a" in texts
    assert "Dossier van b" not in texts and "Betaling b" not in texts  # the other agency's
    assert "a-bert" not in texts  # the other citizen's
    assert set(export["counts"]) >= {"dossiers", "notificaties", "foutmeldingen", "aanvragen", "betalingen"}
    assert export["counts"]["betalingen"] == 2  # the payment and its refund
    assert export["agency"]["kbo"] == "0316380841" and export["restricted"] is False
    assert [base64.b64decode(f["content_base64"]) for f in export["files"]] == [PDF]
    event = AuditEvent.objects.get(action="subject.exported")
    assert event.agency_id == a.agency_id
    assert event.object_id == str(Citizen.objects.get(insz_index=insz_index(AN)).pk)
    assert AN not in json.dumps(event.detail)
    # Agency B's token sees B's data on the same citizen, none of A's.
    other = _post(client, "export", {"insz": AN}, bearer(client, b)).json()
    assert "Dossier van b" in _texts(other) and "Dossier van a" not in _texts(other)


def test_erasure_erases_that_agency_on_that_insz_only(world, client: Client):
    a, b = world["a"], world["b"]
    index = insz_index(AN)
    before_b = rows_per_holding_of_citizen(b.agency_id, index)
    before_bert = rows_per_holding_of_citizen(a.agency_id, insz_index(BERT))
    response = _post(client, "erasure", {"insz": AN}, bearer(client, a))
    assert response.status_code == 200, response.content
    assert response.json()["erased"]["dossiers"] >= 5
    assert {k: v for k, v in rows_per_holding_of_citizen(a.agency_id, index).items() if v} == {}
    assert rows_per_holding_of_citizen(b.agency_id, index) == before_b  # B's data on AN untouched
    assert rows_per_holding_of_citizen(a.agency_id, insz_index(BERT)) == before_bert  # A's other citizen
    assert Citizen.objects.filter(insz_index=index).exists()  # the platform's citizen stays
    assert AuditEvent.objects.filter(action="subject.erased", agency_id=a.agency_id).count() == 1
    # B erasing AN touches nothing of A (already gone) and all of B's
    _post(client, "erasure", {"insz": AN}, bearer(client, b))
    assert not any(rows_per_holding_of_citizen(b.agency_id, index).values())
    assert any(rows_per_holding_of_citizen(a.agency_id, insz_index(BERT)).values())


def test_erasure_keeps_a_record_under_legal_hold(world, client: Client):
    from burgerprofiel.compliance.offboarding.services import legal_hold_place
    from burgerprofiel.payments.models import Payment

    a = world["a"]
    payment = Payment.objects.get(agency_id=a.agency_id, citizen__insz_index=insz_index(AN))
    import datetime as dt

    legal_hold_place(
        agency=Agency.objects.get(pk=a.agency_id),
        model="payments.Payment",
        object_id=str(payment.pk),
        reason="Boekhoudwet",
        until=dt.date.today() + dt.timedelta(days=10),
        actor=TEST_ACTOR,
    )
    body = _post(client, "erasure", {"insz": AN}, bearer(client, a)).json()
    assert body["kept_under_legal_hold"] == {"betalingen": 2}
    assert Payment.objects.filter(pk=payment.pk).exists()


def test_restriction_refuses_new_processing_for_that_agency_and_citizen_only(world, client: Client):
    a, b = world["a"], world["b"]
    headers_a, headers_b = bearer(client, a), bearer(client, b)
    restricted = _post(client, "restriction", {"insz": AN, "reason": "juistheid betwist"}, headers_a)
    assert restricted.status_code == 200 and restricted.json()["restricted"] is True

    def notify(insz: str, headers: dict[str, str]) -> Any:
        body = {"insz": insz, "message": "Nieuw bericht", "ipdc_product": "Groeipakket"}
        return client.post("/api/v1/notifications", json.dumps(body), content_type="application/json", **headers)

    count = Notification.objects.count()
    refused = assert_problem(notify(AN, headers_a), 403, "subject-restricted")
    assert "beperkt" in refused["detail"]
    assert Notification.objects.count() == count  # stored nothing
    assert notify(BERT, headers_a).status_code == 202  # another citizen: fine
    assert notify(AN, headers_b).status_code == 202  # another agency: fine
    bulk = client.post(
        "/api/v1/notifications/bulk",
        json.dumps({"recipients": [BERT, AN], "message": "Campagne", "ipdc_product": "Groeipakket"}),
        content_type="application/json",
        **headers_a,
    )
    assert bulk.status_code == 403 and bulk.json()["positions"] == [1]

    # DOSIS uploads naming the citizen are refused too
    dosis_source_register(agency=Agency.objects.get(pk=a.agency_id), uri=BRON, actor=TEST_ACTOR)
    agents = [{"Identificatie": AN, "Toegangsrechten": [{"Code": "Raadpleger"}]}]
    uploads = DossierUpload.objects.count()
    upload = client.post(
        "/api/v2/dosis/dossiers",
        json.dumps(full_payload(Agenten=agents)),
        content_type="application/json",
        **headers_a,
    )
    assert_problem(upload, 403, "subject-restricted")
    assert DossierUpload.objects.count() == uploads  # queued nothing
    bulk_upload = client.post(
        "/api/v2/dosis/dossiers/bulk",
        json.dumps(full_payload(Agenten=agents)) + "\n",
        content_type="application/x-ndjson",
        **headers_a,
    )
    assert bulk_upload.status_code == 403
    assert AuditEvent.objects.filter(action="subject.restriction_refused", agency_id=a.agency_id).count() == 4

    # The data is kept, and the export says it is restricted.
    export = _post(client, "export", {"insz": AN}, headers_a).json()
    assert export["restricted"] is True and "Dossier van a" in _texts(export)

    # The citizen sees it in the portal.
    login_citizen(client, AN)
    page = client.get("/overzicht").content.decode()
    assert "Agentschap Opgroeien" in page and "verwerking beperkt sinds" in page
    assert "Departement Mobiliteit" not in page.split("beperkte verwerking")[-1].split("</li></ul>")[0]

    # Lifted: accepted again.
    lifted = _post(client, "restriction/lift", {"insz": AN}, headers_a)
    assert lifted.status_code == 200 and lifted.json()["restricted"] is False
    assert notify(AN, headers_a).status_code == 202
    assert AuditEvent.objects.filter(action__in=["subject.restricted", "subject.restriction_lifted"]).count() == 2


def test_an_insz_in_the_url_is_not_how_it_works_and_a_bad_insz_stores_nothing(world, client: Client):
    response = _post(client, "erasure", {"insz": "12345678901"}, bearer(client, world["a"]))
    assert response.status_code == 422
    assert not AuditEvent.objects.filter(action="subject.erased").exists()


def test_restriction_refuses_a_new_payment_request_for_that_agency_and_citizen_only(world, client: Client):
    """Charter 7 / GDPR 18 per component: a payment request is the agency's new processing (refused,
    like a notification). Error reports and service requests are the citizen's own acts: not refused."""
    from burgerprofiel.payments.tests.support import payment_body

    a, b = world["a"], world["b"]
    headers_a, headers_b = bearer(client, a), bearer(client, b)
    assert _post(client, "restriction", {"insz": AN, "reason": "juistheid betwist"}, headers_a).status_code == 200

    def pay(insz: str, headers: dict[str, str]) -> Any:
        body = json.dumps(payment_body(insz=insz))
        return client.post("/api/v1/payments", body, content_type="application/json", **headers)

    count = Payment.objects.count()
    refused = assert_problem(pay(AN, headers_a), 403, "subject-restricted")
    assert "betaalverzoek" in refused["detail"]
    assert Payment.objects.count() == count  # stored nothing
    assert AuditEvent.objects.filter(action="subject.restriction_refused", agency_id=a.agency_id).exists()
    assert pay(BERT, headers_a).status_code == 201  # another citizen: fine
    assert pay(AN, headers_b).status_code == 201  # another agency: fine
    # lifted: allowed again
    assert _post(client, "restriction/lift", {"insz": AN}, headers_a).status_code == 200
    assert pay(AN, headers_a).status_code == 201
