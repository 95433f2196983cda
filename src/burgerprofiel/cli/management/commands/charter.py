from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.compliance.charter import selectors
from burgerprofiel.compliance.charter.services import charter_terminations_execute, charter_version_publish


def _version_json(version: Any) -> dict[str, Any]:
    return {
        "id": version.pk,
        "version": version.version,
        "title": version.title,
        "effective_from": version.effective_from.isoformat(),
        "published_at": version.published_at.isoformat(),
        "text_sha256": version.text_sha256,
        "summary": version.summary,
    }


class Command(BaseCommand):
    help = "Het verwerkingscharter: geldende versie en aangekondigde wijzigingen tonen, een wijziging publiceren."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="opdrachten")
        sub.add_parser("show", help="De geldende versie, aangekondigde wijzigingen en beëindigingen (JSON).")
        publish = sub.add_parser(
            "publish",
            help="Een wijziging publiceren (minstens 30 dagen op voorhand, charter 14.3); elke instantie met een "
            "actieve verwerkingsopdracht krijgt een notificatie.",
        )
        publish.add_argument("--version", required=True, help="Bv. 3.1")
        publish.add_argument("--title", required=True)
        publish.add_argument("--text-file", required=True, type=Path, help="De volledige tekst (UTF-8).")
        publish.add_argument("--summary", required=True, help="Bevattelijke samenvatting van de wijzigingen.")
        publish.add_argument("--effective-from", required=True, type=dt.date.fromisoformat, help="JJJJ-MM-DD")
        sub.add_parser("terminations-run", help="Beëindigingen uitvoeren waarvan de datum gekomen is.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if action == "publish":
                version = charter_version_publish(
                    version=options["version"],
                    title=options["title"],
                    text=options["text_file"].read_text(encoding="utf-8"),
                    summary=options["summary"],
                    effective_from=options["effective_from"],
                    actor=cli_actor("charter"),
                )
                self.stdout.write(json.dumps(_version_json(version), indent=2))
                return
            if action == "terminations-run":
                self.stdout.write(json.dumps({"terminated": charter_terminations_execute()}))
                return
        except ApplicationError as error:
            raise CommandError(error.detail) from error
        except OSError as error:
            raise CommandError(f"Kan de tekst niet lezen: {error}") from error
        current = selectors.charter_in_force()
        self.stdout.write(
            json.dumps(
                {
                    "current": _version_json(current) if current else None,
                    "pending": [_version_json(v) for v in selectors.charter_pending()],
                    "terminations": [
                        {
                            "id": t.pk,
                            "agency_id": t.agency_id,
                            "processing_order_id": t.order_id,
                            "version": t.amendment.version,
                            "takes_effect_on": t.takes_effect_on.isoformat(),
                            "executed": t.executed_at is not None,
                        }
                        for t in selectors.charter_terminations_all()
                    ],
                },
                indent=2,
            )
        )
