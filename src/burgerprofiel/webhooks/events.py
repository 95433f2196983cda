"""The events the platform sends an agency, declared as data: the type, its Dutch label and the
component of the processing order it belongs to.

An agency may subscribe to (and read in the feed) only the event types of components its order
allows. A new kind of event is one line here, and one line in ``EVENT_COMPONENTS``; the processor's
own notices (issue 13: breaches, sub-processor changes, amendments, suspensions) come as the
``verwerker.*`` family, which belongs to no component: every agency with an active order may
receive them.
"""

from __future__ import annotations

from django.db import models

from burgerprofiel.agencies.catalogue import Component


class EventType(models.TextChoices):
    FOUTMELDING_INGEDIEND = "foutmelding.ingediend", "Een burger meldde een fout in een gegeven"
    FOUTMELDING_BERICHT = "foutmelding.bericht", "Een burger schreef een bericht bij een foutmelding"
    AANVRAAG_INGEDIEND = "aanvraag.ingediend", "Een burger diende een aanvraag in"
    AANVRAAG_BERICHT = "aanvraag.bericht", "Een burger schreef een bericht bij een aanvraag"
    BETALING_STATUS_GEWIJZIGD = "betaling.status_gewijzigd", "De status van een betaling wijzigde"
    TERUGBETALING_STATUS_GEWIJZIGD = "betaling.terugbetaling_gewijzigd", "De status van een terugbetaling wijzigde"
    # The processor's notices (burgerprofiel.compliance.notices: ``verwerker.<kind>``), for every agency.
    VERWERKER_INBREUK = "verwerker.inbreuk", "Melding van een inbreuk in verband met persoonsgegevens"
    VERWERKER_INBREUK_UPDATE = "verwerker.inbreuk_update", "Aanvulling op de melding van een inbreuk"
    VERWERKER_INSTRUCTIE_ONRECHTMATIG = (
        "verwerker.instructie_onrechtmatig",
        "De verwerker acht een instructie in strijd met de wet",
    )
    VERWERKER_OPDRACHT_OPGESCHORT = "verwerker.opdracht_opgeschort", "De verwerkingsopdracht werd opgeschort"
    VERWERKER_OPDRACHT_BEEINDIGD = "verwerker.opdracht_beeindigd", "De verwerkingsopdracht werd beëindigd"
    VERWERKER_WETTELIJKE_VERSTREKKING = (
        "verwerker.wettelijke_verstrekking",
        "Een wettelijk verplichte verwerking of verstrekking",
    )
    VERWERKER_MEDEDELING = "verwerker.mededeling", "Een mededeling van de verwerker"
    VERWERKER_OFFBOARDING = (
        "verwerker.offboarding",
        "Uw gegevens worden terugbezorgd of verwijderd na het einde van de opdracht (charter 12.2)",
    )
    VERWERKER_ONDERVERWERKER_WIJZIGING = (
        "verwerker.onderverwerker_wijziging",
        "Een wijziging van de onderverwerkers is gepland of ingetrokken",
    )
    VERWERKER_ONDERVERWERKER_BEZWAAR = (
        "verwerker.onderverwerker_bezwaar",
        "Een bezwaar tegen een onderverwerker werd beslist",
    )
    VERWERKER_CHARTER_WIJZIGING = "verwerker.charter_wijziging", "Het verwerkingscharter wijzigt (charter 14.3)"
    VERWERKER_NALEVINGSRAPPORT = (
        "verwerker.nalevingsrapport",
        "Rapport van de verwerker over de naleving van zijn verplichtingen (charter 9)",
    )
    VERWERKER_BETROKKENE_VERZOEK = (
        "verwerker.betrokkene_verzoek",
        "Een burger diende een verzoek in als betrokkene (charter 7)",
    )
    VERWERKER_BETROKKENE_VERZOEK_HERINNERING = (
        "verwerker.betrokkene_verzoek_herinnering",
        "Herinnering: de termijn van een verzoek van een betrokkene loopt af",
    )


# Each family's component; ``None``: the processor's notices, for every agency with an active order.
FAMILY_COMPONENTS: dict[str, str | None] = {
    "foutmelding": Component.FOUTMELDINGEN,
    "aanvraag": Component.AANVRAGEN,
    "betaling": Component.BETALINGEN,
    "verwerker": None,
}

EVENT_COMPONENTS: dict[str, str | None] = {
    EventType.FOUTMELDING_INGEDIEND: Component.FOUTMELDINGEN,
    EventType.FOUTMELDING_BERICHT: Component.FOUTMELDINGEN,
    EventType.AANVRAAG_INGEDIEND: Component.AANVRAGEN,
    EventType.AANVRAAG_BERICHT: Component.AANVRAGEN,
    EventType.BETALING_STATUS_GEWIJZIGD: Component.BETALINGEN,
    EventType.TERUGBETALING_STATUS_GEWIJZIGD: Component.BETALINGEN,
    **{t: None for t in EventType if t.value.startswith("verwerker.")},
}


def component_of(event_type: str) -> str | None:
    """The component an event type belongs to (``KeyError`` for an unknown type)."""
    return EVENT_COMPONENTS[EventType(event_type)]


def event_types_for(components: list[str]) -> list[str]:
    """The event types an order with these components allows, in declaration order."""
    return [t.value for t in EventType if EVENT_COMPONENTS[t] is None or EVENT_COMPONENTS[t] in components]
