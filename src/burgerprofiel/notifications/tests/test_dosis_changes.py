"""A real DOSIS status change becomes a melding for each owner the platform knows."""

from __future__ import annotations

import pytest

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conftest import TEST_ACTOR, login_citizen
from burgerprofiel.dossiers.models import DossierStatusChange
from burgerprofiel.dossiers.tests.conftest import PARENT_1, PARENT_2, full_payload, status
from burgerprofiel.notifications.dosis import dosis_status_changes_consume, dosis_status_changes_consume_all
from burgerprofiel.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_status_change_becomes_a_melding_for_each_known_owner_once(client, upload):
    login_citizen(client, PARENT_1)
    login_citizen(client, PARENT_2)
    assert upload(full_payload()).status_code == 200
    assert (
        upload(
            full_payload(WijzigingsDatum="2026-11-10T10:00:00+01:00", Status=status("Beslissing", "Goedgekeurd"))
        ).status_code
        == 200
    )

    # The processing task turned both changes into meldingen for both parents already.
    assert dosis_status_changes_consume_all() == 0  # processed rows are not sent again
    meldingen = list(Notification.objects.all())
    assert len(meldingen) == 4
    approved = [m for m in meldingen if "Goedgekeurd" in m.message]
    assert len(approved) == 2  # one per parent
    assert {m.dossier_id for m in meldingen} == {"KO-2026-0001"}
    assert not DossierStatusChange.objects.filter(processed_at__isnull=True).exists()


def test_an_owner_the_platform_never_saw_gets_no_melding_but_the_change_is_processed(upload):
    assert upload(full_payload()).status_code == 200
    assert not DossierStatusChange.objects.filter(processed_at__isnull=True).exists()
    assert Notification.objects.count() == 0


def test_an_agency_without_notificaties_in_its_order_sends_no_meldingen(client, agency, upload):
    from burgerprofiel.agencies.models import ProcessingOrder
    from burgerprofiel.agencies.services import processing_order_change

    login_citizen(client, PARENT_1)
    processing_order_change(
        order=ProcessingOrder.objects.get(pk=agency.order_id),
        actor=TEST_ACTOR,
        note="geen notificaties meer",
        components=["dosis"],
        data_categories={
            "dosis": [
                "sleutel",
                "ipdc_product",
                "wijzigingsdatum",
                "dossier_id",
                "fasen_statussen",
                "historiek",
                "vereiste_acties",
                "dossierbeheerder",
                "contact_dossierbeheerder",
                "doorverwijzing",
                "verantwoordelijke_organisatie",
                "vrije_tekst",
            ]
        },
    )
    assert upload(full_payload()).status_code == 200
    assert Notification.objects.count() == 0
    assert not DossierStatusChange.objects.filter(processed_at__isnull=True).exists()
    # Not ordering meldingen is the agency's choice, not a refused call: no refusal in its trail.
    assert not AuditEvent.objects.filter(action="order_check.refused").exists()


def test_the_consumer_turns_pending_changes_into_meldingen_in_batches(client, upload):
    login_citizen(client, PARENT_1)
    login_citizen(client, PARENT_2)
    assert upload(full_payload()).status_code == 200
    Notification.objects.all().delete()
    DossierStatusChange.objects.update(processed_at=None)  # as if the processing task had crashed after commit

    assert dosis_status_changes_consume(batch_size=1) == {"notified": 1, "skipped": 0}
    assert dosis_status_changes_consume(batch_size=1) == {"notified": 1, "skipped": 0}
    assert dosis_status_changes_consume(batch_size=1) == {"notified": 0, "skipped": 0}
    assert Notification.objects.count() == 2


def test_a_suspended_order_makes_no_melding_and_the_refusal_is_audited(client, agency, upload):
    from burgerprofiel.agencies.models import ProcessingOrder
    from burgerprofiel.agencies.services import processing_order_suspend
    from burgerprofiel.audit.models import AuditEvent

    login_citizen(client, PARENT_1)
    assert upload(full_payload()).status_code == 200
    Notification.objects.all().delete()
    DossierStatusChange.objects.update(processed_at=None)
    processing_order_suspend(
        order=ProcessingOrder.objects.get(pk=agency.order_id), reason="Charter 2.3", actor=TEST_ACTOR
    )

    assert dosis_status_changes_consume()["notified"] == 0
    assert Notification.objects.count() == 0
    assert AuditEvent.objects.filter(
        action="order_check.refused", actor_id="dosis", detail__reason="order-suspended"
    ).exists()
