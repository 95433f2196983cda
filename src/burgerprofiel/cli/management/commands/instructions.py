"""`burgerprofiel instructions`: an agency's instructions from the command line (charter 3.3, 3.4).

What the back-office does with them: list them, open one, flag one as contrary to law with the
reason (the agency is told at once: notice ``verwerker.instructie_onrechtmatig``, e-mail, webhook,
API). The same services, so the same audit events (``instruction.flagged_unlawful`` and the
notice's); reading is audited too (``instruction.listed``, per agency, one event per agency listed),
with the operator's OS user as actor. Registering stays with the API and the back-office, the two
channels an instruction can come in by.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.compliance.instructions.models import Instruction
from burgerprofiel.compliance.instructions.services import (
    instruction_flag_unlawful,
    instruction_read,
    instructions_read,
)

LIMIT = 100


def _moment(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _instruction_json(instruction: Instruction, agency_name: str) -> dict[str, Any]:
    return {
        "id": instruction.pk,
        "agency_id": instruction.agency_id,
        "agency": agency_name,
        "contact_id": instruction.contact_id,
        "contact_role": instruction.contact_role,
        "channel": instruction.channel,
        "subject": instruction.subject,
        "text": instruction.text,
        "received_at": _moment(instruction.received_at),
        "registered_by": instruction.registered_by,
        "flagged_unlawful_at": _moment(instruction.flagged_unlawful_at),
        "flagged_reason": instruction.flagged_reason,
        "flagged_by": instruction.flagged_by,
    }


class Command(BaseCommand):
    help = "Instructies van de gemachtigden van een instantie: tonen en melden als in strijd met de wet."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="opdrachten", metavar="OPDRACHT")
        listing = sub.add_parser("list", help="De instructies, de nieuwste eerst (per instantie in het auditlog).")
        listing.add_argument("--agency", type=int, help="Enkel die van deze instantie (id).")
        listing.add_argument("--limit", type=int, default=LIMIT, help=f"Hoeveel per instantie (standaard {LIMIT}).")
        listing.add_argument("--json", action="store_true", help="Als JSON in plaats van een tabel.")
        show = sub.add_parser("show", help="Eén instructie, met haar tekst.")
        show.add_argument("instruction_id", type=int)
        flag = sub.add_parser(
            "flag", help="Melden als in strijd met de wet (charter 3.4): de instantie krijgt meteen een kennisgeving."
        )
        flag.add_argument("instruction_id", type=int)
        flag.add_argument("--reason", required=True, help="Waarom de instructie in strijd is met de wet.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        actor = cli_actor("instructions")
        try:
            if action == "list":
                self._list(agency_id=options["agency"], limit=options["limit"], as_json=options["json"], actor=actor)
            elif action == "show":
                instruction = instruction_read(instruction_id=options["instruction_id"], actor=actor)
                shown = _instruction_json(instruction, instruction.agency.name)
                self.stdout.write(json.dumps(shown, indent=2, ensure_ascii=False))
            else:
                self._flag(instruction_id=options["instruction_id"], reason=options["reason"], actor=actor)
        except ApplicationError as error:
            raise CommandError(str(error.detail)) from error

    def _flag(self, *, instruction_id: int, reason: str, actor: Any) -> None:
        """As the back-office's flag page: the act and its notice, nothing read back (no texts shown)."""
        found = Instruction.objects.filter(pk=instruction_id).first()
        if found is None:
            raise CommandError(f"Instructie {instruction_id} bestaat niet")
        flagged = instruction_flag_unlawful(instruction=found, reason=reason, actor=actor)
        done = {
            "id": flagged.pk,
            "agency_id": flagged.agency_id,
            "flagged_unlawful_at": _moment(flagged.flagged_unlawful_at),
        }
        self.stdout.write(json.dumps({**done, "flagged_by": flagged.flagged_by, "notice": "instructie_onrechtmatig"}))

    def _list(self, *, agency_id: int | None, limit: int, as_json: bool, actor: Any) -> None:
        if agency_id is not None:
            if not Agency.objects.filter(pk=agency_id).exists():
                raise CommandError(f"Instantie {agency_id} bestaat niet")
            agency_ids = [agency_id]
        else:  # only agencies that have instructions: an empty listing reads nothing, so audits nothing
            agency_ids = list(Instruction.objects.order_by("agency_id").values_list("agency_id", flat=True).distinct())
        rows: list[Instruction] = []
        for pk in agency_ids:
            rows += instructions_read(agency_id=pk, actor=actor, limit=limit)
        rows.sort(key=lambda i: i.received_at, reverse=True)
        names = dict(Agency.objects.filter(pk__in=agency_ids).values_list("pk", "name"))
        if as_json:
            self.stdout.write(json.dumps([_instruction_json(i, names[i.agency_id]) for i in rows], ensure_ascii=False))
            return
        self.stdout.write(
            f"{'ID':>5}  {'ONTVANGEN':<16} {'INSTANTIE':<28} {'KANAAL':<10} {'ONRECHTMATIG':<12} ONDERWERP"
        )
        for i in rows:
            flagged = f"{i.flagged_unlawful_at:%Y-%m-%d}" if i.flagged_unlawful_at else "-"
            self.stdout.write(
                f"{i.pk:>5}  {i.received_at:%Y-%m-%d %H:%M} {names[i.agency_id][:28]:<28} {i.channel:<10} "
                f"{flagged:<12} {i.subject}"
            )
