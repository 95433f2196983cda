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

# The registry before any citizen-action component was built (issue 12): with it in place, betalingen
# stands for a component not built yet, now that every component of the charter is built.
FIRST_FIVE = (
    Component.UW_GEGEVENS,
    Component.ATTESTEN,
    Component.DOSIS,
    Component.NOTIFICATIES,
    Component.CONTACTVOORKEUREN,
)


@pytest.fixture
def betalingen_not_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue, "BUILT_COMPONENTS", FIRST_FIVE)


def test_every_component_of_the_charter_is_built() -> None:
    assert all(catalogue.is_built(component) for component in Component.values)


def test_an_order_naming_a_component_not_built_yet_is_refused(betalingen_not_built: None) -> None:
    with pytest.raises(ValidationError) as refused:
        components_validate(["dosis", "betalingen"])
    assert refused.value.extra == {"field": "components", "not_built": ["betalingen"]}
    assert "Nog niet beschikbaar" in refused.value.detail


def test_onboarding_with_a_component_not_built_stores_nothing(betalingen_not_built: None) -> None:
    with pytest.raises(ValidationError):
        agency_onboard(name="Agentschap", kbo="0316380841", components=["dosis", "betalingen"], actor=TEST_ACTOR)
    assert not Agency.objects.exists()


def test_the_cli_says_which_component_is_not_available(db: None, betalingen_not_built: None) -> None:
    with pytest.raises(CommandError, match="Nog niet beschikbaar op het platform: Betalingen"):
        call_command(
            "agency", "onboard", "--name", "A", "--kbo", "0316380841", "--components", "dosis,betalingen",
            stdout=io.StringIO(),
        )  # fmt: skip


def test_an_order_cannot_be_changed_to_add_a_component_not_built(agency, betalingen_not_built: None) -> None:
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    with pytest.raises(ValidationError):
        processing_order_change(order=order, actor=TEST_ACTOR, note="uitbreiding", components=["dosis", "betalingen"])
    assert order.versions.count() == 1


def test_a_component_added_to_the_registry_can_be_ordered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue, "BUILT_COMPONENTS", (*FIRST_FIVE, Component.BETALINGEN))
    assert components_validate(["betalingen", "dosis"]) == ["dosis", "betalingen"]
