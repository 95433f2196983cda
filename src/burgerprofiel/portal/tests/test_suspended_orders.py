"""Charter 2.3: a suspended order suspends processing, and showing stored data to the citizen is processing.

While an agency's order is suspended the portal withholds that agency's dossiers and meldingen
and says so in a short notice; once the order is terminated they are not shown at all. Other
agencies' data is shown as before, and resuming the order brings everything back.
"""

from __future__ import annotations

import pytest
from django.test import Client

from burgerprofiel.agencies.models import Agency, ProcessingOrder
from burgerprofiel.agencies.services import (
    processing_order_resume,
    processing_order_suspend,
    processing_order_terminate,
)
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, login_citizen
from burgerprofiel.dossiers.models import Dossier
from burgerprofiel.dossiers.tests.conftest import PARENT_1, Upload, full_payload
from burgerprofiel.notifications.models import Notification
from burgerprofiel.notifications.services import notification_create

pytestmark = pytest.mark.django_db
DOSSIER_NAME = "Aanvraag kinderbijslag voor Lotte Peeters"
NOTICE_DOSSIERS = "De dossiers van Agentschap Opgroeien zijn tijdelijk niet beschikbaar."
NOTICE_MELDINGEN = "De meldingen van Agentschap Opgroeien zijn tijdelijk niet beschikbaar."


@pytest.fixture
def data(upload: Upload, agency: OnboardedAgency, other_agency: OnboardedAgency) -> dict[str, object]:
    assert upload(full_payload()).status_code == 200
    for onboarded, product in ((agency, "Groeipakket"), (other_agency, "Rijbewijs")):
        notification_create(
            agency=Agency.objects.get(pk=onboarded.agency_id),
            insz=PARENT_1,
            message=f"Nieuws over uw {product}.",
            ipdc_product=product,
            actor=TEST_ACTOR,
        )
    return {
        "dossier": Dossier.objects.get(),
        "melding": Notification.objects.get(agency_id=agency.agency_id),
        "order": ProcessingOrder.objects.get(pk=agency.order_id),
    }


def _pages(client: Client, data: dict[str, object]) -> dict[str, tuple[int, str]]:
    pages = {
        "dossiers": "/mijn-dossiers/?filter=alle",
        "dossier": f"/mijn-dossiers/{data['dossier'].pk}/",  # type: ignore[attr-defined]
        "meldingen": "/meldingen",
        "melding": f"/meldingen/{data['melding'].pk}",  # type: ignore[attr-defined]
        "overzicht": "/overzicht",
    }
    answers = {}
    for name, url in pages.items():
        response = client.get(url)
        answers[name] = (response.status_code, response.content.decode() if response.status_code != 404 else "")
    return answers


def test_an_active_order_shows_the_agencys_dossiers_and_meldingen(client: Client, data: dict[str, object]) -> None:
    login_citizen(client, PARENT_1)
    pages = _pages(client, data)
    assert DOSSIER_NAME in pages["dossiers"][1]
    assert pages["dossier"][0] == 200 and pages["melding"][0] == 200
    assert "Groeipakket" in pages["meldingen"][1] and "Rijbewijs" in pages["meldingen"][1]
    assert "tijdelijk niet beschikbaar" not in pages["dossiers"][1] + pages["meldingen"][1]


def test_while_the_order_is_suspended_its_dossiers_and_meldingen_are_withheld_with_a_notice(
    client: Client, data: dict[str, object]
) -> None:
    processing_order_suspend(order=data["order"], reason="Onderzoek naar een datalek", actor=TEST_ACTOR)  # type: ignore[arg-type]
    login_citizen(client, PARENT_1)
    pages = _pages(client, data)
    assert DOSSIER_NAME not in pages["dossiers"][1]
    assert NOTICE_DOSSIERS in pages["dossiers"][1]
    assert "Groeipakket" not in pages["meldingen"][1]
    assert "Rijbewijs" in pages["meldingen"][1]  # another agency's meldingen are shown as before
    assert NOTICE_MELDINGEN in pages["meldingen"][1]
    assert "U hebt 1 ongelezen melding." in pages["meldingen"][1]
    for detail in ("dossier", "melding"):
        status, html = pages[detail]
        assert status == 503
        assert "De gegevens van Agentschap Opgroeien zijn tijdelijk niet beschikbaar." in html
        assert DOSSIER_NAME not in html and "Nieuws over uw Groeipakket" not in html
    assert DOSSIER_NAME not in pages["overzicht"][1]


def test_marking_all_read_leaves_the_withheld_meldingen_untouched(client: Client, data: dict[str, object]) -> None:
    processing_order_suspend(order=data["order"], reason="Onderzoek", actor=TEST_ACTOR)  # type: ignore[arg-type]
    login_citizen(client, PARENT_1)
    client.post("/meldingen/alles-gelezen")
    assert Notification.objects.get(pk=data["melding"].pk).read_at is None  # type: ignore[attr-defined]
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_once_the_order_is_terminated_its_dossiers_and_meldingen_are_not_shown_at_all(
    client: Client, data: dict[str, object]
) -> None:
    processing_order_terminate(order=data["order"], reason="Einde samenwerking", actor=TEST_ACTOR)  # type: ignore[arg-type]
    login_citizen(client, PARENT_1)
    pages = _pages(client, data)
    assert DOSSIER_NAME not in pages["dossiers"][1] and "Groeipakket" not in pages["meldingen"][1]
    assert "tijdelijk niet beschikbaar" not in pages["dossiers"][1] + pages["meldingen"][1]
    assert pages["dossier"][0] == 404 and pages["melding"][0] == 404
    assert "Rijbewijs" in pages["meldingen"][1]


def test_resuming_the_order_shows_everything_again(client: Client, data: dict[str, object]) -> None:
    processing_order_suspend(order=data["order"], reason="Onderzoek", actor=TEST_ACTOR)  # type: ignore[arg-type]
    processing_order_resume(order=data["order"], actor=TEST_ACTOR)  # type: ignore[arg-type]
    login_citizen(client, PARENT_1)
    pages = _pages(client, data)
    assert DOSSIER_NAME in pages["dossiers"][1] and "Groeipakket" in pages["meldingen"][1]
    assert pages["dossier"][0] == 200 and pages["melding"][0] == 200
