"""The audit evidence of a citizen's reads of their dossiers (DESIGN rule 2).

Design note. Each agency's DPO must find every view of that agency's data, so a list that shows
dossiers of several agencies leaves one event per agency, and an empty list still leaves one:
that the citizen looked is itself the fact recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import citizen_actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.dossiers.models import Dossier


def dossier_list_view_record(*, citizen: Any, dossiers: Iterable[Dossier], detail: dict[str, Any]) -> None:
    """A citizen saw a list of their dossiers: one event per agency whose data was shown."""
    shown: dict[int | None, int] = {}
    for dossier in dossiers:
        shown[dossier.agency_id] = shown.get(dossier.agency_id, 0) + 1
    for agency_id, count in shown.items() or [(None, 0)]:
        audit_record(
            actor=citizen_actor(citizen),
            action=AuditAction.DOSSIER_LIST_VIEWED,
            agency_id=agency_id,
            target=Dossier,
            detail={**detail, "count": count},
        )
