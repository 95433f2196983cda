"""Factories for service-request tests: a form as an agency would publish it, a submitted request."""

from __future__ import annotations

from typing import Any

from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.service_requests.models import RequestableService, ServiceRequest
from burgerprofiel.service_requests.services import requestable_service_publish, service_request_submit
from burgerprofiel.service_requests.tests.conftest import AN

FORM: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "kind_naam": {"type": "string", "title": "Naam van het kind", "minLength": 2, "maxLength": 100},
        "geboortedatum": {"type": "string", "format": "date", "title": "Geboortedatum van het kind"},
        "aantal_kinderen": {
            "type": "integer",
            "title": "Aantal kinderen in het gezin",
            "description": "Tel het kind van deze aanvraag mee.",
            "minimum": 1,
            "maximum": 20,
        },
        "opvang": {"type": "string", "title": "Soort opvang", "enum": ["Kinderdagverblijf", "Onthaalouder"]},
        "email": {"type": "string", "format": "email", "title": "E-mailadres voor vragen"},
        "akkoord": {"type": "boolean", "title": "Ik verklaar dit naar waarheid ingevuld te hebben", "const": True},
    },
    "required": ["kind_naam", "geboortedatum", "aantal_kinderen", "opvang", "akkoord"],
    "additionalProperties": False,
}
GOOD = {
    "kind_naam": "Lotte Peeters",
    "geboortedatum": "2026-03-14",
    "aantal_kinderen": 2,
    "opvang": "Onthaalouder",
    "akkoord": True,
}


def make_service(agency_id: int, **overrides: Any) -> RequestableService:
    values: dict[str, Any] = {
        "ipdc_product": "1502",
        "title": "Startbedrag groeipakket",
        "description": "Vraag het startbedrag aan bij de geboorte van uw kind.",
        "form_schema": FORM,
        "min_acr": "app",
        "dossier_follows": True,
    }
    values.update(overrides)
    return requestable_service_publish(agency_id=agency_id, actor=TEST_ACTOR, **values)


def make_request(service: RequestableService, insz: str = AN, **answers: Any) -> ServiceRequest:
    return service_request_submit(
        citizen=citizen_get_or_create(insz=insz),
        service=service,
        answers={**GOOD, **answers},
        applicant_name="An Peeters",
    )
