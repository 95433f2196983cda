"""Data-subject rights through the controller (charter 7; issue 13 item 3): the agency exports,
restricts or erases what the platform holds *for it* on one citizen.

The citizen is named in the body, never in the URL (paths end up in logs). Every call is audited on
the citizen and isolated to the calling agency: another agency's data is never selected, exported
or erased. Any active order will do (these are the controller's obligations, whatever it ordered).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from burgerprofiel.agencies.selectors import agency_get
from burgerprofiel.api.auth import agency_request_actor, principal_of
from burgerprofiel.citizens.insz import Insz
from burgerprofiel.compliance.subject_rights.services import (
    subject_erase,
    subject_export,
    subject_restrict,
    subject_restriction_lift,
)

router = Router(tags=["rechten van betrokkenen"])


class SubjectIn(Schema):
    insz: Insz  # spaces, dots and dashes may separate the digits


class RestrictionIn(Schema):
    insz: Insz
    reason: str = Field(default="", max_length=500, description="Waarom (bv. de burger betwist de juistheid).")


class RecordOut(Schema):
    model: str
    id: Any
    fields: dict[str, Any]


class FileOut(Schema):
    path: str
    content_base64: str


class AgencyRefOut(Schema):
    id: int
    name: str
    kbo: str


class SubjectExportOut(Schema):
    format: str
    agency: AgencyRefOut
    generated_at: dt.datetime
    restricted: bool
    counts: dict[str, int]
    components: dict[str, list[RecordOut]]
    files: list[FileOut]


class RestrictionOut(Schema):
    restricted: bool
    since: dt.datetime | None = None


class ErasureOut(Schema):
    erased: dict[str, int]
    kept_under_legal_hold: dict[str, int]


@router.post(
    "/export",
    response=SubjectExportOut,
    summary="Inzage en overdraagbaarheid: alles wat het platform voor uw instantie over een burger bewaart",
    description=(
        "Machineleesbaar (JSON): per component de records (ontsleuteld), bijlagen in base64. Alleen gegevens van "
        "uw instantie. Voor een onbekende INSZ: een lege uitvoer. Wordt gelogd op de burger."
    ),
)
def subject_export_view(request: HttpRequest, payload: SubjectIn) -> dict[str, Any]:
    agency = agency_get(agency_id=principal_of(request).agency_id)
    return subject_export(agency=agency, insz=payload.insz, actor=agency_request_actor(request))


@router.post(
    "/restriction",
    response=RestrictionOut,
    summary="Beperking van de verwerking instellen (AVG art. 18): bewaren, niets nieuws verwerken",
    description=(
        "Zolang de beperking geldt, weigert het platform nieuwe meldingen en DOSIS-uploads van uw instantie voor "
        "deze burger (403 subject-restricted); de burger ziet in het portaal dat de verwerking beperkt is."
    ),
)
def subject_restrict_view(request: HttpRequest, payload: RestrictionIn) -> dict[str, Any]:
    agency = agency_get(agency_id=principal_of(request).agency_id)
    restriction = subject_restrict(
        agency=agency, insz=payload.insz, reason=payload.reason, actor=agency_request_actor(request)
    )
    return {"restricted": True, "since": restriction.created_at}


@router.post(
    "/restriction/lift",
    response=RestrictionOut,
    summary="De beperking van de verwerking opheffen",
)
def subject_restriction_lift_view(request: HttpRequest, payload: SubjectIn) -> dict[str, Any]:
    agency = agency_get(agency_id=principal_of(request).agency_id)
    subject_restriction_lift(agency=agency, insz=payload.insz, actor=agency_request_actor(request))
    return {"restricted": False, "since": None}


@router.post(
    "/erasure",
    response=ErasureOut,
    summary="Wissing (AVG art. 17): alles van uw instantie over deze burger",
    description=(
        "Wist elk record van uw instantie over deze burger (dossiers, meldingen, foutmeldingen, aanvragen, "
        "betalingen, toestemmingen). Records onder een juridische bewaarplicht blijven en worden geteld. De burger "
        "zelf en gegevens bij andere instanties blijven onaangeroerd."
    ),
)
def subject_erase_view(request: HttpRequest, payload: SubjectIn) -> dict[str, Any]:
    agency = agency_get(agency_id=principal_of(request).agency_id)
    return subject_erase(agency=agency, insz=payload.insz, actor=agency_request_actor(request))
