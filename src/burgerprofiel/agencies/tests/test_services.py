from __future__ import annotations

import pytest

from burgerprofiel.agencies.models import Agency, ApiClient, ProcessingOrder, ProcessingOrderVersion
from burgerprofiel.agencies.services import (
    agency_onboard,
    api_client_secret_matches,
    processing_order_change,
    processing_order_suspend,
)
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.errors import Conflict, ValidationError
from burgerprofiel.conftest import TEST_ACTOR

pytestmark = pytest.mark.django_db


def test_onboarding_creates_agency_client_and_active_order_with_bijlage_1_categories():
    result = agency_onboard(name="Stad Gent", kbo="0207.451.227", components=["dosis"], actor=TEST_ACTOR)
    assert result.agency.kbo == "0207451227"
    version = result.order_version
    assert version.state == ProcessingOrderVersion.State.ACTIVE
    assert version.number == 1
    assert "vereiste_acties" in version.categories_for("dosis")
    assert version.retention_for("dosis") == 90
    assert result.client_secret and result.client.secret_hash.startswith("$argon2")
    assert result.client_secret not in result.client.secret_hash
    assert api_client_secret_matches(client=result.client, secret=result.client_secret)
    assert not api_client_secret_matches(client=result.client, secret="wrong")
    assert AuditEvent.objects.filter(action="agency.onboarded", agency_id=result.agency.pk).exists()


def test_onboarding_refuses_an_invalid_kbo_number_and_stores_nothing():
    with pytest.raises(ValidationError) as error:
        agency_onboard(name="Fout", kbo="0123.456.789", components=["dosis"], actor=TEST_ACTOR)
    assert "KBO" in error.value.detail
    assert Agency.objects.count() == 0


def test_onboarding_refuses_unknown_components():
    with pytest.raises(ValidationError) as error:
        agency_onboard(name="Fout", kbo="0207451227", components=["dosis", "kaas"], actor=TEST_ACTOR)
    assert error.value.extra["unknown"] == ["kaas"]
    assert Agency.objects.count() == 0 and ApiClient.objects.count() == 0


def test_a_second_agency_with_the_same_kbo_is_refused():
    agency_onboard(name="Stad Gent", kbo="0207451227", components=["dosis"], actor=TEST_ACTOR)
    with pytest.raises(Conflict):
        agency_onboard(name="Gent bis", kbo="BE0207451227", components=["dosis"], actor=TEST_ACTOR)


def test_every_order_change_makes_a_new_version_and_keeps_history(agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    processing_order_change(order=order, actor=TEST_ACTOR, note="DOSIS langer bewaren", retention_days={"dosis": 180})
    processing_order_suspend(order=order, reason="Onderzoek naar rechtsgrond", actor=TEST_ACTOR)
    versions = list(order.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[0].retention_for("dosis") == 90
    assert versions[1].retention_for("dosis") == 180
    assert versions[2].state == "suspended" and versions[2].state_reason == "Onderzoek naar rechtsgrond"
    assert versions[2].retention_for("dosis") == 180
    changes = AuditEvent.objects.filter(action="processing_order.version_created", agency_id=agency.agency_id)
    assert changes.count() == 3
    assert changes.order_by("-id").first().detail["changed"] == ["state", "state_reason"]


def test_a_suspension_without_reason_is_refused(agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    with pytest.raises(ValidationError):
        processing_order_change(order=order, actor=TEST_ACTOR, note="", state="suspended")
    assert order.versions.count() == 1


def test_categories_outside_bijlage_1_are_refused(agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    with pytest.raises(ValidationError) as error:
        processing_order_change(
            order=order, actor=TEST_ACTOR, note="", data_categories={"dosis": ["dossier_id", "bloedgroep"]}
        )
    assert error.value.extra["unknown"] == ["bloedgroep"]
