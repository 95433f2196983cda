"""``burgerprofiel agency offboard --order N --mode return|delete``: the end of an order (charter 12.2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.cli.progress import Progress
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.compliance.offboarding.models import Offboarding
from burgerprofiel.compliance.offboarding.services import (
    BATCH_SIZE,
    certificate_pdf,
    offboarding_run,
    offboarding_start,
    rows_to_purge,
)


class Command(BaseCommand):
    help = (
        "Einde van een verwerkingsopdracht: alle gegevens van de instantie terugbezorgen (ondertekende bundel, "
        "één keer af te halen door haar API-client) of verwijderen, in reeksen (hervatbaar: opnieuw uitvoeren "
        "gaat verder), de gegevenssleutel vernietigen en een ondertekend attest (JSON en PDF) uitreiken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        offboard_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        offboard_handle(self, options)


def offboard_arguments(parser: CommandParser) -> None:
    """The options of ``agency offboard`` (also ``agency_offboard``)."""
    parser.add_argument("--order", type=int, required=True, help="processing_order_id (beëindigd)")
    parser.add_argument("--mode", choices=["return", "delete"], required=True, help="terugbezorgen of verwijderen")
    parser.add_argument("--terminate", action="store_true", help="De opdracht eerst beëindigen (met --reason).")
    parser.add_argument("--reason", default="", help="Reden van de beëindiging (charter 2.3).")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Rijen per reeks (transactie).")
    parser.add_argument("--certificate", type=Path, help="Schrijf het attest hierheen (.json en .pdf).")
    parser.add_argument("--yes", action="store_true", help="Niet om bevestiging vragen.")


def offboard_handle(command: BaseCommand, options: dict[str, Any]) -> None:
    """Run ``agency offboard`` for ``command`` (its stdout, stderr)."""
    actor = cli_actor("agency offboard")
    order = ProcessingOrder.objects.select_related("agency").filter(pk=options["order"]).first()
    if order is None:
        raise CommandError(f"Verwerkingsopdracht {options['order']} bestaat niet")
    if not options["yes"] and not Offboarding.objects.filter(order=order).exists():
        _confirm(command, order, options["mode"])
    try:
        offboarding = offboarding_start(
            order=order,
            mode=options["mode"],
            actor=actor,
            reason=options["reason"],
            terminate=options["terminate"],
        )
        total = rows_to_purge(offboarding=offboarding)
        stream: TextIO = command.stderr._out  # type: ignore[assignment]  # the terminal, for the bar
        progress = Progress(total, label="wissen", stream=stream)
        offboarding = offboarding_run(
            offboarding=offboarding,
            actor=actor,
            batch_size=options["batch_size"],
            on_progress=lambda done: progress.update(done, rows=done),
        )
        progress.close()
    except ApplicationError as error:
        raise CommandError(error.detail) from error
    entry = offboarding.certificates[-1] if offboarding.certificates else None
    if entry and options["certificate"]:
        base = options["certificate"]
        base.with_suffix(".json").write_text(json.dumps(entry, indent=2, ensure_ascii=False))
        base.with_suffix(".pdf").write_bytes(certificate_pdf(entry))
    command.stdout.write(
        json.dumps(
            {
                "processing_order_id": order.pk,
                "mode": offboarding.mode,
                "state": offboarding.state,
                "deleted_per_component": offboarding.counts,
                "key_destroyed": offboarding.key_destroyed_at is not None,
                "certificate_id": entry["certificate"]["certificate_id"] if entry else None,
                "bundle_ready": offboarding.mode == Offboarding.Mode.RETURN,
            }
        )
    )


def _confirm(command: BaseCommand, order: ProcessingOrder, mode: str) -> None:
    name = order.agency.name
    what = "teruggegeven en daarna verwijderd" if mode == "return" else "definitief verwijderd"
    command.stdout.write(
        f"Alle gegevens van {name} worden {what}; de gegevenssleutel wordt vernietigd. Dat kan niet "
        f"ongedaan worden gemaakt, ook niet met een reservekopie.\nTyp de naam van de instantie ({name}): ",
        ending="",
    )
    command.stdout.flush()
    try:
        answer = input()
    except EOFError:
        answer = ""
    if answer.strip() != name:
        raise CommandError("Niet bevestigd: er is niets gewist (of geef --yes).")
