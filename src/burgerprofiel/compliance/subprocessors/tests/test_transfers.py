"""Transfers outside the EEA (charter 10): refused unless the order allows them, with their legal ground."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.errors import ValidationError
from burgerprofiel.compliance.subprocessors.eea import in_eea
from burgerprofiel.compliance.subprocessors.services import (
    TransferNotAllowed,
    pull_source_register,
    transfer_allow,
    transfer_allowed,
    transfer_revoke,
)
from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.personal_data.models import PullSource
from burgerprofiel.personal_data.tests.factories import make_pull_agency

pytestmark = pytest.mark.django_db

GROUND = "Adequaatheidsbesluit Zwitserland (AVG art. 45)"


def add_source(agency, country, url="http://127.0.0.1:9/attesten"):
    return call_command(
        "agency_source",
        "add",
        "--agency",
        str(agency.agency_id),
        "--component",
        "attesten",
        "--url",
        url,
        "--country",
        country,
    )


def test_the_eea_is_the_eu_with_iceland_liechtenstein_and_norway():
    assert all(in_eea(c) for c in ("BE", "NL", "NO", "IS", "LI", "EL", "gr"))
    assert not any(in_eea(c) for c in ("CH", "GB", "US", ""))


def test_a_source_outside_the_eea_is_refused_without_the_orders_permission():
    agency = make_pull_agency()
    with pytest.raises(CommandError, match="buiten de Europese Economische Ruimte"):
        add_source(agency, "CH")
    assert not PullSource.objects.exists()
    refused = AuditEvent.objects.get(action="transfer.refused")
    assert refused.agency_id == agency.agency_id and refused.outcome == AuditEvent.Outcome.REFUSED


def test_a_source_outside_the_eea_is_registered_once_the_order_allows_that_country():
    agency = make_pull_agency()
    transfer_allow(order_id=agency.order_id, country="CH", legal_ground=GROUND, actor=TEST_ACTOR)
    add_source(agency, "CH")
    assert PullSource.objects.count() == 1
    assert AuditEvent.objects.filter(action="transfer.allowed", agency_id=agency.agency_id).count() == 1


def test_a_source_inside_the_eea_needs_no_permission():
    agency = make_pull_agency()
    add_source(agency, "NL")
    assert PullSource.objects.count() == 1


def test_a_permission_for_one_recipient_does_not_cover_another_and_revoking_ends_it():
    agency = make_pull_agency()
    permission = transfer_allow(
        order_id=agency.order_id, country="CH", recipient="bron.example.ch", legal_ground=GROUND, actor=TEST_ACTOR
    )
    assert transfer_allowed(agency_id=agency.agency_id, country="CH", recipient="bron.example.ch")
    assert not transfer_allowed(agency_id=agency.agency_id, country="CH", recipient="andere.example.ch")
    transfer_revoke(permission_id=permission.pk, actor=TEST_ACTOR)
    assert not transfer_allowed(agency_id=agency.agency_id, country="CH", recipient="bron.example.ch")
    with pytest.raises(TransferNotAllowed):
        pull_source_register(
            agency_id=agency.agency_id,
            component="attesten",
            url="https://bron.example.ch/attesten",
            country="CH",
            actor=TEST_ACTOR,
        )


def test_a_permission_needs_a_legal_ground_and_a_country_outside_the_eea():
    agency = make_pull_agency()
    with pytest.raises(ValidationError, match="rechtsgrond"):
        transfer_allow(order_id=agency.order_id, country="US", legal_ground="", actor=TEST_ACTOR)
    with pytest.raises(ValidationError, match="EER"):
        transfer_allow(order_id=agency.order_id, country="FR", legal_ground=GROUND, actor=TEST_ACTOR)
    with pytest.raises(ValidationError, match="landcode"):
        transfer_allow(order_id=agency.order_id, country="XX", legal_ground=GROUND, actor=TEST_ACTOR)
