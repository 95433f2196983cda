"""Audited reads of DOSIS data: each reads *and* records, so a view or an endpoint makes one call.

Design note (DESIGN rule 2). A read of personal data is an act the audit trail must show, in the
same call that reads it: a handler that forgets to record cannot exist if it has nothing to
record. Each agency's DPO must find every view of that agency's data, so a list that shows
dossiers of several agencies leaves one event per agency, and an empty list still leaves one:
that the citizen looked is itself the fact recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import citizen_actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.dossiers import selectors
from burgerprofiel.dossiers.models import DosisSource, Dossier, DossierStatus, DossierUpload
from burgerprofiel.dossiers.selectors import DossierFilter
from burgerprofiel.dossiers.services.caller import Caller

# --- the citizen's "Mijn dossiers" ------------------------------------------------------------------


def _list_viewed(citizen: Citizen, dossiers: list[Dossier], detail: dict[str, Any]) -> None:
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


def dossier_list_read(*, citizen: Citizen, state: str = DossierFilter.OPEN) -> list[Dossier]:
    """The citizen's dossiers (``selectors.dossiers_for_citizen``): one event per agency shown."""
    dossiers = selectors.dossiers_for_citizen(citizen=citizen, state=state)
    _list_viewed(citizen, dossiers, {"filter": state})
    return dossiers


@dataclass(frozen=True)
class DossierOverview:
    count: int  # open dossiers
    action_needed: int  # of which ask something of the citizen
    recent: list[Dossier]  # the few shown, most recently changed first


def dossier_overview_read(*, citizen: Citizen, shown: int = 5) -> DossierOverview:
    """The overview's dossier section: counts of the open dossiers and the few shown (recorded)."""
    dossiers = selectors.dossiers_for_citizen(citizen=citizen, state=DossierFilter.OPEN)
    recent = sorted(dossiers, key=lambda d: d.current_modified_at, reverse=True)[:shown]
    _list_viewed(citizen, recent, {"where": "overview"})
    return DossierOverview(
        count=len(dossiers), action_needed=sum(1 for d in dossiers if d.action_needed), recent=recent
    )


def dossier_read(*, citizen: Citizen, dossier_id: int) -> tuple[Dossier, list[DossierStatus]]:
    """One of the citizen's dossiers with its history, newest first (``NotFound`` if not theirs)."""
    dossier = selectors.dossier_for_citizen(citizen=citizen, dossier_id=dossier_id)
    history = selectors.dossier_history(dossier=dossier)
    audit_record(
        actor=citizen_actor(citizen), action=AuditAction.DOSSIER_VIEWED, agency_id=dossier.agency_id, target=dossier
    )
    return dossier, history


# --- the agency's DOSIS API -----------------------------------------------------------------------


def dosis_sources_read(*, caller: Caller) -> list[DosisSource]:
    found = selectors.dosis_sources_for_agency(agency_id=caller.agency_id)
    audit_record(actor=caller.actor, action=AuditAction.DOSIS_SOURCE_LISTED, detail={"count": len(found)})
    return found


def upload_results_read(
    *, caller: Caller, bron: str = "", number: str = "", upload_id: str = "", failures: bool = False
) -> list[dict[str, Any]]:
    """Processing results, as the DOSIS API answers them: of one dossier (``bron`` and ``number``), of
    one upload (``upload_id``) or a source's failures (``bron`` and ``failures``)."""
    agency_id = caller.agency_id
    if upload_id:
        query, uploads = "upload", selectors.upload_results_by_upload_id(agency_id=agency_id, upload_id=upload_id)
    elif failures:
        query, uploads = "fouten", selectors.upload_failures_for_source(agency_id=agency_id, bron=bron)
    else:
        query, uploads = "dossier", selectors.upload_results_for_dossier(agency_id=agency_id, bron=bron, number=number)
    audit_record(
        actor=caller.actor,
        action=AuditAction.DOSSIER_RESULTS_READ,
        target=DossierUpload,
        detail={"count": len(uploads), "query": query},
    )
    return [selectors.upload_result_out(u) for u in uploads]
