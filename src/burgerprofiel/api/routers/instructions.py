"""Instructions from the calling agency's authorised contact persons (charter 3.3), and its own list.

Only a contact person of the calling agency authorised today may instruct (``contact_id`` from
``GET /api/v1/contact-persons``); anyone else: 422 not-an-authorised-contact, audited, nothing stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from burgerprofiel.agencies.models import Agency
from burgerprofiel.api.auth import agency_request_actor, principal_of
from burgerprofiel.api.schemas import REQUIRED_TEXT_PATTERN, Strict
from burgerprofiel.compliance.instructions import services
from burgerprofiel.compliance.instructions.models import Instruction

router = Router(tags=["instructies"])


class InstructionIn(Strict):
    contact_id: int = Field(
        ge=1, le=2**63 - 1, description="Het id van de gemachtigde contactpersoon die de instructie geeft."
    )
    subject: str = Field(min_length=1, max_length=services.SUBJECT_MAX, pattern=REQUIRED_TEXT_PATTERN)
    text: str = Field(min_length=1, max_length=services.TEXT_MAX, pattern=REQUIRED_TEXT_PATTERN)


class InstructionOut(Schema):
    id: int
    contact_id: int | None
    contact_role: str
    channel: str
    subject: str
    text: str
    received_at: dt.datetime
    flagged_unlawful_at: dt.datetime | None = Field(
        description="Wanneer de verwerker de instructie in strijd met de wet achtte (charter 3.4); u kreeg een "
        "kennisgeving (verwerker.instructie_onrechtmatig)."
    )
    flagged_reason: str


def _instruction(instruction: Instruction) -> dict[str, Any]:
    return {
        "id": instruction.pk,
        "contact_id": instruction.contact_id,
        "contact_role": instruction.contact_role,
        "channel": instruction.channel,
        "subject": str(instruction.subject),
        "text": str(instruction.text),
        "received_at": instruction.received_at,
        "flagged_unlawful_at": instruction.flagged_unlawful_at,
        "flagged_reason": str(instruction.flagged_reason or ""),
    }


@router.post(
    "",
    response={201: InstructionOut},
    summary="Een instructie van een gemachtigde contactpersoon registreren",
    description="De verwerkingsopdracht is de volledige instructie (charter 3.1); wat u daarnaast vraagt, wordt "
    "hier geregistreerd, enkel van een persoon die vandaag gemachtigd is (anders 422 not-an-authorised-contact).",
)
def instruction_register(request: HttpRequest, payload: InstructionIn) -> Status[Any]:
    agency = Agency.objects.only("id", "data_key_id").get(pk=principal_of(request).agency_id)
    instruction = services.instruction_register(
        agency=agency,
        contact_id=payload.contact_id,
        subject=payload.subject,
        text=payload.text,
        channel=Instruction.Channel.API,
        actor=agency_request_actor(request),
    )
    return Status(201, _instruction(instruction))


@router.get("", response=list[InstructionOut], summary="De instructies van uw instantie (nieuwste eerst)")
def instructions_list(request: HttpRequest, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    rows = services.instructions_read(
        agency_id=principal_of(request).agency_id, actor=agency_request_actor(request), limit=limit
    )
    return [_instruction(i) for i in rows]
