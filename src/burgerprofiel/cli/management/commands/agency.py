from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from burgerprofiel.agencies.models import Agency, ProcessingOrder
from burgerprofiel.agencies.selectors import agency_get
from burgerprofiel.agencies.services import (
    ORDER_TRANSITIONS,
    agency_onboard,
    contact_person_add,
    processing_order_transition,
)
from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.cli.management.commands.agency_offboard import offboard_arguments, offboard_handle
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.dossiers.services import dosis_source_register


def _agency_json(agency: Agency) -> dict[str, Any]:
    orders = []
    for order in sorted(agency.processing_orders.all(), key=lambda o: o.pk):
        versions = sorted(order.versions.all(), key=lambda v: v.number)
        current = versions[-1] if versions else None
        orders.append(
            {
                "processing_order_id": order.pk,
                "state": current.state if current else None,
                "state_label": current.get_state_display() if current else "zonder versie",
                "version": current.number if current else None,
                "components": list(current.components) if current else [],
                "valid_from": current.valid_from.isoformat() if current and current.valid_from else None,
                "valid_until": current.valid_until.isoformat() if current and current.valid_until else None,
            }
        )
    return {"agency_id": agency.pk, "name": agency.name, "kbo": agency.kbo_display, "orders": orders}


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"'{value}' is geen datum (JJJJ-MM-DD)") from exc


