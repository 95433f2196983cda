"""Retention (DESIGN rule 7): closed dossiers are purged after the order's DOSIS retention, with evidence."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import time_machine

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.agencies.services import processing_order_change
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.compliance.retention.tasks import retention_component_task
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency
from burgerprofiel.dossiers.models import Dossier, DossierOwner, DossierStatus, DossierStatusChange, DossierUpload
from burgerprofiel.dossiers.services import dossiers_purge_expired
from burgerprofiel.dossiers.tests.conftest import BRON, PARENT_1, Upload, full_payload, status

CLOSED_AT = "2026-03-01T10:00:00+01:00"


def upload_closed_and_open(upload: Upload) -> None:
    closed = full_payload(
        Identificatie={"Bron": BRON, "DossierNummer": "CLOSED-1"},
        UploadId="closed",
        WijzigingsDatum=CLOSED_AT,
        Status=status("Afgerond", "Uitbetaald"),
    )
    still_open = full_payload(
        Identificatie={"Bron": BRON, "DossierNummer": "OPEN-1"},
        UploadId="open",
        WijzigingsDatum="2026-01-05T10:00:00+01:00",
        Status=status("Behandeling", "In behandeling"),
    )
    assert upload(closed).status_code == 200
    assert upload(still_open).status_code == 200


def test_closed_dossier_stays_until_its_retention_has_passed(upload: Upload) -> None:
    upload_closed_and_open(upload)

    with time_machine.travel(dt.datetime(2026, 5, 29, 8, 0, tzinfo=dt.UTC), tick=False):  # 89 days after closing
        assert dossiers_purge_expired() == 0

    assert Dossier.objects.count() == 2


def test_closed_dossier_is_gone_after_its_retention_with_an_audit_event_and_open_one_stays(
    upload: Upload, agency: OnboardedAgency
) -> None:
    upload_closed_and_open(upload)
    closed = Dossier.objects.get(number="CLOSED-1")

    with time_machine.travel(dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC), tick=False):  # 92 days after closing
        result = retention_component_task.enqueue(agency_id=agency.agency_id, component="dosis")

    assert result.return_value == {"purged": 1}
    assert list(Dossier.objects.values_list("number", flat=True)) == ["OPEN-1"]
    assert not DossierStatus.objects.filter(dossier_id=closed.pk).exists()
    assert not DossierOwner.objects.filter(dossier_id=closed.pk).exists()
    assert not DossierStatusChange.objects.filter(dossier_id=closed.pk).exists()
    assert not DossierUpload.objects.filter(dossier_number="CLOSED-1").exists()
    event = AuditEvent.objects.get(action="dossier.purged")
    assert (event.actor_type, event.agency_id, event.object_id) == ("system", agency.agency_id, str(closed.pk))
    assert event.detail["retention_days"] == 90
    assert event.detail["reason"] == "retention"
    assert PARENT_1 not in json.dumps(event.detail)


def test_retention_is_taken_from_the_agencys_order(upload: Upload, agency: OnboardedAgency) -> None:
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    processing_order_change(
        order=order, actor=TEST_ACTOR, note="korter", retention_days={"dosis": 30, "notificaties": 365}
    )
    upload_closed_and_open(upload)

    with time_machine.travel(dt.datetime(2026, 4, 2, 12, 0, tzinfo=dt.UTC), tick=False):  # 32 days after closing
        assert dossiers_purge_expired() == 1

    assert AuditEvent.objects.get(action="dossier.purged").detail["retention_days"] == 30


def test_reopened_dossier_is_not_purged(upload: Upload) -> None:
    upload_closed_and_open(upload)
    reopened = full_payload(
        Identificatie={"Bron": BRON, "DossierNummer": "CLOSED-1"},
        UploadId="reopen",
        WijzigingsDatum="2026-03-10T10:00:00+01:00",
        Status=status("Beroep", "Beroep ingesteld"),
    )
    assert upload(reopened).status_code == 200

    with time_machine.travel(dt.datetime(2026, 12, 1, tzinfo=dt.UTC), tick=False):
        assert dossiers_purge_expired() == 0

    assert Dossier.objects.count() == 2


def test_purge_works_in_batches(upload: Upload, settings: Any) -> None:
    for i in range(5):
        upload(
            full_payload(
                Identificatie={"Bron": BRON, "DossierNummer": f"C-{i}"},
                UploadId=f"c{i}",
                WijzigingsDatum=CLOSED_AT,
                Status=status("Afgerond", "Klaar"),
            )
        )
    settings.DOSIS_PURGE_BATCH_SIZE = 2

    with time_machine.travel(dt.datetime(2026, 7, 1, tzinfo=dt.UTC), tick=False):
        assert dossiers_purge_expired() == 5

    assert Dossier.objects.count() == 0
    assert AuditEvent.objects.filter(action="dossier.purged").count() == 5


def test_a_stale_open_dossier_is_purged_by_the_dosis_job_too(
    upload: Upload, agency: OnboardedAgency, settings: Any
) -> None:
    settings.DOSSIER_STALE_DAYS = 365
    upload_closed_and_open(upload)  # OPEN-1 last changed on 2026-01-05

    with time_machine.travel(dt.datetime(2026, 12, 1, tzinfo=dt.UTC), tick=False):
        assert retention_component_task.enqueue(agency_id=agency.agency_id, component="dosis").return_value == {
            "purged": 1
        }
    assert list(Dossier.objects.values_list("number", flat=True)) == ["OPEN-1"]
    with time_machine.travel(dt.datetime(2027, 1, 6, tzinfo=dt.UTC), tick=False):
        assert retention_component_task.enqueue(agency_id=agency.agency_id, component="dosis").return_value == {
            "purged": 1
        }
    assert not Dossier.objects.exists()
    stale = AuditEvent.objects.filter(action="dossier.purged").order_by("id").last()
    assert stale is not None and stale.detail["reason"] == "stale"


def test_a_stale_dossier_is_kept_when_the_maximum_is_off(
    upload: Upload, agency: OnboardedAgency, settings: Any
) -> None:
    settings.DOSSIER_STALE_DAYS = 0
    upload_closed_and_open(upload)
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False):
        retention_component_task.enqueue(agency_id=agency.agency_id, component="dosis")
    assert list(Dossier.objects.values_list("number", flat=True)) == ["OPEN-1"]


def test_the_citizens_purge_keeps_a_citizen_who_owns_a_dossier(upload: Upload, settings: Any) -> None:
    from burgerprofiel.citizens.models import Citizen
    from burgerprofiel.citizens.services import citizen_get_or_create
    from burgerprofiel.compliance.retention.services import retention_platform_run

    settings.CITIZEN_UNREFERENCED_RETENTION_DAYS = 30
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        owner = citizen_get_or_create(insz=PARENT_1)  # the owner of the uploaded dossiers, by INSZ index only
        nobody = citizen_get_or_create(insz="90010112395")
    upload_closed_and_open(upload)
    with time_machine.travel(dt.datetime(2026, 3, 1, tzinfo=dt.UTC), tick=False):
        assert retention_platform_run(scope="burgers").purged == 1
    assert list(Citizen.objects.values_list("pk", flat=True)) == [owner.pk]
    assert nobody.pk != owner.pk
