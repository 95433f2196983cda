"""``burgerprofiel agency_source add``: register a pull source (DESIGN automation contract).

The contract names it ``burgerprofiel agency source add``; until ``agency`` dispatches its
``source`` subcommand here, this command carries the same arguments.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.compliance.subprocessors.services import pull_source_register


class Command(BaseCommand):
    help = "Ophaalbronnen van instanties: een bron registreren (uw_gegevens of attesten)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="opdrachten", metavar="OPDRACHT")
        add = sub.add_parser("add", help="Registreer een ophaalbron; drukt JSON af {source_id, ...}.")
        add.add_argument("--agency", type=int, required=True, help="agency_id")
        add.add_argument("--component", required=True, choices=["uw_gegevens", "attesten"], help="Component.")
        add.add_argument("--url", required=True, help="URL van de bron (https).")
        add.add_argument("--theme", default="", help="Thema (optioneel).")
        add.add_argument("--timeout", type=float, default=None, help="Seconden (standaard 2).")
        add.add_argument("--loket", default="", help="Het eigen loket van de instantie voor dit thema.")
        add.add_argument(
            "--country",
            default="BE",
            help="Waar de bron gehost wordt (ISO 3166-1 alpha-2; standaard BE). Buiten de EER enkel als de "
            "verwerkingsopdracht van de instantie die doorgifte toelaat (charter 10).",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            source = pull_source_register(
                agency_id=options["agency"],
                country=options["country"],
                component=options["component"],
                url=options["url"],
                theme=options["theme"],
                timeout_seconds=options["timeout"],
                loket_url=options["loket"],
                actor=cli_actor("agency-source"),
            )
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(
            json.dumps(
                {
                    "source_id": source.pk,
                    "agency_id": source.agency_id,
                    "component": source.component,
                    "theme": source.theme,
                    "url": source.url,
                    "timeout_seconds": source.timeout_seconds,
                }
            )
        )
