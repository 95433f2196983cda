"""The processor's notices to the calling agency: list, read as PDF, acknowledge (charter 3.4, 8).

Each handler calls one selector or service of ``burgerprofiel.compliance.notices``. An agency sees
only its own notices; another agency's id answers 404, as a missing one does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema, Status

from burgerprofiel.api.auth import agency_request_actor, principal_of
from burgerprofiel.api.schemas import TEXT_PATTERN, Strict
from burgerprofiel.compliance.notices import selectors, services
from burgerprofiel.compliance.notices.models import AgencyNotice
from burgerprofiel.compliance.notices.pdf import notice_pdf

router = Router(tags=["kennisgevingen"])

NoticeId = Annotated[uuid.UUID, Path(description="Het id van de kennisgeving.")]


class ObjectRef(Schema):
    type: str
    id: str


class NoticeOut(Schema):
    id: uuid.UUID
    kind: str = Field(description="De soort: de gebeurtenis verwerker.<kind> meldde ze ook (webhook en feed).")
    subject: str
    body: str = Field(description="De volledige tekst, zoals de e-mail aan uw contactpersonen en DPO.")
    data: dict[str, Any] = Field(description="De inhoud, machineleesbaar (per soort).")
    object: ObjectRef = Field(description="Waarover de kennisgeving gaat (bv. een inbreuk en haar id).")
    event_id: uuid.UUID | None = Field(description="Het id van de gebeurtenis verwerker.<kind>.")
    created_at: dt.datetime
    mail_status: str = Field(description="pending, sent, partial, failed, no_recipients")
    acknowledged_at: dt.datetime | None
    acknowledged_by: str


class AcknowledgeIn(Strict):
    by: str = Field(
        default="",
        max_length=200,
        pattern=TEXT_PATTERN,
        description="Wie de ontvangst bevestigt (een gemachtigde contactpersoon); leeg: de API-client.",
    )


def _notice(notice: AgencyNotice) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "subject": str(notice.subject),
        "body": str(notice.body),
        "data": notice.data or {},
        "object": {"type": notice.object_type, "id": notice.object_id},
        "event_id": notice.event_id,
        "created_at": notice.created_at,
        "mail_status": notice.mail_status,
        "acknowledged_at": notice.acknowledged_at,
        "acknowledged_by": notice.acknowledged_by,
    }


@router.get(
    "",
    response=list[NoticeOut],
    summary="De kennisgevingen van de verwerker aan uw instantie (nieuwste eerst)",
    description="Inbreuken, onrechtmatige instructies, opschortingen, wettelijke verstrekkingen ... "
    "Alleen die aan uw instantie.",
)
def notices_list(
    request: HttpRequest,
    acknowledged: Annotated[bool | None, Query(description="true/false: alleen (niet) bevestigde.")] = None,
    limit: Annotated[int, Query(ge=1, le=selectors.LIST_MAX)] = 100,
) -> list[dict[str, Any]]:
    notices = selectors.agency_notices_read(
        agency_id=principal_of(request).agency_id,
        actor=agency_request_actor(request),
        acknowledged=acknowledged,
        limit=limit,
    )
    return [_notice(n) for n in notices]


@router.get(
    "/{notice_id}/pdf",
    response={200: None},
    summary="Eén kennisgeving als PDF",
    openapi_extra={
        "responses": {
            "200": {
                "description": "De kennisgeving als PDF.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def notice_pdf_get(request: HttpRequest, notice_id: NoticeId) -> HttpResponse:
    notice = selectors.agency_notice_for_agency(
        agency_id=principal_of(request).agency_id, notice_id=notice_id, actor=agency_request_actor(request)
    )
    response = HttpResponse(notice_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="kennisgeving-{notice.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/{notice_id}/acknowledge",
    response={200: NoticeOut},
    summary="De ontvangst van een kennisgeving bevestigen",
    description="Eenmalig: een tweede bevestiging verandert niets en geeft de eerste terug.",
)
def notice_acknowledge(request: HttpRequest, notice_id: NoticeId, payload: AcknowledgeIn | None = None) -> Status[Any]:
    notice = services.agency_notice_acknowledge(
        agency_id=principal_of(request).agency_id,
        notice_id=notice_id,
        by=payload.by if payload else "",
        actor=agency_request_actor(request),
    )
    return Status(200, _notice(notice))
