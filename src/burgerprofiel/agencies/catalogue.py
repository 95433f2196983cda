"""The components an agency can order and the data categories each may carry (charter Bijlage 1).

The categories of ``uw_gegevens``, ``attesten``, ``dosis``, ``notificaties`` and
``contactvoorkeuren`` are the lists of Bijlage 1; the three later components (charter 1.1:
foutmeldingen, aanvragen, betalingen) have no list in the annex and get the categories their
function needs. A processing order names a subset per component; the order check refuses
anything outside it.
"""

from __future__ import annotations

from django.db import models


class Component(models.TextChoices):
    UW_GEGEVENS = "uw_gegevens", "Uw gegevens"
    ATTESTEN = "attesten", "Attesten, aktes en vergunningen"
    DOSIS = "dosis", "DOSIS (dossieropvolging)"
    NOTIFICATIES = "notificaties", "Notificaties"
    CONTACTVOORKEUREN = "contactvoorkeuren", "Contactvoorkeuren"
    FOUTMELDINGEN = "foutmeldingen", "Fouten melden"
    AANVRAGEN = "aanvragen", "Dienstverlening aanvragen"
    BETALINGEN = "betalingen", "Betalingen"


# The components this platform has built: the one registry an order is checked against. An order
# naming a component that does not exist yet would promise processing nobody performs (charter 1.2:
# the order describes the processing), so ``components_validate`` refuses the others. The app that
# builds foutmeldingen (corrections), aanvragen (service_requests) or betalingen (payments) adds its
# component here when it lands, in the same change.
BUILT_COMPONENTS: tuple[str, ...] = (
    Component.UW_GEGEVENS,
    Component.ATTESTEN,
    Component.DOSIS,
    Component.NOTIFICATIES,
    Component.CONTACTVOORKEUREN,
    Component.FOUTMELDINGEN,  # corrections (issue 12 item 2)
    Component.AANVRAGEN,  # service_requests (issue 12 item 3)
    Component.BETALINGEN,  # issue 12 item 4: the payments app
)


def is_built(component: str) -> bool:
    # Read at call time, so that a test may extend the registry for one test (webhooks of components to come).
    return component in BUILT_COMPONENTS


# category code -> Dutch label as in Bijlage 1
CATEGORIES: dict[str, dict[str, str]] = {
    Component.UW_GEGEVENS: {
        "insz": "Unieke sleutel van de persoon (INSZ)",
        "ipdc_product": "Gerelateerd(e) IPDC-product(en)",
        "persoonsgegevens": "Persoonsgebonden gegevens (domicilie-adres, afstamming, gezinssamenstelling, ...)",
    },
    Component.ATTESTEN: {
        "insz": "Unieke sleutel van de persoon (INSZ)",
        "gemeente_postcode": "Gemeente/postcode",
        "ipdc_product": "Gerelateerd(e) IPDC-product(en)",
        "document": "Downloadbare documenten",
        "documenttype": "Categorie / soort / type document",
        "geldigheidsdatum": "Geldigheidsdatum",
    },
    Component.DOSIS: {
        "sleutel": "Unieke sleutel van de persoon (INSZ) of organisatie",
        "ipdc_product": "IPDC-product",
        "wijzigingsdatum": "Wijzigingsdatum (van de meest recente aanpassing)",
        "dossier_id": "Dossier-ID",
        "fasen_statussen": "Fasen en statussen van het dossier (+ datum)",
        "historiek": "Historische statussen",
        "vereiste_acties": "Vereiste actie(s)",
        "dossierbeheerder": "Dossierbeheerder",
        "contact_dossierbeheerder": "Contactgegevens dossierbeheerder",
        "doorverwijzing": "Doorverwijzingslink naar verantwoordelijke dienst",
        "verantwoordelijke_organisatie": "Verantwoordelijke organisatie (verantwoordelijk voor de bron)",
        "vrije_tekst": "Vrije tekstvelden (statusdetails)",
    },
    Component.NOTIFICATIES: {
        "insz": "Unieke sleutel van de persoon (INSZ)",
        "ipdc_product": "Gerelateerd(e) IPDC-product",
        "notificatie_id": "Notificatie-ID",
        "boodschap": "Notificatie-boodschap",
        "dossier_id": "Dossier-ID",
        "verantwoordelijke_organisatie": "Verantwoordelijke organisatie (verantwoordelijk voor de bron)",
        "vrije_tekst": "Vrije tekstvelden (statusdetails)",
    },
    Component.CONTACTVOORKEUREN: {
        "insz": "Unieke sleutel van de persoon (INSZ)",
        "ipdc_product": "Gerelateerd(e) IPDC-product(en)",
        "email": "E-mailadres",
        "gsm": "Mobiel nummer",
        "rekeningnummer": "Bankrekeningnummer",
        "toestemming": "Toestemming burger",
    },
    Component.FOUTMELDINGEN: {
        "insz": "Unieke sleutel van de persoon (INSZ)",
        "gegeven": "Het betwiste gegeven",
        "toelichting": "Toelichting van de burger",
        "status": "Status van de melding",
    },
    Component.AANVRAGEN: {
        "insz": "Unieke sleutel van de persoon (INSZ)",
        "ipdc_product": "IPDC-product",
        "formuliergegevens": "Ingevulde formuliergegevens",
        "status": "Status van de aanvraag",
    },
    Component.BETALINGEN: {
        "insz": "Unieke sleutel van de persoon (INSZ)",
        "ipdc_product": "IPDC-product",
        "bedrag": "Bedrag",
        "gestructureerde_mededeling": "Gestructureerde mededeling (OGM/VCS)",
        "rekeningnummer": "Bankrekeningnummer",
        "betaalstatus": "Betaalstatus",
    },
}

# Bijlage 1 describes data that is stored only "zo lang relevant"; these are the defaults an
# order starts with (days), overridable per order.
DEFAULT_RETENTION_DAYS: dict[str, int] = {
    Component.DOSIS: 90,
    Component.NOTIFICATIES: 365,
    Component.FOUTMELDINGEN: 365,
    Component.AANVRAGEN: 365,
    Component.BETALINGEN: 365 * 7,  # bookkeeping law: seven years
    Component.CONTACTVOORKEUREN: 0,  # kept while the citizen keeps them
    Component.UW_GEGEVENS: 0,  # pulled live, never stored
    Component.ATTESTEN: 0,  # pulled live, never stored
}


def all_categories(component: str) -> list[str]:
    return list(CATEGORIES[component])


def unknown_categories(component: str, categories: list[str]) -> list[str]:
    return [c for c in categories if c not in CATEGORIES.get(component, {})]
