"""One row of every model the back-office shows, made through the services, and the pages to walk.

Used by the label test (every page as operator and auditor), the axe and width browser tests.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessAttempt
from django.db import transaction
from django.test import Client
from django.utils import timezone

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.services import audit_seal_all
from burgerprofiel.backoffice.site import site
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, make_agency
from burgerprofiel.dossiers.services.sources import dosis_source_register
from burgerprofiel.notifications.models import Delivery, DeliveryReceipt
from burgerprofiel.notifications.services import notification_create
from burgerprofiel.notifications.tests.factories import INSZ, PRODUCT, citizen_with_contact, consent
from burgerprofiel.personal_data.services import pull_source_add
from burgerprofiel.webhooks.events import EventType
from burgerprofiel.webhooks.services import webhook_endpoint_register, webhook_event_publish


def make_samples() -> OnboardedAgency:
    agency = make_agency(components="dosis,notificaties,uw_gegevens,foutmeldingen")
    org = Agency.objects.get(pk=agency.agency_id)
    dosis_source_register(agency=org, uri="urn:bron:opgroeien", actor=TEST_ACTOR)
    pull_source_add(
        agency_id=org.pk, component="uw_gegevens", theme="Groeipakket", url="http://127.0.0.1:9/bron", actor=TEST_ACTOR
    )
    webhook_endpoint_register(
        agency_id=org.pk,
        url="http://127.0.0.1:9/hooks",
        event_types=[EventType.FOUTMELDING_INGEDIEND],
        actor=TEST_ACTOR,
    )
    with transaction.atomic():
        webhook_event_publish(
            agency_id=org.pk,
            event_type=EventType.FOUTMELDING_INGEDIEND,
            object_type="foutmelding",
            object_id="melding-1",
            data={"toelichting": "Kerkstraat 1"},
            actor=TEST_ACTOR,
        )
    citizen = citizen_with_contact()
    consent(citizen, org.pk, "email")
    notification_create(agency=org, insz=INSZ, message="Uw dossier is klaar", ipdc_product=PRODUCT, actor=TEST_ACTOR)
    AccessAttempt.objects.create(
        username="iemand",
        ip_address="127.0.0.1",
        user_agent="test",
        failures_since_start=3,
        attempt_time=timezone.now() - dt.timedelta(minutes=1),
    )
    audit_seal_all()
    return agency


def backoffice_pages(client: Client) -> list[str]:
    """The index, every list, a sample object's page and its history, and every add page the user may open."""
    urls = ["/backoffice/"]
    for model, model_admin in site._registry.items():
        opts = model._meta
        base = f"/backoffice/{opts.app_label}/{opts.model_name}/"
        urls.append(base)
        sample = model_admin.get_queryset(_request_for(client)).order_by("pk").first()
        if sample is not None:
            urls.append(f"{base}{sample.pk}/change/")
            urls.append(f"{base}{sample.pk}/history/")
        urls.append(f"{base}add/")
    return urls


def _request_for(client: Client) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get("/backoffice/")
    request.user = _user_of(client)
    return request


def _user_of(client: Client) -> Any:
    from django.contrib.auth import SESSION_KEY, get_user_model

    return get_user_model().objects.get(pk=client.session[SESSION_KEY])


def receipt_for(delivery: Delivery) -> DeliveryReceipt:
    """The signed receipt the dispatcher writes in bulk once a delivery is final (it names no citizen)."""
    return DeliveryReceipt.objects.create(
        agency_id=delivery.notification.agency_id,
        delivery=delivery,
        notification_id=delivery.notification_id,
        channel=delivery.channel,
        status="delivered",
        signed="jws",
        created_at=timezone.now(),
    )
