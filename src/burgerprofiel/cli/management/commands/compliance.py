from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.compliance.reports.models import ObligationsReport
from burgerprofiel.compliance.reports.pdf import document_pdf
from burgerprofiel.compliance.reports.services import (
    compliance_report_make,
    confidentiality_statement_publish,
    measures_make,
    obligations_reports_send_all,
    obligations_reports_send_due,
    records_of_processing_make,
)


def _day(value: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(value), dt.time.min, tzinfo=dt.UTC)


class Command(BaseCommand):
    help = (
        "Naleving (charter 4, 5, 9; AVG 30.2): nalevingsrapport per instantie, register van verwerkingen, "
        "technische en organisatorische maatregelen, vertrouwelijkheidsverklaring, rapport aan de instanties."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="opdrachten")
        report = sub.add_parser("report", help="Het nalevingsrapport van één instantie (JSON, of PDF met --pdf).")
        report.add_argument("--agency", required=True, type=int, help="Het id van de instantie.")
        report.add_argument("--since", type=_day, help="JJJJ-MM-DD (standaard: een jaar geleden).")
        report.add_argument("--until", type=_day, help="JJJJ-MM-DD, niet inbegrepen (standaard: nu).")
        for name, text in (
            ("records", "Het register van verwerkingsactiviteiten (AVG art. 30, lid 2)."),
            ("measures", "De technische en organisatorische maatregelen, uit de configuratie."),
        ):
            sub.add_parser(name, help=text).add_argument("--pdf", action="store_true", help="PDF in plaats van JSON.")
        report.add_argument("--pdf", action="store_true", help="PDF in plaats van JSON.")
        for p in (report, *[sub.choices[n] for n in ("records", "measures")]):
            p.add_argument("--output", "-o", type=Path, help="Schrijf naar dit bestand (PDF: verplicht of stdout).")
        statement = sub.add_parser(
            "confidentiality-publish", help="Een nieuwe versie van de vertrouwelijkheidsverklaring voor medewerkers."
        )
        statement.add_argument("--version", required=True)
        statement.add_argument("--text-file", required=True, type=Path)
        send = sub.add_parser(
            "obligations-send",
            help="Elke instantie met een actieve opdracht het rapport van het platform over zijn verplichtingen "
            "sturen (charter 9); met --due enkel wie aan de beurt is.",
        )
        send.add_argument("--due", action="store_true")

    def _emit(self, *, title: str, data: dict[str, Any], options: dict[str, Any]) -> None:
        output: Path | None = options.get("output")
        if options.get("pdf"):
            pdf = document_pdf(title=title, data=data)
            if output:
                output.write_bytes(pdf)
                self.stdout.write(json.dumps({"written": str(output), "bytes": len(pdf)}))
            else:
                sys.stdout.buffer.write(pdf)
            return
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if output:
            output.write_text(text, encoding="utf-8")
            self.stdout.write(json.dumps({"written": str(output)}))
        else:
            self.stdout.write(text)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        actor = cli_actor("compliance")
        fmt = "pdf" if options.get("pdf") else "json"
        try:
            if action == "report":
                data = compliance_report_make(
                    agency_id=options["agency"], since=options["since"], until=options["until"], actor=actor, fmt=fmt
                )
                self._emit(title=f"Nalevingsrapport {data['agency']['name']}", data=data, options=options)
            elif action == "records":
                data = records_of_processing_make(actor=actor, fmt=fmt)
                self._emit(title="Register van verwerkingsactiviteiten", data=data, options=options)
            elif action == "measures":
                data = measures_make(actor=actor, fmt=fmt)
                self._emit(title="Technische en organisatorische maatregelen", data=data, options=options)
            elif action == "confidentiality-publish":
                statement = confidentiality_statement_publish(
                    version=options["version"], text=options["text_file"].read_text(encoding="utf-8"), actor=actor
                )
                self.stdout.write(json.dumps({"id": statement.pk, "version": statement.version}))
            elif action == "obligations-send":
                if options["due"]:
                    self.stdout.write(json.dumps({"sent": obligations_reports_send_due(actor=actor)}))
                else:
                    sent = obligations_reports_send_all(trigger=ObligationsReport.Trigger.MANUAL, actor=actor)
                    self.stdout.write(json.dumps({"sent": len(sent), "agencies": [r.agency_id for r in sent]}))
        except ApplicationError as error:
            raise CommandError(error.detail) from error
        except OSError as error:
            raise CommandError(str(error)) from error
