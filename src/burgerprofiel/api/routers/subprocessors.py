"""The sub-processor register (charter 6, Bijlage 2), readable by every agency with an active order,
and an agency's reasoned objection to a planned appointment (charter 6.3)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status
from pydantic import ConfigDict

from burgerprofiel.api.auth import AgencyAuth, agency_request_actor, principal_of
from burgerprofiel.api.schemas import Strict
from burgerprofiel.compliance.subprocessors import selectors, services

router = Router(tags=["onderverwerkers"], auth=AgencyAuth())

ChangeId = Annotated[uuid.UUID, Path(description="Het id van de geplande wijziging.")]


class SubProcessorOut(Schema):
    id: int
    name: str
    identifier: str = Field(description="KBO-nummer of buitenlands registratienummer.")
    address: str
    country: str = Field(description="ISO 3166-1 alpha-2.")
    inside_eea: bool = Field(description="Gevestigd in de Europese Economische Ruimte (charter 10).")
    role: str
    data_categories: list[str]
    contract_date: dt.date
    endpoints: list[str] = Field(description="Hostnamen die deze onderverwerker voor het platform bedient.")
    state: Literal["planned", "active"]
    effective_from: dt.date | None


class ChangeOut(Schema):
    id: uuid.UUID
    kind: Literal["add", "replace", "remove"]
    effective_on: dt.date = Field(description="Datum van inwerkingtreding; bezwaar kan tot de dag ervoor.")
    reason: str
    subprocessor: SubProcessorOut
    replaces: SubProcessorOut | None


class RegisterOut(Schema):
    subprocessors: list[SubProcessorOut] = Field(description="De onderverwerkers die nu van kracht zijn.")
    planned_changes: list[ChangeOut] = Field(description="Aangekondigde wijzigingen (minstens 30 dagen vooraf).")


class ObjectionIn(Strict):
    model_config = ConfigDict(extra="forbid", strict=True)

    reason: str = Field(min_length=services.REASON_MIN_LENGTH, max_length=4000, description="De motivering.")


class ObjectionOut(Schema):
    id: uuid.UUID
    change_id: uuid.UUID
    reason: str
    outcome: Literal["open", "appoint_anyway", "replace", "not_appointed", "terminated"]
    created_at: dt.datetime


@router.get("", response=RegisterOut, summary="De onderverwerkers van het platform en de geplande wijzigingen")
def subprocessors_list(request: HttpRequest) -> dict[str, Any]:
    return {
        "subprocessors": [services.subprocessor_out(sp) for sp in selectors.subprocessors_effective()],
        "planned_changes": [
            {
                "id": change.pk,
                "kind": change.kind,
                "effective_on": change.effective_on,
                "reason": change.reason,
                "subprocessor": services.subprocessor_out(change.subprocessor),
                "replaces": services.subprocessor_out(change.replaces) if change.replaces else None,
            }
            for change in selectors.changes_planned()
        ],
    }


@router.post(
    "/changes/{change_id}/objections",
    response={201: ObjectionOut},
    summary="Gemotiveerd bezwaar tegen een geplande aanstelling (charter 6.3)",
    description=(
        "Kan tot de dag vóór de datum van inwerkingtreding; daarna, of een tweede keer: 409. Het bezwaar houdt de "
        "wijziging tegen tot Digitaal Vlaanderen en uw instantie tot een oplossing komen."
    ),
)
def objection_create(request: HttpRequest, change_id: ChangeId, payload: ObjectionIn) -> Status[Any]:
    objection = services.objection_file(
        change_id=change_id,
        agency_id=principal_of(request).agency_id,
        reason=payload.reason,
        actor=agency_request_actor(request),
    )
    return Status(
        201,
        {
            "id": objection.pk,
            "change_id": objection.change_id,
            "reason": objection.reason,
            "outcome": objection.outcome,
            "created_at": objection.created_at,
        },
    )
