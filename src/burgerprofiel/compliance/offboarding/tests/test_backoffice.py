"""The end of an order in the back-office: a confirmation page, then the worker's run; the certificate
downloadable; legal holds placed through the service. Auditors see, never start."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from burgerprofiel.agencies.models import Agency, ProcessingOrder
from burgerprofiel.agencies.services import processing_order_terminate
from burgerprofiel.backoffice.tests.conftest import logged_in, make_staff
from burgerprofiel.compliance.offboarding.models import LegalHold, Offboarding
from burgerprofiel.compliance.tests.factories import AN, agency_with_everything, populate, rows_per_holding
from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.payments.models import Payment

pytestmark = pytest.mark.django_db
START = "/backoffice/offboarding/offboarding/starten/"


def test_operator_starts_a_deletion_through_the_confirmation_page(settings):
    a = agency_with_everything("Agentschap Opgroeien", "0316380841")
    populate(a.agency_id, insz=AN, tag="a")
    order = ProcessingOrder.objects.get(pk=a.order_id)
    operator = logged_in(make_staff("operator", "olivia.operator"))

    assert str(order.pk) not in operator.get(START).content.decode().split('name="order"')[1].split("</select>")[0]
    processing_order_terminate(order=order, reason="einde", actor=TEST_ACTOR)
    page = operator.get(START).content.decode()
    assert "kan niet ongedaan worden gemaakt" in page and "Agentschap Opgroeien" in page

    wrong = operator.post(START, {"order": order.pk, "mode": "delete", "agency_name": "Iets anders"})
    assert wrong.status_code == 200 and not Offboarding.objects.exists()  # asking is not doing

    done = operator.post(START, {"order": order.pk, "mode": "delete", "agency_name": "Agentschap Opgroeien"})
    assert done.status_code == 302
    offboarding = Offboarding.objects.get(order=order)  # the task ran (immediate backend in tests)
    assert offboarding.state == Offboarding.State.DONE and offboarding.started_by
    assert not any(rows_per_holding(a.agency_id).values())

    detail = operator.get(done["Location"]).content.decode()
    assert "definitief" in detail
    certificate = operator.get(f"/backoffice/offboarding/offboarding/{offboarding.pk}/attest/0.json")
    assert json.loads(certificate.content)["certificate"]["agency"]["kbo"] == "0316380841"
    pdf = operator.get(f"/backoffice/offboarding/offboarding/{offboarding.pk}/attest/0.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_an_auditor_sees_but_cannot_start_or_hold():
    a = agency_with_everything("Agentschap Opgroeien", "0316380841")
    processing_order_terminate(order=ProcessingOrder.objects.get(pk=a.order_id), reason="einde", actor=TEST_ACTOR)
    auditor = logged_in(make_staff("auditor", "arne.auditor"))
    assert auditor.get("/backoffice/offboarding/offboarding/").status_code == 200
    assert auditor.get(START).status_code == 404
    assert (
        auditor.post(START, {"order": a.order_id, "mode": "delete", "agency_name": "Agentschap Opgroeien"}).status_code
        == 404
    )
    assert not Offboarding.objects.exists()
    assert auditor.get("/backoffice/offboarding/legalhold/add/").status_code == 403


def test_operator_places_a_legal_hold():
    a = agency_with_everything("Agentschap Opgroeien", "0316380841")
    populate(a.agency_id, insz=AN, tag="a")
    payment = Payment.objects.get(agency_id=a.agency_id)
    operator = logged_in(make_staff("operator", "olivia.operator"))
    until = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    response = operator.post(
        "/backoffice/offboarding/legalhold/add/",
        {
            "agency": a.agency_id,
            "model": "payments.Payment",
            "object_id": str(payment.pk),
            "reason": "Boekhoudwet art. III.88",
            "until": until,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    hold = LegalHold.objects.get()
    assert (hold.agency_id, hold.model, hold.object_id) == (a.agency_id, "payments.Payment", str(payment.pk))
    assert hold.created_by
    assert Agency.objects.get(pk=a.agency_id)

    # Staff read the record kind by component and Dutch model name, never as ``app.Model``.
    form = operator.get("/backoffice/offboarding/legalhold/add/").content.decode()
    assert '<option value="payments.Payment">Betalingen: ' in form
    assert ">payments.Payment<" not in form and "(payments)" not in form
    listing = operator.get("/backoffice/offboarding/legalhold/").content.decode()
    detail = operator.get(f"/backoffice/offboarding/legalhold/{hold.pk}/change/").content.decode()
    for page in (listing, detail):
        assert "Betalingen: " in page and "payments.Payment" not in page
