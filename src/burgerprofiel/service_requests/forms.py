"""Forms as JSON Schema (draft 2020-12): what an agency may publish, how the portal renders it, and
how a submission is read and validated (server side, with ``jsonschema``) into messages a citizen
understands, in Dutch or English, each tied to its field.

The portal renders a flat form: an object whose properties are strings (optionally ``format``
``date`` or ``email``, ``enum``, ``minLength``, ``maxLength``, ``pattern``), integers and numbers
(``minimum``, ``maximum``) or booleans; ``title`` is the label and ``description`` the hint. A schema
that needs more than that is refused when it is published, so every published form can be shown
and filled in without JavaScript. The citizen's name and INSZ are not part of the schema: the
platform adds them from the login, and they cannot be edited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError as SchemaValidationError

NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
MAX_PROPERTIES = 50
TYPES = {"string", "integer", "number", "boolean"}
KEYWORDS: dict[str, set[str]] = {
    "string": {"type", "title", "description", "enum", "format", "minLength", "maxLength", "pattern", "default"},
    "integer": {"type", "title", "description", "minimum", "maximum", "default"},
    "number": {"type", "title", "description", "minimum", "maximum", "default"},
    "boolean": {"type", "title", "description", "default", "const"},
}
FORMATS = {"date", "email"}
TOP_KEYWORDS = {"$schema", "$id", "type", "title", "description", "properties", "required", "additionalProperties"}
RADIO_MAX = 5  # up to this many choices show as radio buttons, more as a list box
TEXTAREA_FROM = 201  # a maxLength above this gets a multi-line field


def schema_problems(schema: Any) -> list[str]:
    """Why this schema cannot be published (empty when it can), in Dutch for the agency."""
    if not isinstance(schema, dict):
        return ["Het formulier is een JSON Schema-object."]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return [f"Geen geldig JSON Schema (2020-12): {exc.message}"]
    problems = []
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        return ['Het formulier is een object: "type": "object" met "properties".']
    extra = sorted(set(schema) - TOP_KEYWORDS)
    if extra:
        problems.append(f"Niet ondersteund op het hoogste niveau: {', '.join(extra)}.")
    properties: dict[str, Any] = schema["properties"]
    if not properties or len(properties) > MAX_PROPERTIES:
        problems.append(f"Een formulier heeft 1 tot {MAX_PROPERTIES} velden.")
    for name, prop in properties.items():
        if not NAME.match(name):
            problems.append(f"Veldnaam '{name}': kleine letters, cijfers en _, beginnend met een letter.")
            continue
        if not isinstance(prop, dict) or prop.get("type") not in TYPES:
            problems.append(f"Veld '{name}': type is string, integer, number of boolean.")
            continue
        unsupported = sorted(set(prop) - KEYWORDS[prop["type"]])
        if unsupported:
            problems.append(f"Veld '{name}': niet ondersteund: {', '.join(unsupported)}.")
        if not isinstance(prop.get("title", ""), str) or not prop.get("title"):
            problems.append(f"Veld '{name}': een title (het label) is verplicht.")
        if "format" in prop and prop["format"] not in FORMATS:
            problems.append(f"Veld '{name}': format is date of email.")
        if "enum" in prop and not all(isinstance(v, str) and v for v in prop["enum"]):
            problems.append(f"Veld '{name}': enum bevat niet-lege teksten.")
        if "pattern" in prop:
            try:
                re.compile(str(prop["pattern"]))
            except re.error:
                problems.append(f"Veld '{name}': pattern is geen geldige reguliere expressie.")
    unknown = [r for r in schema.get("required", []) if r not in properties]
    if unknown:
        problems.append(f"Verplichte velden die niet bestaan: {', '.join(unknown)}.")
    return problems


@dataclass
class FormField:
    name: str
    label: str
    hint: str
    kind: str  # text | textarea | date | email | number | checkbox | radio | select
    required: bool
    value: Any = ""
    choices: list[str] = field(default_factory=list)
    error: str = ""
    max_length: int | None = None

    @property
    def dom_id(self) -> str:
        return f"veld-{self.name}"


def _kind(prop: dict[str, Any]) -> str:
    kind = prop["type"]
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    if "enum" in prop:
        return "radio" if len(prop["enum"]) <= RADIO_MAX else "select"
    if prop.get("format") in FORMATS:
        return str(prop["format"])
    return "textarea" if prop.get("maxLength", 0) >= TEXTAREA_FROM else "text"


def form_fields(
    schema: dict[str, Any], values: dict[str, Any] | None = None, errors: dict[str, str] | None = None
) -> list[FormField]:
    required = set(schema.get("required", []))
    values, errors = values or {}, errors or {}
    fields = []
    for name, prop in schema["properties"].items():
        value = values.get(name, prop.get("default", ""))
        fields.append(
            FormField(
                name=name,
                label=prop.get("title", name),
                hint=prop.get("description", ""),
                kind=_kind(prop),
                required=name in required,
                value="" if value is None else value,
                choices=list(prop.get("enum", [])),
                error=errors.get(name, ""),
                max_length=prop.get("maxLength"),
            )
        )
    return fields


INTEGER = re.compile(r"^[+-]?\d{1,15}$")
NUMBER = re.compile(r"^[+-]?\d{1,15}([.,]\d{1,10})?$")


def answers_from_form(schema: dict[str, Any], data: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers as JSON values (what the agency receives) and the raw text typed (to show back).

    An empty field is left out, so that ``required`` speaks for it; a number that does not read as
    one is kept as text, so that ``type`` does."""
    answers: dict[str, Any] = {}
    raw: dict[str, str] = {}
    for name, prop in schema["properties"].items():
        kind = prop["type"]
        if kind == "boolean":
            answers[name] = data.get(name) == "ja"
            raw[name] = "ja" if answers[name] else ""
            continue
        text = str(data.get(name, "")).strip()
        raw[name] = text
        if not text:
            continue
        if kind == "integer" and INTEGER.match(text):
            answers[name] = int(text)
        elif kind == "number" and NUMBER.match(text):
            number = float(text.replace(",", "."))
            answers[name] = int(number) if number.is_integer() else number
        else:
            answers[name] = text
    return answers, raw


