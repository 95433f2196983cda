"""The processing charter over the API: the version in force, pending amendments, and the agency's
termination within an amendment's notice window (charter 14.3)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from burgerprofiel.api.auth import agency_request_actor, principal_of
from burgerprofiel.api.schemas import Strict
from burgerprofiel.compliance.charter import selectors, services
from burgerprofiel.compliance.charter.models import CharterTermination, CharterVersion

router = Router(tags=["verwerkingscharter"])


class CharterVersionOut(Schema):
    id: int
    version: str
    title: str
    summary: str
    effective_from: dt.date
    published_at: dt.datetime
    text_sha256: str
    termination_until: dt.date | None = Field(
        description="Pending amendment: the last day an agency may terminate (charter 14.3); else null."
    )


class TerminationOut(Schema):
    id: int
    amendment_id: int
    version: str
    processing_order_id: int
    reason: str
    when: str
    takes_effect_on: dt.date
    filed_at: dt.datetime
    executed_at: dt.datetime | None


class CharterOut(Schema):
    current: CharterVersionOut | None
    pending: list[CharterVersionOut]
    terminations: list[TerminationOut] = Field(description="Your agency's terminations under amendments.")


class TerminationIn(Strict):
    reason: str = Field(min_length=1, max_length=5000, description="Waarom uw instantie beëindigt.")
    at_once: bool = Field(
        default=False,
        description="false (standaard): de opdracht eindigt op de ingangsdatum van de wijziging; true: meteen.",
    )


def _version(version: CharterVersion, *, pending: bool) -> dict[str, Any]:
    return {
        "id": version.pk,
        "version": version.version,
        "title": version.title,
        "summary": version.summary,
        "effective_from": version.effective_from,
        "published_at": version.published_at,
        "text_sha256": version.text_sha256,
        "termination_until": version.effective_from - dt.timedelta(days=1) if pending else None,
    }


def _termination(termination: CharterTermination) -> dict[str, Any]:
    return {
        "id": termination.pk,
        "amendment_id": termination.amendment_id,
        "version": termination.amendment.version,
        "processing_order_id": termination.order_id,
        "reason": termination.reason,
        "when": termination.when,
        "takes_effect_on": termination.takes_effect_on,
        "filed_at": termination.filed_at,
        "executed_at": termination.executed_at,
    }


@router.get("", response=CharterOut, summary="Het verwerkingscharter: de geldende versie en aangekondigde wijzigingen")
def charter_read(request: HttpRequest) -> dict[str, Any]:
    current = selectors.charter_in_force()
    return {
        "current": _version(current, pending=False) if current else None,
        "pending": [_version(v, pending=True) for v in selectors.charter_pending()],
        "terminations": [
            _termination(t) for t in selectors.terminations_for_agency(agency_id=principal_of(request).agency_id)
        ],
    }


@router.post(
    "/amendments/{amendment_id}/termination",
    response={201: TerminationOut},
    summary="De verwerkingsopdracht beëindigen naar aanleiding van een charterwijziging (charter 14.3)",
    description=(
        "Kan zolang de wijziging niet van kracht is. Standaard eindigt de opdracht op de ingangsdatum van de "
        "wijziging (tot dan geldt de versie die uw instantie aanvaardde); met at_once meteen. Na de termijn: 409."
    ),
)
def charter_termination_file(
    request: HttpRequest,
    amendment_id: Annotated[int, Path(description="Het id van de wijziging (pending[].id).")],
    payload: TerminationIn,
) -> Status[Any]:
    termination = services.charter_termination_file(
        amendment_id=amendment_id,
        agency_id=principal_of(request).agency_id,
        reason=payload.reason,
        at_once=payload.at_once,
        actor=agency_request_actor(request),
    )
    return Status(201, _termination(termination))
