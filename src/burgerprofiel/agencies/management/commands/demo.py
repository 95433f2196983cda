from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.agencies.models import Agency
from burgerprofiel.agencies.services import agency_onboard, contact_person_add
from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.conf.env import VAR_DIR

DEMO_KBO = "0316380841"  # Agentschap Digitaal Vlaanderen, from the charter's letterhead
# Test national numbers (valid checksums, not real people).
DEMO_DOSIS_SOURCE = "https://demo.burgerprofiel.example/dosis/omgevingsloket"
DEMO_CITIZENS = ["85073003328", "90022742191", "01010100126"]


class Command(BaseCommand):
    help = "Seed a demo agency and demo citizens (development only). Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("seed")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demogegevens horen niet in productie.")
        credentials_file = VAR_DIR / "demo-agency.json"
        agency = Agency.objects.filter(kbo=DEMO_KBO).first()
        if agency is None:
            actor = cli_actor("demo")
            result = agency_onboard(
                name="Demo-agentschap Digitaal Vlaanderen",
                kbo=DEMO_KBO,
                components=["uw_gegevens", "attesten", "dosis", "notificaties", "contactvoorkeuren"],
                dpo_name="Functionaris voor gegevensbescherming",
                dpo_email="dpo@demo.burgerprofiel.example",
                street="Havenlaan 88",
                postcode="1000",
                municipality="Brussel",
                legal_basis="Demo: art. 6.1.e AVG",
                actor=actor,
            )
            contact_person_add(
                agency=result.agency,
                name="Demo Contactpersoon",
                email="contact@demo.burgerprofiel.example",
                role="Gemachtigde (charter 3.3)",
                actor=actor,
            )
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            credentials_file.write_text(json.dumps(result.as_json(), indent=2))
            credentials_file.chmod(0o600)
        from burgerprofiel.dossiers.services import dosis_source_register

        agency = Agency.objects.get(kbo=DEMO_KBO)
        dosis_source_register(agency=agency, uri=DEMO_DOSIS_SOURCE, actor=cli_actor("demo"))
        for insz in DEMO_CITIZENS:
            citizen_get_or_create(insz=insz)
        self.stdout.write(
            json.dumps({"demo_agency_credentials": str(credentials_file), "demo_citizens": len(DEMO_CITIZENS)})
        )
