"""``burgerprofiel order show``: one processing order as the back-office shows it, at the command line."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from burgerprofiel.agencies.models import ProcessingOrder, ProcessingOrderVersion
from burgerprofiel.agencies.order_diff import (
    author_name,
    category_label,
    component_label,
    usernames_for,
    validity_text,
    version_change_lines,
)


def order_json(order: ProcessingOrder) -> dict[str, Any]:
    versions: list[ProcessingOrderVersion] = sorted(order.versions.all(), key=lambda v: v.number)
    current = versions[-1] if versions else None
    names = usernames_for(versions)
    history = []
    previous = None
    for version in versions:
        history.append(
            {
                "version": version.number,
                "state": version.state,
                "changes": version_change_lines(version, previous),
                "reason": version.change_note,
                "author": author_name(version.created_by, names),
                "created_at": version.created_at.isoformat(),
            }
        )
        previous = version
    return {
        "processing_order_id": order.pk,
        "agency_id": order.agency_id,
        "agency": order.agency.name,
        "version": current.number if current else None,
        "state": current.state if current else None,
        "state_label": current.get_state_display() if current else "zonder versie",
        "state_reason": current.state_reason if current else "",
        "components": [
            {
                "component": c,
                "label": component_label(c),
                "data_categories": current.categories_for(c),
                "retention_days": current.retention_for(c),
            }
            for c in current.components
        ]
        if current
        else [],
        "valid_from": current.valid_from.isoformat() if current and current.valid_from else None,
        "valid_until": current.valid_until.isoformat() if current and current.valid_until else None,
        "legal_basis": current.legal_basis if current else "",
        "dpia_reference": current.dpia_reference if current else "",
        "history": list(reversed(history)),
    }


class Command(BaseCommand):
    help = "Verwerkingsopdrachten: één opdracht tonen, met de versie in voege en de historiek van haar versies."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="opdrachten", metavar="OPDRACHT")
        show = sub.add_parser("show", help="Eén verwerkingsopdracht: wat in voege is en wat elke versie veranderde.")
        show.add_argument("--order", type=int, required=True, help="processing_order_id")
        show.add_argument("--json", action="store_true", help="Als JSON in plaats van tekst.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        order = ProcessingOrder.objects.select_related("agency").filter(pk=options["order"]).first()
        if order is None:
            raise CommandError(
                f"Verwerkingsopdracht {options['order']} bestaat niet (zie 'burgerprofiel agency list')."
            )
        data = order_json(order)
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        current = order.current
        write = self.stdout.write
        write(f"Verwerkingsopdracht {order.pk} van {data['agency']} (instantie {order.agency_id})")
        if current is None:
            write("  zonder versie")
            return
        reason = f": {current.state_reason}" if current.state_reason else ""
        write(f"  status: {data['state_label'].lower()}{reason} (versie {current.number})")
        write(f"  geldigheid: {validity_text(current)}")
        write(f"  rechtsgrond: {current.legal_basis or 'niet ingevuld'}")
        write(f"  GEB/DPIA-referentie: {current.dpia_reference or 'niet ingevuld'}")
        write("  componenten:")
        for item in data["components"]:
            write(f"    {item['label']} ({item['component']}), bewaartermijn {item['retention_days']} dagen")
            for category in item["data_categories"]:
                write(f"      - {category_label(item['component'], category)}")
        write("  historiek (nieuwste eerst):")
        for row in data["history"]:
            write(f"    v{row['version']} {row['created_at'][:16].replace('T', ' ')} door {row['author']}")
            write(f"      reden: {row['reason'] or 'geen reden opgegeven'}")
            for line in row["changes"]:
                write(f"      {line}")
