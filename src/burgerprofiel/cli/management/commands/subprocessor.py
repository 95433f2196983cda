"""``burgerprofiel subprocessor``: the sub-processor register from the command line (charter 6, 10).

The same services as the back-office: a change is planned (30 days ahead, every agency told), an
objection resolved with an outcome of 6.3, a transfer outside the EEA allowed with its legal ground.
Every subcommand prints JSON.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.compliance.subprocessors import selectors, services


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


class Command(BaseCommand):
    help = "Onderverwerkers (charter 6, Bijlage 2) en doorgiften buiten de EER (charter 10)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="opdrachten")
        sub.add_parser("list", help="Het register en de geplande wijzigingen (JSON).")
        plan = sub.add_parser("plan", help="Een wijziging plannen, minstens 30 dagen vooraf.")
        plan.add_argument("--kind", required=True, choices=["add", "replace", "remove"])
        plan.add_argument("--effective-on", required=True, type=_date, help="YYYY-MM-DD")
        plan.add_argument("--target", type=int, help="De onderverwerker die vervangen of stopgezet wordt.")
        plan.add_argument("--reason", default="")
        plan.add_argument("--name", default="")
        plan.add_argument("--identifier", default="", help="KBO-nummer of buitenlands registratienummer.")
        plan.add_argument("--address", default="")
        plan.add_argument("--country", default="")
        plan.add_argument("--role", default="")
        plan.add_argument("--category", action="append", default=[], help="Gegevenscategorie (herhaalbaar).")
        plan.add_argument("--contract-date", type=_date)
        plan.add_argument("--endpoint", action="append", default=[], help="Hostnaam (herhaalbaar).")
        withdraw = sub.add_parser("withdraw", help="Een geplande wijziging intrekken.")
        withdraw.add_argument("--change", required=True)
        resolve = sub.add_parser("resolve", help="Een bezwaar beslissen (charter 6.3).")
        resolve.add_argument("--objection", required=True)
        resolve.add_argument("--outcome", required=True, choices=["appoint_anyway", "not_appointed", "terminated"])
        resolve.add_argument("--note", default="")
        sub.add_parser("apply", help="Wijzigingen waarvan de datum gekomen is doorvoeren (zonder open bezwaar).")
        endpoints = sub.add_parser("endpoints", help="De hostnamen van een onderverwerker vervangen.")
        endpoints.add_argument("--id", type=int, required=True)
        endpoints.add_argument("--endpoint", action="append", default=[], required=True)
        allow = sub.add_parser("transfer-allow", help="Een doorgifte buiten de EER toelaten voor een opdracht.")
        allow.add_argument("--order", type=int, required=True)
        allow.add_argument("--country", required=True)
        allow.add_argument("--legal-ground", required=True)
        allow.add_argument("--recipient", default="")
        revoke = sub.add_parser("transfer-revoke", help="Een toelating tot doorgifte intrekken.")
        revoke.add_argument("--id", type=int, required=True)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        actor = cli_actor("subprocessor")
        try:
            result = getattr(self, f"_{action.replace('-', '_')}")(actor=actor, **options)
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(json.dumps(result, default=str, ensure_ascii=False))

    def _list(self, **_: Any) -> dict[str, Any]:
        return {
            "subprocessors": [services.subprocessor_out(sp) for sp in selectors.subprocessors_effective()],
            "planned_changes": [services.change_out(c) for c in selectors.changes_planned()],
        }

    def _plan(self, *, actor: Any, **o: Any) -> dict[str, Any]:
        details = None
        if o["kind"] != "remove":
            if o["contract_date"] is None:
                raise CommandError("--contract-date is verplicht bij add en replace.")
            details = services.SubProcessorDetails(
                name=o["name"],
                identifier=o["identifier"],
                address=o["address"],
                country=o["country"],
                role=o["role"],
                data_categories=tuple(o["category"]),
                contract_date=o["contract_date"],
                endpoints=tuple(o["endpoint"]),
            )
        change = services.subprocessor_change_plan(
            kind=o["kind"],
            effective_on=o["effective_on"],
            details=details,
            target_id=o["target"],
            reason=o["reason"],
            actor=actor,
        )
        return services.change_out(change)

    def _withdraw(self, *, actor: Any, **o: Any) -> dict[str, Any]:
        return services.change_out(services.subprocessor_change_withdraw(change_id=o["change"], actor=actor))

    def _resolve(self, *, actor: Any, **o: Any) -> dict[str, Any]:
        objection = services.objection_resolve(
            objection_id=o["objection"], outcome=o["outcome"], note=o["note"], actor=actor
        )
        return {"id": str(objection.pk), "outcome": objection.outcome, "change_id": str(objection.change_id)}

    def _apply(self, **_: Any) -> dict[str, Any]:
        return services.subprocessor_changes_apply()

    def _endpoints(self, *, actor: Any, **o: Any) -> dict[str, Any]:
        sp = services.subprocessor_endpoints_set(subprocessor_id=o["id"], endpoints=o["endpoint"], actor=actor)
        return services.subprocessor_out(sp)

    def _transfer_allow(self, *, actor: Any, **o: Any) -> dict[str, Any]:
        permission = services.transfer_allow(
            order_id=o["order"],
            country=o["country"],
            legal_ground=o["legal_ground"],
            recipient=o["recipient"],
            actor=actor,
        )
        return {"id": permission.pk, "order_id": permission.order_id, "country": permission.country}

    def _transfer_revoke(self, *, actor: Any, **o: Any) -> dict[str, Any]:
        permission = services.transfer_revoke(permission_id=o["id"], actor=actor)
        return {"id": permission.pk, "revoked_at": permission.revoked_at}
