"""Forms as JSON Schema: what can be published, how answers are read, the messages in nl and en."""

from __future__ import annotations

import copy

import pytest

from burgerprofiel.service_requests.forms import answers_from_form, answers_validate, form_fields, schema_problems
from burgerprofiel.service_requests.tests.factories import FORM, GOOD


def test_the_example_form_can_be_published() -> None:
    assert schema_problems(FORM) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"type": "array"}, "Het formulier is een object"),
        ({"properties": {"a": {"type": "object", "title": "A"}}}, "type is string, integer, number of boolean"),
        ({"properties": {"Naam": {"type": "string", "title": "Naam"}}}, "Veldnaam 'Naam'"),
        ({"properties": {"a": {"type": "string"}}}, "een title (het label) is verplicht"),
        ({"properties": {"a": {"type": "string", "title": "A", "format": "uri"}}}, "format is date of email"),
        ({"properties": {"a": {"type": "string", "title": "A", "oneOf": []}}}, "Geen geldig JSON Schema"),
        ({"required": ["bestaat_niet"]}, "Verplichte velden die niet bestaan"),
        ({"allOf": [{}]}, "Niet ondersteund op het hoogste niveau: allOf"),
        ({"properties": {"a": {"type": "string", "title": "A", "pattern": "(("}}}, "is not a 'regex'"),
    ],
)
def test_a_form_the_portal_cannot_render_is_refused(change: dict[str, object], expected: str) -> None:
    schema = {**copy.deepcopy(FORM), **change}
    problems = schema_problems(schema)
    assert any(expected in p for p in problems), problems


def test_answers_are_read_as_json_values_and_empty_fields_are_left_out() -> None:
    answers, raw = answers_from_form(
        FORM, {"kind_naam": " Lotte ", "aantal_kinderen": "2", "geboortedatum": "", "akkoord": "ja"}
    )
    assert answers == {"kind_naam": "Lotte", "aantal_kinderen": 2, "akkoord": True}
    assert raw["kind_naam"] == "Lotte" and raw["geboortedatum"] == ""


def test_valid_answers_have_no_errors() -> None:
    assert answers_validate(FORM, GOOD) == {}


def test_each_broken_rule_gets_a_dutch_message_at_its_field() -> None:
    answers, _ = answers_from_form(
        FORM, {"kind_naam": "L", "geboortedatum": "2026-02-30", "aantal_kinderen": "twee", "email": "geen-adres"}
    )
    assert answers_validate(FORM, answers) == {
        "kind_naam": "'Naam van het kind' moet minstens 2 tekens lang zijn.",
        "geboortedatum": "'Geboortedatum van het kind' moet een geldige datum zijn (dd/mm/jjjj).",
        "aantal_kinderen": "'Aantal kinderen in het gezin' moet een geheel getal zijn, bijvoorbeeld 3.",
        "opvang": "Kies een antwoord bij 'Soort opvang'.",
        "email": "'E-mailadres voor vragen' moet een geldig e-mailadres zijn, zoals naam@voorbeeld.be.",
        "akkoord": "'Ik verklaar dit naar waarheid ingevuld te hebben' moet aangevinkt zijn.",
    }


def test_the_messages_are_in_english_for_an_english_page() -> None:
    errors = answers_validate(FORM, {**GOOD, "aantal_kinderen": 0, "opvang": "Oma"}, "en")
    assert errors == {
        "aantal_kinderen": "'Aantal kinderen in het gezin' must be at least 1.",
        "opvang": "Choose one of the options for 'Soort opvang'.",
    }


def test_fields_carry_label_hint_and_kind() -> None:
    fields = {f.name: f for f in form_fields(FORM)}
    assert (fields["aantal_kinderen"].kind, fields["aantal_kinderen"].hint) == (
        "number",
        "Tel het kind van deze aanvraag mee.",
    )
    assert fields["opvang"].kind == "radio" and fields["geboortedatum"].kind == "date"
    assert fields["akkoord"].kind == "checkbox" and not fields["email"].required
