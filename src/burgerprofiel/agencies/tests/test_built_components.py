"""An order may name only the components this platform has built (catalogue.BUILT_COMPONENTS)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from burgerprofiel.agencies import catalogue
from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.agencies.models import Agency, ProcessingOrder
from burgerprofiel.agencies.services import agency_onboard, components_validate, processing_order_change
from burgerprofiel.common.errors import ValidationError
from burgerprofiel.conftest import TEST_ACTOR

pytestmark = pytest.mark.django_db

NOT_BUILT = [Component.BETALINGEN]


@pytest.mark.parametrize("component", NOT_BUILT)
def test_an_order_naming_a_component_not_built_yet_is_refused(component):
    if catalogue.is_built(component):
        pytest.skip(f"{component} has been built since")
    with pytest.raises(ValidationError) as refused:
        components_validate(["dosis", component])
    assert refused.value.extra == {"field": "components", "not_built": [component]}
    assert "Nog niet beschikbaar" in refused.value.detail


def test_onboarding_with_a_component_not_built_stores_nothing():
    with pytest.raises(ValidationError):
        agency_onboard(name="Agentschap", kbo="0316380841", components=["dosis", "betalingen"], actor=TEST_ACTOR)
    assert not Agency.objects.exists()


def test_the_cli_says_which_component_is_not_available(db):
    with pytest.raises(CommandError, match="Nog niet beschikbaar op het platform: Betalingen"):
        call_command(
            "agency", "onboard", "--name", "A", "--kbo", "0316380841", "--components", "dosis,betalingen",
            stdout=io.StringIO(),
        )  # fmt: skip


def test_an_order_cannot_be_changed_to_add_a_component_not_built(agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    with pytest.raises(ValidationError):
        processing_order_change(order=order, actor=TEST_ACTOR, note="uitbreiding", components=["dosis", "betalingen"])
    assert order.versions.count() == 1


def test_a_component_added_to_the_registry_can_be_ordered(monkeypatch):
    monkeypatch.setattr(catalogue, "BUILT_COMPONENTS", (*catalogue.BUILT_COMPONENTS, Component.BETALINGEN))
    assert components_validate(["betalingen", "dosis"]) == ["dosis", "betalingen"]