class Command(BaseCommand):
    help = (
        "Instanties: onboarden, tonen, gemachtigde contactpersonen registreren, een verwerkingsopdracht "
        "activeren, opschorten, hervatten of beëindigen."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="opdrachten", metavar="OPDRACHT")
        onboard = sub.add_parser(
            "onboard",
            help="Instantie + API-client + actieve verwerkingsopdracht; drukt JSON af (het geheim één keer).",
        )
        onboard.add_argument("--name", required=True, help="Naam van de instantie.")
        onboard.add_argument("--kbo", required=True, help="KBO-nummer (tien cijfers).")
        onboard.add_argument("--components", required=True, help="Komma-gescheiden, bv. dosis,notificaties")
        onboard.add_argument("--valid-from", type=_date, help="Geldig vanaf (JJJJ-MM-DD).")
        onboard.add_argument("--valid-until", type=_date, help="Geldig tot en met (JJJJ-MM-DD).")
        onboard.add_argument("--jwks", type=Path, help="Bestand met de publieke JWKS van de client (private_key_jwt).")
        onboard.add_argument("--dpo-name", default="", help="Naam van de functionaris voor gegevensbescherming.")
        onboard.add_argument("--dpo-email", default="", help="E-mailadres van de DPO.")
        onboard.add_argument("--legal-basis", default="", help="Rechtsgrond van de verwerking.")
        onboard.add_argument("--dpia-reference", default="", help="GEB/DPIA-referentie.")
        onboard.add_argument(
            "--dosis-source",
            action="append",
            default=[],
            metavar="URI",
            help="Een DOSIS-Bron van de instantie (herhaalbaar).",
        )
        listing = sub.add_parser("list", help="Alle instanties met hun verwerkingsopdrachten.")
        listing.add_argument("--json", action="store_true", help="Als JSON in plaats van een tabel.")
        show = sub.add_parser("show", help="Eén instantie en haar verwerkingsopdrachten.")
        show.add_argument("--agency", type=int, required=True, help="agency_id")
        show.add_argument("--json", action="store_true", help="Als JSON in plaats van een tabel.")
        contact = sub.add_parser(
            "contact",
            help="Registreer een persoon die het platform namens de instantie instructies mag geven (charter 3.3).",
        )
        contact.add_argument("--agency", type=int, required=True, help="agency_id")
        contact.add_argument("--name", required=True, help="Naam.")
        contact.add_argument("--email", required=True, help="E-mailadres.")
        contact.add_argument("--role", required=True, help="Rol bij de instantie.")
        contact.add_argument("--phone", default="", help="Telefoonnummer.")
        contact.add_argument("--authorised-from", type=_date, help="Standaard: vandaag.")
        contact.add_argument("--authorised-until", type=_date, help="Standaard: tot intrekking.")
        source = sub.add_parser("source", help="Ophaalbronnen van een instantie (Uw gegevens, attesten).")
        source.add_argument(
            "source_args", nargs=argparse.REMAINDER, help="bv. add --agency ID --component uw_gegevens --url URL"
        )
        offboard = sub.add_parser(
            "offboard", help="Einde opdracht: gegevens terugbezorgen of verwijderen (charter 12.2), met attest."
        )
        offboard_arguments(offboard)
        hold = sub.add_parser("hold", help="Juridische bewaarplicht op een record: add, list, release-due.")
        hold.add_argument("hold_args", nargs=argparse.REMAINDER, help="bv. add --agency ID --model payments.Payment …")
        # One subcommand per transition of the order's state machine (agencies.services.ORDER_TRANSITIONS).
        for name, transition in ORDER_TRANSITIONS.items():
            p = sub.add_parser(name, help=f"Een verwerkingsopdracht wordt {transition.label} (een nieuwe versie).")
            p.add_argument("--order", type=int, required=True, help="processing_order_id")
            if transition.needs_reason:
                p.add_argument("--reason", required=True, help="Reden (charter 2.3), komt in de historiek.")
            if name == "terminate":
                p.add_argument(
                    "--yes",
                    action="store_true",
                    help="Niet om bevestiging vragen (anders: typ de naam van de instantie).",
                )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "source":
            call_command("agency_source", *options["source_args"], stdout=self.stdout, stderr=self.stderr)
            return
        if action == "hold":
            call_command("agency_hold", *options["hold_args"], stdout=self.stdout, stderr=self.stderr)
            return
        if action == "offboard":
            offboard_handle(self, options)
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
            if action in ("list", "show"):
                self._list(agency_id=options.get("agency"), as_json=options["json"])
                return
            order = ProcessingOrder.objects.select_related("agency").filter(pk=options["order"]).first()
            if order is None:
                raise CommandError(f"Verwerkingsopdracht {options['order']} bestaat niet")
            if action == "terminate" and not options["yes"]:
                self._confirm_terminate(order)
            version = processing_order_transition(
                order=order, verb=action, actor=actor, reason=options.get("reason") or ""
            )
            self.stdout.write(
                json.dumps({"processing_order_id": order.pk, "version": version.number, "state": version.state})
            )
        except ApplicationError as error:
            raise CommandError(error.detail) from error

    def _confirm_terminate(self, order: ProcessingOrder) -> None:
        name = order.agency.name
        self.stdout.write(
            f"{order} wordt beëindigd: de instantie kan er niets meer mee verwerken, en dat is definitief "
            "(een latere overeenkomst is een nieuwe opdracht).\n"
            f"Typ de naam van de instantie ({name}) om te bevestigen: ",
            ending="",
        )
        self.stdout.flush()
        try:
            answer = input()
        except EOFError:
            answer = ""
        if answer.strip() != name:
            raise CommandError("Niet bevestigd: de verwerkingsopdracht is niet beëindigd (of geef --yes).")

    def _list(self, *, agency_id: int | None, as_json: bool) -> None:
        agencies = Agency.objects.order_by("name").prefetch_related("processing_orders__versions")
        if agency_id is not None:
            agencies = agencies.filter(pk=agency_id)
            if not agencies.exists():
                raise CommandError(f"Instantie {agency_id} bestaat niet")
        rows = [_agency_json(agency) for agency in agencies]
        if as_json:
            self.stdout.write(json.dumps(rows if agency_id is None else rows[0], ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("Geen instanties.")
            return
        for row in rows:
            self.stdout.write(f"Instantie {row['agency_id']}: {row['name']} (KBO {row['kbo']})")
            if not row["orders"]:
                self.stdout.write("  geen verwerkingsopdrachten")
                continue
            table = [["opdracht", "status", "versie", "componenten", "geldig vanaf", "geldig tot"]]
            table += [
                [
                    str(o["processing_order_id"]),
                    o["state_label"],
                    str(o["version"]),
                    ", ".join(o["components"]) or "-",
                    o["valid_from"] or "ondertekening",
                    o["valid_until"] or "onbepaald",
                ]
                for o in row["orders"]
            ]
            widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
            for r in table:
                self.stdout.write("  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())

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