MESSAGES: dict[str, dict[str, str]] = {
    "nl": {
        "required": "Vul '{label}' in.",
        "required_choice": "Kies een antwoord bij '{label}'.",
        "integer": "'{label}' moet een geheel getal zijn, bijvoorbeeld 3.",
        "number": "'{label}' moet een getal zijn, bijvoorbeeld 12,5.",
        "minLength": "'{label}' moet minstens {limit} tekens lang zijn.",
        "maxLength": "'{label}' mag hoogstens {limit} tekens lang zijn.",
        "pattern": "'{label}' heeft niet de juiste vorm.",
        "enum": "Kies een van de mogelijkheden bij '{label}'.",
        "minimum": "'{label}' moet minstens {limit} zijn.",
        "maximum": "'{label}' mag hoogstens {limit} zijn.",
        "date": "'{label}' moet een geldige datum zijn (dd/mm/jjjj).",
        "email": "'{label}' moet een geldig e-mailadres zijn, zoals naam@voorbeeld.be.",
        "const": "'{label}' moet aangevinkt zijn.",
        "other": "'{label}' is niet geldig.",
    },
    "en": {
        "required": "Enter '{label}'.",
        "required_choice": "Choose an answer for '{label}'.",
        "integer": "'{label}' must be a whole number, like 3.",
        "number": "'{label}' must be a number, like 12.5.",
        "minLength": "'{label}' must be at least {limit} characters long.",
        "maxLength": "'{label}' must be at most {limit} characters long.",
        "pattern": "'{label}' is not in the right format.",
        "enum": "Choose one of the options for '{label}'.",
        "minimum": "'{label}' must be at least {limit}.",
        "maximum": "'{label}' must be at most {limit}.",
        "date": "'{label}' must be a valid date (dd/mm/yyyy).",
        "email": "'{label}' must be a valid email address, like name@example.be.",
        "const": "'{label}' must be ticked.",
        "other": "'{label}' is not valid.",
    },
}


def _message(error: SchemaValidationError, schema: dict[str, Any], language: str) -> tuple[str, str]:
    texts = MESSAGES.get(language, MESSAGES["nl"])
    if error.validator == "required":
        name = str(error.message).split("'")[1]
    else:
        name = str(error.absolute_path[0]) if error.absolute_path else ""
    prop = schema["properties"].get(name, {})
    label = prop.get("title", name)
    key = str(error.validator)
    if key == "required":
        key = "required_choice" if ("enum" in prop or prop.get("type") == "boolean") else "required"
    elif key == "type":
        key = prop.get("type") if prop.get("type") in ("integer", "number") else "other"
    elif key == "format":
        key = prop.get("format", "other")
    elif key not in texts:
        key = "other"
    limit = error.validator_value if key in ("minLength", "maxLength", "minimum", "maximum") else ""
    if language == "nl" and isinstance(limit, float):
        limit = str(limit).replace(".", ",")
    return name, texts[key].format(label=label, limit=limit)


FORMAT_CHECKER = FormatChecker(formats=["date", "email"])


def answers_validate(schema: dict[str, Any], answers: dict[str, Any], language: str = "nl") -> dict[str, str]:
    """Field name → the first message about it (empty: valid), in ``language`` (nl or en)."""
    validator = Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(answers), key=lambda e: list(e.absolute_path)):
        name, message = _message(error, schema, language)
        errors.setdefault(name, message)
    return errors
