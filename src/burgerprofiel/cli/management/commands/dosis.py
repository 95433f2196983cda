"""``burgerprofiel dosis``: DOSIS sources (``Bron``) and the retention purge, without clicking."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.agencies.selectors import agency_get
from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.dossiers.selectors import dosis_sources_for_agency
from burgerprofiel.dossiers.services import dosis_source_register, dossiers_purge_expired


class Command(BaseCommand):
    help = (
        "DOSIS: bronnen (Bron-URI's) van een instantie registreren en oplijsten; afgesloten dossiers na de "
        "bewaartermijn wissen."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        source = sub.add_parser("source", help="DOSIS-bronnen van een instantie")
        source_sub = source.add_subparsers(dest="source_action", required=True)
        add = source_sub.add_parser("add", help="Registreer een Bron-URI voor een instantie")
        add.add_argument("--agency", type=int, required=True, help="agency_id")
        add.add_argument("--uri", required=True, help="De Bron-URI.")
        listing = source_sub.add_parser("list", help="Toon de Bron-URI's van een instantie")
        listing.add_argument("--agency", type=int, required=True, help="agency_id")
        sub.add_parser("purge", help="Wis afgesloten dossiers voorbij de DOSIS-bewaartermijn van hun opdracht")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "purge":
                self.stdout.write(json.dumps({"purged": dossiers_purge_expired()}))
            elif options["source_action"] == "add":
                agency = agency_get(agency_id=options["agency"])
                source = dosis_source_register(agency=agency, uri=options["uri"], actor=cli_actor("dosis"))
                self.stdout.write(json.dumps({"source_id": source.pk, "uri": source.uri, "agency_id": agency.pk}))
            else:
                uris = [s.uri for s in dosis_sources_for_agency(agency_id=options["agency"])]
                self.stdout.write(json.dumps(uris))
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
