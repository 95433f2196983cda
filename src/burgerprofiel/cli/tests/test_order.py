"""``burgerprofiel order show``: the order in force and its history, as the back-office shows them."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.agencies.services import processing_order_change, processing_order_suspend
from burgerprofiel.audit.actors import staff_actor
from burgerprofiel.backoffice.tests.conftest import make_staff

pytestmark = pytest.mark.django_db


def _show(*args: str) -> str:
    out = io.StringIO()
    call_command("order", "show", *args, stdout=out)
    return out.getvalue()


def test_order_show_prints_the_version_in_force_and_what_each_version_changed(agency):
    operator = make_staff("operator", "olivia.operator")
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    current = order.current
    processing_order_change(
        order=order,
        actor=staff_actor(operator.user),
        note="Dossier-ID niet meer nodig",
        data_categories={
            **current.data_categories,
            "dosis": [c for c in current.data_categories["dosis"] if c != "dossier_id"],
        },
        retention_days={**current.retention_days, "dosis": 30},
    )
    call_command("agency", "suspend", "--order", str(order.pk), "--reason", "Onderzoek", stdout=io.StringIO())

    text = _show("--order", str(order.pk))
    data = json.loads(_show("--order", str(order.pk), "--json"))

    assert "status: opgeschort: Onderzoek (versie 3)" in text
    assert "DOSIS (dossieropvolging) (dosis), bewaartermijn 30 dagen" in text
    dosis_text = text.split("(dosis)")[1].split("(notificaties)")[0]
    assert "- Unieke sleutel van de persoon (INSZ) of organisatie" in dosis_text and "- Dossier-ID" not in dosis_text
    assert "door olivia.operator" in text and f"staff:{operator.user.pk}" not in text
    assert "DOSIS (dossieropvolging): categorie verwijderd: Dossier-ID" in text
    assert "DOSIS (dossieropvolging): bewaartermijn 90 → 30 dagen" in text
    assert "Status: actief → opgeschort (reden: Onderzoek)" in text
    assert (data["state"], data["version"], data["agency_id"]) == ("suspended", 3, agency.agency_id)
    assert [h["version"] for h in data["history"]] == [3, 2, 1]
    assert data["history"][1]["author"] == "olivia.operator"
    assert data["history"][0]["author"].startswith("opdrachtregel (agency:")
    dosis = next(c for c in data["components"] if c["component"] == "dosis")
    assert dosis["retention_days"] == 30 and "dossier_id" not in dosis["data_categories"]


def test_order_show_refuses_an_unknown_order(db):
    with pytest.raises(CommandError, match="Verwerkingsopdracht 4242 bestaat niet"):
        _show("--order", "4242")


def test_a_suspension_made_in_a_service_shows_too(agency):
    processing_order_suspend(
        order=ProcessingOrder.objects.get(pk=agency.order_id),
        reason="Datalek",
        actor=staff_actor(make_staff("operator", "olivia.operator").user),
    )
    assert "Status: actief → opgeschort (reden: Datalek)" in _show("--order", str(agency.order_id))
