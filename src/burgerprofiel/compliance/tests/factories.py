"""Rows of one agency in every model of the holdings registry: what offboarding and erasure must find."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from burgerprofiel.agencies.models import Agency, ContactPerson
from burgerprofiel.api.models import IdempotencyRecord
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.compliance import holdings
from burgerprofiel.compliance.notices.services import agency_notice_send
from burgerprofiel.compliance.subject_requests.models import RequestKind
from burgerprofiel.compliance.subject_requests.services import subject_requests_file
from burgerprofiel.compliance.subject_rights.models import Restriction
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, make_agency
from burgerprofiel.corrections.tests.factories import make_report
from burgerprofiel.dossiers.models import (
    DosisSource,
    Dossier,
    DossierOwner,
    DossierStatus,
    DossierStatusChange,
    DossierUpload,
)
from burgerprofiel.notifications.models import Delivery, DeliveryReceipt, Notification
from burgerprofiel.notifications.tests.factories import consent
from burgerprofiel.payments.models import Payment, Refund
from burgerprofiel.personal_data.models import PullSource
from burgerprofiel.service_requests.tests.factories import make_request, make_service
from burgerprofiel.webhooks.models import Delivery as WebhookDelivery
from burgerprofiel.webhooks.models import Endpoint, Event, EventStream

AN = "85073003328"
BERT = "90010112395"
COMPONENTS = "dosis,notificaties,foutmeldingen,aanvragen,betalingen,contactvoorkeuren,uw_gegevens"


def agency_with_everything(name: str, kbo: str) -> OnboardedAgency:
    return make_agency(name=name, kbo=kbo, components=COMPONENTS, dpo_name="Dora DPO", dpo_email="dpo@example.be")


def populate(agency_id: int, *, insz: str, tag: str) -> Citizen:
    """One row (at least) in every registered holding for ``agency_id``, about the citizen ``insz``."""
    agency = Agency.objects.get(pk=agency_id)
    citizen = citizen_get_or_create(insz=insz)
    now = timezone.now()
    ContactPerson.objects.create(agency=agency, name=f"Contact {tag}", email=f"{tag}@example.be", role="DPO")
    # DOSIS
    source = DosisSource.objects.create(agency=agency, uri=f"https://dosis.example/{tag}/{uuid.uuid4().hex[:6]}")
    dossier = Dossier.objects.create(
        agency=agency,
        source=source,
        number=f"D-{tag}-1",
        name=f"Dossier van {tag}",
        current_phase="Behandeling",
        current_code="in behandeling",
        current_modified_at=now,
        content_hash="0" * 64,
    )
    owner = DossierOwner.objects.create(dossier=dossier, kind="insz", key=citizen.insz_index)
    status = DossierStatus.objects.create(
        dossier=dossier,
        agency=agency,
        phase="Behandeling",
        code="x",
        detail=f"detail {tag}",
        modified_at=now,
        content_hash="1" * 64,
    )
    DossierStatusChange.objects.create(dossier=dossier, owner=owner, status=status, agency=agency)
    DossierUpload.objects.create(
        agency=agency,
        source=source,
        dossier_number=dossier.number,
        upload_id=f"u-{tag}",
        client_id="c",
        payload={"naam": f"payload {tag}"},
    )
    # Notifications
    notification = Notification.objects.create(
        agency=agency,
        citizen=citizen,
        ipdc_product="Groeipakket",
        message=f"Bericht {tag}",
        created_at=now,
        purge_after=now + dt.timedelta(days=30),
    )
    delivery = Delivery.objects.create(
        notification=notification,
        kind="notification",
        channel="email",
        citizen=citizen,
        recipient=f"{tag}@x.be",
        next_attempt_at=now,
        created_at=now,
    )
    DeliveryReceipt.objects.create(
        agency=agency,
        delivery=delivery,
        notification_id=uuid.uuid4(),
        channel="email",
        status="delivered",
        signed="jws",
        created_at=now,
    )
    # Webhooks
    endpoint = Endpoint.objects.create(
        agency=agency, url="https://hooks.example/x", secret="s3cret", created_at=now, updated_at=now
    )
    EventStream.objects.get_or_create(agency=agency)
    event = Event.objects.create(
        agency=agency,
        position=10**9 + int(uuid.uuid4().int % 10**6),
        type="betaling.status_gewijzigd",
        object_type="payment",
        object_id=uuid.uuid4().hex,
        sequence=1,
        occurred_at=now,
        body=f'{{"tag": "{tag}"}}',
        published_by="test",
    )
    WebhookDelivery.objects.create(
        event=event,
        endpoint=endpoint,
        agency=agency,
        object_key="k",
        sequence=1,
        next_attempt_at=now,
        retry_until=now,
        created_at=now,
    )
    # Error reports (with an attachment), service requests, payments, consent, pull sources
    make_report(agency_id, insz=insz)
    make_request(make_service(agency_id), insz=insz)
    payment = Payment.objects.create(
        agency=agency,
        citizen=citizen,
        amount_cents=1234,
        description=f"Betaling {tag}",
        structured_reference=f"{uuid.uuid4().int % 10**12:012d}",
        creditor_name="X",
        creditor_iban="BE68539007547034",
        due_date=now.date(),
        created_at=now,
        updated_at=now,
    )
    Refund.objects.create(payment=payment, amount_cents=100, created_at=now, updated_at=now)
    consent(citizen, agency_id, "email")
    PullSource.objects.create(agency=agency, component="uw_gegevens", url=f"https://bron.example/{tag}")
    client_id = agency.api_clients.first().client_id  # type: ignore[union-attr]
    IdempotencyRecord.objects.create(
        client_id=client_id, key=f"k-{tag}", method="POST", path="/x", request_hash="h" * 64
    )
    Restriction.objects.create(agency=agency, insz_index=f"{tag}-other-citizen"[:64], created_by="test")
    agency_notice_send(
        agency=agency,
        kind="mededeling",
        subject=f"Mededeling {tag}",
        body="Tekst",
        data={},
        object_type="test",
        object_id=tag,
        actor=TEST_ACTOR,
    )
    # A data-subject request the citizen filed with this agency in the portal (charter 7).
    subject_requests_file(
        citizen=citizen, kind=RequestKind.ACCESS, agency_ids=[agency_id], details=f"Verzoek {tag}", actor=TEST_ACTOR
    )
    return citizen


def rows_per_holding(agency_id: int) -> dict[str, int]:
    return {h.label: h.rows_of_agency(agency_id).count() for h in holdings.holdings()}


def rows_per_holding_of_citizen(agency_id: int, insz_index: str) -> dict[str, int]:
    return {h.label: h.rows_of_citizen(agency_id, insz_index).count() for h in holdings.holdings() if h.citizen}


__all__ = ["TEST_ACTOR", "Any"]
