"""The audit trail as an agency sees it: its own events, signed tree heads, RFC 9162 proofs."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Path, Query, Router

from burgerprofiel.api.auth import agency_request_actor, principal_of
from burgerprofiel.api.schemas import (
    AuditEventOut,
    ConsistencyProofOut,
    InclusionProofOut,
    TreeHeadOut,
    WitnessedHeadOut,
    WitnessHeadIn,
)
from burgerprofiel.audit import services as audit
from burgerprofiel.audit import witness
from burgerprofiel.audit.selectors import audit_events_for_agency

# Identifiers are 64-bit in the database: the schema says so, and a larger number is refused as input (422).
ID_MAX = 2**63 - 1

router = Router()


@router.get(
    "/events",
    response=list[AuditEventOut],
    summary="Auditgebeurtenissen van uw instantie",
    tags=["audit"],
)
def audit_events(
    request: HttpRequest,
    after_id: Annotated[int, Query(ge=0, le=ID_MAX, description="Alleen gebeurtenissen na dit id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    return audit_events_for_agency(agency_id=principal_of(request).agency_id, after_id=after_id, limit=limit)


@router.get(
    "/tree-heads/latest",
    response=TreeHeadOut,
    summary="De laatste ondertekende boomkop",
    tags=["audit"],
)
def audit_tree_head_latest(request: HttpRequest) -> dict[str, Any]:
    head = audit.tree_head_get()
    return {
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "signed_at": head.signed_at,
        "signed_tree_head": head.signature,
        "key_id": head.key_id,
    }


@router.get(
    "/events/{event_id}/inclusion-proof",
    response=InclusionProofOut,
    summary="Bewijs dat een gebeurtenis in het auditlog staat (RFC 9162)",
    tags=["audit"],
)
def audit_inclusion_proof(
    request: HttpRequest,
    event_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    tree_size: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
) -> dict[str, Any]:
    return audit.inclusion_proof_for_agency(
        agency_id=principal_of(request).agency_id, event_id=event_id, tree_size=tree_size
    )


@router.get(
    "/consistency-proof",
    response=ConsistencyProofOut,
    summary="Bewijs dat een latere boomkop de eerdere uitbreidt (RFC 9162)",
    tags=["audit"],
)
def audit_consistency_proof(
    request: HttpRequest,
    first: Annotated[int, Query(ge=1, le=ID_MAX)],
    second: Annotated[int, Query(ge=1, le=ID_MAX)],
) -> dict[str, Any]:
    return audit.consistency_proof_between(first=first, second=second)


@router.post(
    "/witness/heads",
    response=WitnessedHeadOut,
    summary="Een ondertekende boomkop melden die uw instantie gezien heeft (getuige)",
    description=(
        "Bewaar zelf elke boomkop die u ziet en meld hem hier. Het antwoord zegt of de boom van het platform "
        "hem nog bevat, met een consistentiebewijs naar de laatste kop. Een kop die niet ondertekend is met een "
        "vastgepinde sleutel van het platform wordt geweigerd (422)."
    ),
    tags=["audit"],
)
def audit_witness_head_record(request: HttpRequest, payload: WitnessHeadIn) -> dict[str, Any]:
    return witness.witness_head_record(
        agency_id=principal_of(request).agency_id,
        actor=agency_request_actor(request),
        signed_tree_head=payload.signed_tree_head,
    )


@router.get(
    "/witness/heads",
    response=list[WitnessedHeadOut],
    summary="De boomkoppen die uw instantie meldde, elk getoetst aan de huidige boom",
    description=(
        "Controleer elk `consistency_path` tegen uw eigen kopie van de wortel: zo ziet u herschreven geschiedenis."
    ),
    tags=["audit"],
)
def audit_witness_heads(
    request: HttpRequest,
    after_size: Annotated[int, Query(ge=0, le=ID_MAX, description="Alleen koppen groter dan deze boomgrootte.")] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> list[dict[str, Any]]:
    return witness.witnessed_heads_for_agency(
        agency_id=principal_of(request).agency_id, after_size=after_size, limit=limit
    )
