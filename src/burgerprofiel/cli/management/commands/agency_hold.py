"""``burgerprofiel agency hold add|list|release-due``: legal holds (charter 12.2, last sentence)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.compliance.offboarding.models import LegalHold
from burgerprofiel.compliance.offboarding.services import legal_hold_place, legal_holds_release_due


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"'{value}' is geen datum (JJJJ-MM-DD)") from exc


class Command(BaseCommand):
    help = "Juridische bewaarplichten: een record van een instantie bewaren na het einde van de opdracht."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="opdrachten", metavar="OPDRACHT")
        add = sub.add_parser("add", help="Een record bewaren, met reden en einddatum.")
        add.add_argument("--agency", type=int, required=True)
        add.add_argument("--model", required=True, help="bv. payments.Payment (zie het holdings-register)")
        add.add_argument("--id", required=True, dest="object_id")
        add.add_argument("--reason", required=True, help="Wettelijke grondslag.")
        add.add_argument("--until", type=_date, required=True, help="Bewaren tot en met (JJJJ-MM-DD).")
        listing = sub.add_parser("list", help="De bewaarplichten van een instantie.")
        listing.add_argument("--agency", type=int, required=True)
        sub.add_parser("release-due", help="Afgelopen bewaarplichten beëindigen en hun records wissen.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        actor = cli_actor("agency hold")
        try:
            if action == "add":
                agency = Agency.objects.filter(pk=options["agency"]).first()
                if agency is None:
                    raise CommandError(f"Instantie {options['agency']} bestaat niet")
                hold = legal_hold_place(
                    agency=agency,
                    model=options["model"],
                    object_id=options["object_id"],
                    reason=options["reason"],
                    until=options["until"],
                    actor=actor,
                )
                self.stdout.write(json.dumps({"legal_hold_id": hold.pk, "until": hold.until.isoformat()}))
            elif action == "list":
                rows = LegalHold.objects.filter(agency_id=options["agency"]).order_by("until")
                self.stdout.write(
                    json.dumps(
                        [
                            {
                                "legal_hold_id": h.pk,
                                "model": h.model,
                                "object_id": h.object_id,
                                "reason": h.reason,
                                "until": h.until.isoformat(),
                                "released": h.released_at is not None,
                            }
                            for h in rows
                        ]
                    )
                )
            else:
                self.stdout.write(json.dumps({"released": legal_holds_release_due(actor=actor)}))
        except ApplicationError as error:
            raise CommandError(error.detail) from error
