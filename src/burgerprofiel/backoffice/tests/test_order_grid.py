"""Issue 16 item 2: an order is edited as a form (checkbox grid from Bijlage 1, a number per component,
dates), never as JSON; its history is a paginated list of versions with what changed."""

from __future__ import annotations

import re

import pytest

from burgerprofiel.agencies.catalogue import CATEGORIES
from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.agencies.services import processing_order_change
from burgerprofiel.backoffice.tests.conftest import form_fields
from burgerprofiel.conftest import TEST_ACTOR

pytestmark = pytest.mark.django_db

CHANGELIST = "/backoffice/agencies/processingorder/"


def _text(html: str) -> str:
    html = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_order_page_offers_checkboxes_per_category_and_a_number_per_component_not_json(operator_client, agency):
    page = operator_client.get(f"{CHANGELIST}{agency.order_id}/change/").content.decode()

    assert 'name="data_categories"' not in page and 'name="retention_days"' not in page
    assert re.findall(r'<textarea name="(\w+)"', page) == ["legal_basis", "change_note"]  # prose only
    for category in CATEGORIES["dosis"]:
        assert re.search(rf'<input type="checkbox" name="categories__dosis" value="{category}"[^>]*checked', page)
    assert re.search(r'<input type="number" name="retention__dosis" value="90"', page)
    assert 'type="checkbox" name="components" value="betalingen"' in page
    assert "Betalingen (niet besteld)" in _text(page)
    assert "Gestructureerde mededeling (OGM/VCS)" in page  # the categories of a component not ordered yet


def test_editing_through_the_grid_makes_a_version_whose_history_shows_the_diff(operator_client, operator, agency):
    url = f"{CHANGELIST}{agency.order_id}/change/"
    data = form_fields(operator_client.get(url).content.decode())
    data["categories__dosis"] = [c for c in data["categories__dosis"] if c != "dossier_id"]
    data["retention__dosis"] = ["30"]
    data["components"] = [*data["components"], "betalingen"]
    data["change_note"] = ["Dossier-ID niet meer nodig; betalingen erbij"]

    response = operator_client.post(url, data)

    assert response.status_code == 302, response.content
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    current = order.current
    assert current.number == 2
    assert "dossier_id" not in current.data_categories["dosis"]
    assert current.retention_days["dosis"] == 30
    assert current.components == ["dosis", "notificaties", "betalingen"]
    assert current.data_categories["betalingen"] == list(CATEGORIES["betalingen"])  # pre-ticked: all of Bijlage 1
    assert current.retention_days["betalingen"] == 365 * 7
    text = _text(operator_client.get(url).content.decode())
    assert "DOSIS (dossieropvolging): categorie verwijderd: Dossier-ID" in text
    assert "DOSIS (dossieropvolging): bewaartermijn 90 → 30 dagen" in text
    assert "Component toegevoegd: Betalingen" in text
    assert "Dossier-ID niet meer nodig; betalingen erbij" in text
    assert operator.user.get_username() in text and f"staff:{operator.user.pk}" not in text


def test_an_ordered_component_without_any_category_is_refused_next_to_its_field(operator_client, agency):
    url = f"{CHANGELIST}{agency.order_id}/change/"
    data = form_fields(operator_client.get(url).content.decode())
    data.pop("categories__notificaties")
    data["change_note"] = ["Alles weg"]

    response = operator_client.post(url, data)

    assert response.status_code == 200
    assert "Kies minstens één gegevenscategorie voor Notificaties" in response.content.decode()
    assert ProcessingOrder.objects.get(pk=agency.order_id).versions.count() == 1


def test_a_negative_retention_is_refused(operator_client, agency):
    url = f"{CHANGELIST}{agency.order_id}/change/"
    data = form_fields(operator_client.get(url).content.decode())
    data["retention__dosis"] = ["-5"]
    data["change_note"] = ["Negatief"]

    assert operator_client.post(url, data).status_code == 200
    assert ProcessingOrder.objects.get(pk=agency.order_id).versions.count() == 1


def test_the_history_is_collapsed_and_paginated(operator_client, agency):
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    for n in range(1, 13):
        processing_order_change(order=order, actor=TEST_ACTOR, note=f"Wijziging {n}", dpia_reference=f"GEB-{n}")

    first = operator_client.get(f"{CHANGELIST}{order.pk}/change/").content.decode()
    second = operator_client.get(f"{CHANGELIST}{order.pk}/change/", {"versies": "2"}).content.decode()
    history = operator_client.get(f"{CHANGELIST}{order.pk}/history/", {"versies": "2"}).content.decode()

    assert '<details class="module order-history-module" id="historiek">' in first  # collapsed
    assert "Wijziging 12" in first and "Wijziging 3" in first and "Wijziging 2" not in first
    assert "Versies 1–10 van 13" in _text(first) and "?versies=2#historiek" in first
    assert "Wijziging 2" in second and "Wijziging 12" not in second and "Aangemaakt (actief)" in _text(second)
    assert "Wijziging 1 " in _text(history) and "Wijziging 12" not in history
