from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.agencies.selectors import agency_get
from burgerprofiel.agencies.services import (
    ORDER_TRANSITIONS,
    agency_onboard,
    contact_person_add,
    processing_order_transition,
)
from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.dossiers.services import dosis_source_register


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"'{value}' is geen datum (JJJJ-MM-DD)") from exc


class Command(BaseCommand):
    help = (
        "Agencies: onboard one, register its authorised contact persons, activate/suspend/resume/terminate its order."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        onboard = sub.add_parser("onboard", help="Agency + API client + active order; prints JSON (secret shown once).")
        onboard.add_argument("--name", required=True)
        onboard.add_argument("--kbo", required=True)
        onboard.add_argument("--components", required=True, help="Comma-separated, e.g. dosis,notificaties")
        onboard.add_argument("--valid-from", type=_date)
        onboard.add_argument("--valid-until", type=_date)
        onboard.add_argument("--jwks", type=Path, help="File with the client's public JWKS (private_key_jwt).")
        onboard.add_argument("--dpo-name", default="")
        onboard.add_argument("--dpo-email", default="")
        onboard.add_argument("--legal-basis", default="")
        onboard.add_argument("--dpia-reference", default="")
        onboard.add_argument(
            "--dosis-source",
            action="append",
            default=[],
            metavar="URI",
            help="A DOSIS Bron of the agency (repeatable).",
        )
        contact = sub.add_parser(
            "contact", help="Register a person authorised to instruct the platform for the agency (charter 3.3)."
        )
        contact.add_argument("--agency", type=int, required=True, help="agency_id")
        contact.add_argument("--name", required=True)
        contact.add_argument("--email", required=True)
        contact.add_argument("--role", required=True)
        contact.add_argument("--phone", default="")
        contact.add_argument("--authorised-from", type=_date, help="Default: today.")
        contact.add_argument("--authorised-until", type=_date, help="Default: until withdrawn.")
        source = sub.add_parser("source", help="Pull sources of an agency (Uw gegevens, attesten).")
        source.add_argument(
            "source_args", nargs=argparse.REMAINDER, help="e.g. add --agency ID --component uw_gegevens --url URL"
        )
        # One subcommand per transition of the order's state machine (agencies.services.ORDER_TRANSITIONS).
        for name, transition in ORDER_TRANSITIONS.items():
            p = sub.add_parser(name, help=f"{name.capitalize()} a processing order (a new version).")
            p.add_argument("--order", type=int, required=True, help="processing_order_id")
            if transition.needs_reason:
                p.add_argument("--reason", required=True)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "source":
            call_command("agency_source", *options["source_args"], stdout=self.stdout, stderr=self.stderr)
            return
        actor = cli_actor("agency")
        try:
            if action == "onboard":
                jwks = None
                if options["jwks"]:
                    try:
                        jwks = json.loads(options["jwks"].read_text())
                    except (OSError, ValueError) as exc:
                        raise CommandError(f"JWKS-bestand onleesbaar: {exc}") from exc
                with transaction.atomic():
                    result = self._onboard(options, jwks, actor)
                self.stdout.write(json.dumps(result.as_json()))
                return
            if action == "contact":
                self.stdout.write(json.dumps(self._contact(options, actor)))
                return
            order = ProcessingOrder.objects.filter(pk=options["order"]).first()
            if order is None:
                raise CommandError(f"Verwerkingsopdracht {options['order']} bestaat niet")
            version = processing_order_transition(
                order=order, verb=action, actor=actor, reason=options.get("reason") or ""
            )
            self.stdout.write(
                json.dumps({"processing_order_id": order.pk, "version": version.number, "state": version.state})
            )
        except ApplicationError as error:
            raise CommandError(error.detail) from error

    def _contact(self, options: dict[str, Any], actor: Any) -> dict[str, Any]:
        person = contact_person_add(
            agency=agency_get(agency_id=options["agency"]),
            name=options["name"],
            email=options["email"],
            role=options["role"],
            phone=options["phone"],
            authorised_from=options["authorised_from"],
            authorised_until=options["authorised_until"],
            actor=actor,
        )
        until = person.authorised_until
        return {
            "contact_person_id": person.pk,
            "authorised_from": person.authorised_from.isoformat(),
            "authorised_until": until.isoformat() if until else None,
        }

    def _onboard(self, options: dict[str, Any], jwks: dict[str, Any] | None, actor: Any) -> Any:
        result = agency_onboard(
            name=options["name"],
            kbo=options["kbo"],
            components=[c.strip() for c in options["components"].split(",") if c.strip()],
            valid_from=options["valid_from"],
            valid_until=options["valid_until"],
            jwks=jwks,
            dpo_name=options["dpo_name"],
            dpo_email=options["dpo_email"],
            legal_basis=options["legal_basis"],
            dpia_reference=options["dpia_reference"],
            actor=actor,
        )
        for uri in options["dosis_source"]:
            dosis_source_register(agency=result.agency, uri=uri, actor=actor)
        return result
