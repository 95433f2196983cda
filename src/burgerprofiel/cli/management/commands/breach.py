"""`burgerprofiel breach`: personal data breaches from the command line (charter 8, GDPR 33).

The same services as the back-office: open (register), list, show, compute, notify (or --update for
a phased update, GDPR 33(4)), close. Every act is audited with the operator's OS user as actor.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.compliance.breaches.models import DEADLINE_LABELS, Breach, BreachNotification
from burgerprofiel.compliance.breaches.services import (
    breach_affected_refresh,
    breach_close,
    breach_notify,
    breach_register,
    breach_update_notify,
)


def _moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"'{value}' is geen tijdstip (ISO 8601, bv. 2026-11-30T08:00+01:00)") from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _breach_json(breach: Breach) -> dict[str, Any]:
    notifications = BreachNotification.objects.filter(breach=breach).select_related("agency", "notice")
    return {
        "breach_id": breach.pk,
        "reference": breach.reference,
        "title": breach.title,
        "state": breach.state,
        "detector": breach.detector,
        "detected_at": breach.detected_at.isoformat(),
        "deadline_at": breach.deadline_at.isoformat(),
        "deadline_state": breach.deadline_state(),
        "notified_at": breach.notified_at.isoformat() if breach.notified_at else None,
        "window": {"start": breach.window_start.isoformat(), "end": breach.window_end.isoformat()},
        "exposure": breach.exposure,
        "systems": breach.systems,
        "components": breach.components,
        "data_categories": breach.data_categories,
        "nature": breach.nature,
        "likely_consequences": breach.likely_consequences,
        "measures": breach.measures,
        "affected": breach.affected,
        "affected_computed_at": breach.affected_computed_at.isoformat() if breach.affected_computed_at else None,
        "notifications": [
            {
                "phase": n.phase,
                "agency_id": n.agency_id,
                "agency": n.agency.name,
                "notice_id": str(n.notice_id),
                "subjects": n.subjects,
                "records": n.records,
                "sent_at": n.sent_at.isoformat(),
                "mail_status": n.notice.mail_status,
                "acknowledged_at": n.notice.acknowledged_at.isoformat() if n.notice.acknowledged_at else None,
            }
            for n in notifications
        ],
        "closed_at": breach.closed_at.isoformat() if breach.closed_at else None,
        "close_reason": breach.close_reason,
    }


class Command(BaseCommand):
    help = "Inbreuken in verband met persoonsgegevens: registreren, tonen, getroffen instanties berekenen, melden."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="opdrachten", metavar="OPDRACHT")
        opening = sub.add_parser("open", help="Een inbreuk registreren (de termijn loopt vanaf --detected-at).")
        opening.add_argument("--title", required=True, help="Korte titel.")
        opening.add_argument("--nature", required=True, help="Aard van de inbreuk (geen persoonsgegevens).")
        opening.add_argument("--detected-at", type=_moment, help="Vastgesteld op (ISO 8601); standaard: nu.")
        opening.add_argument("--window-start", type=_moment, required=True, help="Begin van het venster (ISO 8601).")
        opening.add_argument("--window-end", type=_moment, required=True, help="Einde van het venster (ISO 8601).")
        opening.add_argument(
            "--exposure", choices=Breach.Exposure.values, default=Breach.Exposure.PROCESSED, help="Wat blootstond."
        )
        opening.add_argument("--system", action="append", default=[], help="Een betrokken systeem (herhaalbaar).")
        opening.add_argument(
            "--component", action="append", default=[], help="Een component (herhaalbaar; geen: alle)."
        )
        opening.add_argument("--category", action="append", default=[], help="Een gegevenscategorie (herhaalbaar).")
        opening.add_argument("--consequences", default="", help="Waarschijnlijke gevolgen.")
        opening.add_argument("--measures", default="", help="Genomen of voorgestelde maatregelen.")
        listing = sub.add_parser("list", help="Alle inbreuken (ook afgewezen en afgesloten) met hun termijn.")
        listing.add_argument("--json", action="store_true", help="Als JSON in plaats van een tabel.")
        for name, text in (
            ("show", "Eén inbreuk, met getroffen instanties en meldingen."),
            ("compute", "De getroffen instanties en aantallen (opnieuw) berekenen."),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("breach_id", type=int)
        notify = sub.add_parser("notify", help="Elke getroffen instantie haar melding sturen (of --update).")
        notify.add_argument("breach_id", type=int)
        notify.add_argument("--update", default="", help="Een aanvulling (AVG 33.4) aan de reeds gemelde instanties.")
        close = sub.add_parser("close", help="Afsluiten (gemeld) of afwijzen (geen inbreuk); blijft bewaard.")
        close.add_argument("breach_id", type=int)
        close.add_argument("--reason", required=True, help="Reden.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        actor = cli_actor("breach")
        try:
            if action == "open":
                breach = breach_register(
                    actor=actor,
                    title=options["title"],
                    nature=options["nature"],
                    detected_at=options["detected_at"] or timezone.now(),
                    window_start=options["window_start"],
                    window_end=options["window_end"],
                    exposure=options["exposure"],
                    systems=options["system"],
                    components=options["component"],
                    data_categories=options["category"],
                    likely_consequences=options["consequences"],
                    measures=options["measures"],
                )
                self.stdout.write(json.dumps(_breach_json(breach)))
                return
            if action == "list":
                self._list(as_json=options["json"])
                return
            found = Breach.objects.filter(pk=options["breach_id"]).first()
            if found is None:
                raise CommandError(f"Inbreuk {options['breach_id']} bestaat niet")
            breach = found
            if action == "compute":
                breach_affected_refresh(breach=breach, actor=actor)
            elif action == "notify":
                if options["update"]:
                    breach_update_notify(breach=breach, update=options["update"], actor=actor)
                else:
                    breach_notify(breach=breach, actor=actor)
            elif action == "close":
                breach_close(breach=breach, reason=options["reason"], actor=actor)
            breach.refresh_from_db()
            self.stdout.write(json.dumps(_breach_json(breach), indent=2, ensure_ascii=False))
        except ApplicationError as error:
            raise CommandError(str(error.detail)) from error

    def _list(self, *, as_json: bool) -> None:
        breaches = list(Breach.objects.order_by("-detected_at"))
        if as_json:
            self.stdout.write(json.dumps([_breach_json(b) for b in breaches], ensure_ascii=False))
            return
        header = f"{'ID':>4}  {'KENMERK':<14} {'STATUS':<10} {'TERMIJN':<32} TITEL"
        self.stdout.write(header)
        for b in breaches:
            label = DEADLINE_LABELS[b.deadline_state()]
            self.stdout.write(f"{b.pk:>4}  {b.reference:<14} {b.state:<10} {label:<32} {b.title}")
