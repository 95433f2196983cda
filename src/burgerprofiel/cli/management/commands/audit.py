from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.audit.services import AuditTrailCorrupt, audit_seal_all, audit_verify_record
from burgerprofiel.compliance.breaches.detectors import breach_from_audit_verify


class Command(BaseCommand):
    help = (
        "Het auditspoor: wachtende gebeurtenissen verzegelen in een ondertekend boomhoofd, of het hele logboek "
        "nakijken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="opdrachten", metavar="OPDRACHT")
        sub.add_parser(
            "verify",
            help="Herbereken elk blad en elke ondertekende wortel; bij een fout code 1 met de eerste foute "
            "gebeurtenis.",
        )
        sub.add_parser("seal", help="Voeg wachtende gebeurtenissen toe aan de boom en onderteken een boomhoofd.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "seal":
            try:
                signed = audit_seal_all()
            except AuditTrailCorrupt as error:
                raise CommandError(f"{error}; run `audit verify`") from error
            self.stdout.write(json.dumps({"tree_heads_signed": signed}))
            return
        # The result is evidence itself (an audit.verified event): the dashboard and the measures document
        # (charter 5) name the last verification.
        report = audit_verify_record(actor=cli_actor("audit"))
        summary = {
            "ok": report.ok,
            "events_checked": report.events_checked,
            "tree_heads_checked": report.tree_heads_checked,
            "unsealed_events": report.unsealed_events,
            "first_bad_event_id": report.first_bad_event_id,
            "problems": report.problems[:20],
        }
        if not report.ok:
            # Charter 8 / GDPR 33: an altered trail may be a breach; the clock starts now (a draft to assess).
            draft = breach_from_audit_verify(first_bad_event_id=report.first_bad_event_id, problems=report.problems)
            summary["draft_breach_id"] = draft.pk if draft is not None else None
        self.stdout.write(json.dumps(summary, indent=2))
        if not report.ok:
            raise CommandError(report.problems[0])
