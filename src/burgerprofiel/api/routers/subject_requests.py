"""The agency's answer to a data-subject request a citizen filed in the portal (charter 7; GDPR 12(3)).

The request reaches the agency as the notice ``verwerker.betrokkene_verzoek`` (webhook, feed, e-mail);
the agency answers here. Another agency's request answers 404.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema

from burgerprofiel.api.auth import agency_request_actor, principal_of
from burgerprofiel.api.schemas import Strict
from burgerprofiel.compliance.subject_requests.services import subject_request_answer

router = Router(tags=["verzoeken van betrokkenen"])


class AnswerIn(Strict):
    outcome: Literal["uitgevoerd", "geweigerd", "verlengd"] = Field(
        description="uitgevoerd; geweigerd (met de reden); verlengd: eenmaal met twee maanden (AVG 12.3), met de reden."
    )
    message: str = Field(min_length=1, max_length=5000, description="Het antwoord dat de burger in het portaal leest.")


class SubjectRequestOut(Schema):
    id: uuid.UUID
    kind: str
    state: str
    filed_at: dt.datetime
    due_on: dt.date
    answered_at: dt.datetime | None


@router.post(
    "/{request_id}/answer",
    response=SubjectRequestOut,
    summary="Een verzoek van een betrokkene beantwoorden",
)
def subject_request_answer_post(
    request: HttpRequest,
    request_id: Annotated[uuid.UUID, Path(description="subject_request_id uit de kennisgeving.")],
    payload: AnswerIn,
) -> Any:
    answered = subject_request_answer(
        agency_id=principal_of(request).agency_id,
        request_id=request_id,
        outcome=payload.outcome,
        message=payload.message,
        actor=agency_request_actor(request),
    )
    return {
        "id": answered.pk,
        "kind": answered.kind,
        "state": answered.state,
        "filed_at": answered.filed_at,
        "due_on": answered.due_on,
        "answered_at": answered.answered_at,
    }
