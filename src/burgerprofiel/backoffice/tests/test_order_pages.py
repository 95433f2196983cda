"""Issue 16: an order page that cannot be saved shows what is in force, readably; the history says what changed."""

from __future__ import annotations

import re

import pytest

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.agencies.services import processing_order_change, processing_order_terminate
from burgerprofiel.conftest import TEST_ACTOR

pytestmark = pytest.mark.django_db

CHANGELIST = "/backoffice/agencies/processingorder/"


def _text(html: str) -> str:
    """The page as read (tags and the hidden SVG sprite dropped)."""
    html = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _assert_readable_summary(page: str) -> None:
    text = _text(page)
    assert "None" not in text
    assert "Nieuwe versie" not in text and "opslaan" not in text.lower()
    assert "Versie in voege" in text
    # Components and categories by their Bijlage 1 names, as lists, not JSON.
    assert "DOSIS (dossieropvolging)" in text and "Notificaties" in text
    assert "Unieke sleutel van de persoon (INSZ)" in text
    assert "dagen" in text and "{" not in text.split("Versie in voege", 1)[1].split("historiek", 1)[0]
    assert "<ul>" in page
    assert 'name="_save"' not in page


def test_an_auditor_sees_the_version_in_force_as_readable_lists(auditor_client, agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    processing_order_change(order=order, actor=TEST_ACTOR, note="Rechtsgrond aangevuld", legal_basis="Decreet 2024")

    page = auditor_client.get(f"{CHANGELIST}{order.pk}/change/").content.decode()

    _assert_readable_summary(page)
    assert "Decreet 2024" in page


def test_an_operator_opening_a_terminated_order_sees_a_read_only_summary(operator_client, agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    processing_order_terminate(order=order, reason="Contract afgelopen", actor=TEST_ACTOR)

    page = operator_client.get(f"{CHANGELIST}{order.pk}/change/").content.decode()

    _assert_readable_summary(page)
    assert "Beëindigd: Contract afgelopen" in _text(page) or "Contract afgelopen" in page
    assert "niet ingevuld" in page  # an empty legal basis says so instead of "None"


def test_the_history_says_what_changed_and_names_the_author(operator_client, operator, agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    current = order.current
    operator_client.post(
        CHANGELIST, {"action": "suspend_orders", "_selected_action": [order.pk], "apply": "1", "reason": "Datalek"}
    )
    processing_order_change(
        order=order,
        actor=TEST_ACTOR,
        note="Notificaties niet langer besteld",
        components=["dosis"],
        data_categories={"dosis": [c for c in current.data_categories["dosis"] if c != "dossier_id"]},
        retention_days={"dosis": current.retention_days["dosis"]},
    )

    page = operator_client.get(f"{CHANGELIST}{order.pk}/change/").content.decode()
    text = _text(page)

    assert "Component verwijderd: Notificaties" in text
    assert "categorie verwijderd: Dossier-ID" in text
    assert "Status: actief → opgeschort (reden: Datalek)" in text
    assert operator.user.get_username() in text
    assert f"staff:{operator.user.pk}" not in text
    history = text.lower().split("historiek (versies, nieuwste eerst)", 1)[1]
    assert "{" not in history and "None" not in text


def test_geschiedenis_lists_a_suspension_and_resumption_made_in_the_back_office(operator_client, operator, agency):
    order_id = agency.order_id
    operator_client.post(
        CHANGELIST, {"action": "suspend_orders", "_selected_action": [order_id], "apply": "1", "reason": "Onderzoek"}
    )
    operator_client.post(CHANGELIST, {"action": "resume_orders", "_selected_action": [order_id], "apply": "1"})

    response = operator_client.get(f"{CHANGELIST}{order_id}/history/")

    assert response.status_code == 200
    text = _text(response.content.decode())
    assert "Status: actief → opgeschort (reden: Onderzoek)" in text
    assert "Status: opgeschort → actief" in text
    assert "Opgeschort: Onderzoek" in text and "Hervat" in text
    assert operator.user.get_username() in text
    assert "geen geschiedenis" not in text.lower() and "None" not in text


def test_an_auditor_may_read_the_geschiedenis(auditor_client, agency):
    response = auditor_client.get(f"{CHANGELIST}{agency.order_id}/history/")

    assert response.status_code == 200
    assert "Aangemaakt (actief)" in _text(response.content.decode())
