"""The holdings registry covers every model that holds an agency's data (charter 7, 12.2)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from burgerprofiel.compliance import holdings

ROOTS = {"agencies.Agency", "citizens.Citizen"}


def _reaches_agency_or_citizen(model: type[models.Model], seen: frozenset[str] = frozenset()) -> bool:
    label = model._meta.label
    if label in ROOTS:
        return True
    if label in seen:
        return False
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is not None:
            target = field.related_model
            if isinstance(target, type) and _reaches_agency_or_citizen(target, seen | {label}):
                return True
    return False


def test_every_model_with_agency_or_citizen_data_is_registered_or_declared() -> None:
    forgotten = [
        model._meta.label
        for model in apps.get_models()
        if _reaches_agency_or_citizen(model)
        and holdings.holding_for(model._meta.label) is None
        and not holdings.declared_not_agency_data(model._meta.label)
    ]
    assert forgotten == [], (
        "These models point to an agency or a citizen but are not in the holdings registry "
        f"(burgerprofiel.compliance.holdings): register them, or declare them not agency data: {forgotten}"
    )


def test_the_walk_would_catch_a_new_model() -> None:
    """The check above is not vacuous: a registered model's chain is found, and an unregistered one fails."""
    assert _reaches_agency_or_citizen(apps.get_model("dossiers.DossierOwner"))  # via dossier -> agency
    assert _reaches_agency_or_citizen(apps.get_model("payments.Refund"))  # via payment -> agency
    assert not _reaches_agency_or_citizen(apps.get_model("crypto.SigningKey"))
    assert holdings.holding_for("crypto.SigningKey") is None


def test_nothing_is_both_registered_and_declared_and_every_label_exists() -> None:
    for holding in holdings.holdings():
        assert holding.model is not None
        assert not holdings.declared_not_agency_data(holding.label), holding.label
        assert (holding.citizen is None) == bool(holding.no_citizen_reason), holding.label
    for label in holdings.NOT_AGENCY_DATA:
        assert apps.get_model(label) is not None


def test_delete_order_puts_children_before_what_they_point_to() -> None:
    order = {h.label: h.delete_order for h in holdings.holdings()}
    for holding in holdings.holdings():
        for field in holding.model._meta.concrete_fields:
            if not field.is_relation or field.related_model is None:
                continue
            target = field.related_model._meta.label
            if target in order and target != holding.label:
                assert order[holding.label] < order[target], f"{holding.label} must be deleted before {target}"


@pytest.mark.django_db
def test_every_selector_is_a_valid_query() -> None:
    for holding in holdings.holdings():
        assert holding.rows_of_agency(1).count() == 0
        assert holding.rows_of_citizen(1, "x" * 64).count() == 0
