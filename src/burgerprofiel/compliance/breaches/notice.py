"""The text of a breach notice: every element of charter 8.2 (GDPR 33(3)), for one agency.

The same content goes three ways (``agency_notice_send``): readable text (the e-mail, the API's
``body`` and the PDF), and machine-readable ``data`` (the webhook event and the API), with these
keys: ``nature``, ``subject_categories``, ``data_categories``, ``approximate_subjects``,
``approximate_records``, ``likely_consequences``, ``measures``, ``dpo`` (the processor's DPO).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from burgerprofiel.agencies.catalogue import CATEGORIES, Component
from burgerprofiel.compliance.breaches.models import Breach

# The charter 8.2 elements, as the data keys every notice carries.
ELEMENTS_82 = (
    "nature",
    "subject_categories",
    "data_categories",
    "approximate_subjects",
    "approximate_records",
    "likely_consequences",
    "measures",
    "dpo",
)

PENDING = "Nog in onderzoek; volgt in een aanvulling."
HOW_COUNTED = (
    "Berekend uit het auditspoor (burgers over wie in het venster een handeling van uw instantie werd "
    "geregistreerd) en uit de gegevens die het platform voor uw instantie bewaart (rijen per component); elke "
    "burger één keer geteld. Bij benadering: reeds verwijderde gegevens en verwerkingen zonder auditregistratie "
    "per burger zijn niet meegeteld."
)


def _when(moment: Any) -> str:
    return f"{timezone.localtime(moment):%d-%m-%Y %H:%M}"


def category_labels(breach: Breach) -> list[str]:
    """The breach's data categories as the annex names them (``component: label``)."""
    labels = []
    components = breach.components or list(CATEGORIES)
    for code in breach.data_categories or []:
        for component in components:
            label = CATEGORIES.get(component, {}).get(code)
            if label:
                labels.append(f"{Component(component).label}: {label}")
                break
        else:
            labels.append(str(code))
    return labels


def processor_dpo() -> dict[str, str]:
    return {
        "name": settings.PROCESSOR_DPO_NAME,
        "email": settings.PROCESSOR_DPO_EMAIL,
        "phone": settings.PROCESSOR_DPO_PHONE,
    }


def breach_notice_content(
    breach: Breach, impact: dict[str, Any], *, phase: int, update: str = ""
) -> tuple[str, str, dict[str, Any]]:
    """(subject, body, data) of the notice of ``breach`` to one agency (``impact``: its entry of
    ``breach.affected``); ``phase`` > 1 with ``update``: an update under GDPR 33(4)."""
    dpo = processor_dpo()
    components = breach.components or []
    component_text = ", ".join(Component(c).label for c in components) if components else "alle componenten"
    categories = category_labels(breach)
    records_by = impact.get("records_by_component", {})
    records_lines = "".join(f"\n  - {Component(c).label}: {n}" for c, n in records_by.items())
    if phase > 1:
        subject = f"Aanvulling {phase - 1} bij de melding van inbreuk {breach.reference}: {breach.title}"
    else:
        subject = f"Melding van een inbreuk in verband met persoonsgegevens {breach.reference}: {breach.title}"
    parts = [
        f"Het platform Mijn Burgerprofiel meldt u als verwerker (Verwerkersovereenkomst, artikel 8) een inbreuk "
        f"in verband met persoonsgegevens die de gegevens van {impact['agency_name']} treft.",
        f"Kenmerk: {breach.reference}. Vastgesteld op {_when(breach.detected_at)}.",
    ]
    if phase > 1:
        parts.append(f"AANVULLING (fase {phase}, AVG artikel 33, lid 4):\n{update.strip()}")
    parts += [
        "1. Aard van de inbreuk\n"
        f"{breach.nature.strip()}\n"
        f"Periode: van {_when(breach.window_start)} tot {_when(breach.window_end)}.\n"
        f"Betrokken systemen: {', '.join(breach.systems) or 'niet gespecificeerd'}.\n"
        f"Betrokken componenten: {component_text}.\n"
        f"Blootgestelde gegevens: {breach.get_exposure_display().lower()}.",
        "2. Categorieën en aantallen (bij benadering)\n"
        f"Categorieën van betrokkenen: {breach.subject_categories}.\n"
        f"Categorieën van persoonsgegevens: {'; '.join(categories) or 'alle categorieën van de componenten'}.\n"
        f"Aantal betrokkenen bij benadering: {impact['subjects']}.\n"
        f"Aantal records bij benadering: {impact['records']}{records_lines}\n"
        f"Geregistreerde toegangen in de periode: {impact.get('accesses', 0)}.\n"
        f"{HOW_COUNTED}",
        f"3. Waarschijnlijke gevolgen\n{breach.likely_consequences.strip() or PENDING}",
        f"4. Genomen of voorgestelde maatregelen\n{breach.measures.strip() or PENDING}",
        "5. Functionaris voor gegevensbescherming van de verwerker\n"
        f"{dpo['name']}\nE-mail: {dpo['email']}" + (f"\nTelefoon: {dpo['phone']}" if dpo["phone"] else ""),
        "De melding aan de Gegevensbeschermingsautoriteit en eventueel aan de betrokkenen blijft uw "
        "verantwoordelijkheid (Verwerkersovereenkomst, artikel 8.3; AVG artikel 33 en 34).",
    ]
    data = {
        "breach_id": breach.pk,
        "reference": breach.reference,
        "phase": phase,
        "update": update.strip() if phase > 1 else "",
        "detected_at": breach.detected_at.isoformat(),
        "window": {"start": breach.window_start.isoformat(), "end": breach.window_end.isoformat()},
        "systems": list(breach.systems),
        "components": list(components),
        "exposure": breach.exposure,
        "nature": breach.nature.strip(),
        "subject_categories": breach.subject_categories,
        "data_categories": list(breach.data_categories or []),
        "approximate_subjects": impact["subjects"],
        "approximate_records": impact["records"],
        "records_by_component": dict(records_by),
        "accesses": impact.get("accesses", 0),
        "likely_consequences": breach.likely_consequences.strip(),
        "measures": breach.measures.strip(),
        "dpo": dpo,
    }
    return subject[:300], "\n\n".join(parts), data
