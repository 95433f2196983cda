"""Event types are data: each belongs to the component its family names."""

from __future__ import annotations

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.webhooks.events import EVENT_COMPONENTS, FAMILY_COMPONENTS, EventType, event_types_for


def test_every_event_type_has_a_component_matching_its_family() -> None:
    for event_type in EventType:
        family = event_type.value.split(".")[0]
        assert EVENT_COMPONENTS[event_type] == FAMILY_COMPONENTS[family], event_type


def test_every_event_type_has_a_dutch_label() -> None:
    assert all(event_type.label and event_type.label != event_type.value for event_type in EventType)


def test_an_order_allows_only_the_event_types_of_its_components() -> None:
    processor_notices = [t.value for t in EventType if t.value.startswith("verwerker.")]
    assert processor_notices, "the processor's notices go to every agency with an active order"
    assert event_types_for([Component.FOUTMELDINGEN]) == [
        "foutmelding.ingediend",
        "foutmelding.bericht",
        *processor_notices,
    ]
    assert event_types_for([Component.DOSIS]) == processor_notices
