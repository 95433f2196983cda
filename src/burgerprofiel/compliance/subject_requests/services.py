"""Filing, forwarding, answering and reminding data-subject requests (charter 7; GDPR 12(3)).

Design note: the platform is the processor, so it does not decide a request; it tells the controller
"zo snel mogelijk" (charter 7): each request is forwarded to its agency in the act of filing, through
the processor's notice channel (webhook ``verwerker.betrokkene_verzoek``, the feed and e-mail to the
agency's contacts and DPO), with the INSZ the agency needs to find the citizen and the one-month
deadline of GDPR 12(3). The agency answers over the API (done, refused, or extended once by two
months with reasons); the citizen follows the state in the portal. Before the deadline the platform
reminds the agency once (``SUBJECT_REQUEST_REMINDER_DAYS``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import Conflict, NotFound, ValidationError
from burgerprofiel.compliance.charter.selectors import agencies_with_active_order
from burgerprofiel.compliance.notices.services import agency_notice_send
from burgerprofiel.compliance.subject_requests.export import citizen_export_build
from burgerprofiel.compliance.subject_requests.models import (
    OPEN_STATES,
    RequestKind,
    RequestState,
    SubjectRequest,
)

DETAILS_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 5000
NOTICE_KIND = "betrokkene_verzoek"
REMINDER_KIND = "betrokkene_verzoek_herinnering"
ANSWER_OUTCOMES = {
    "uitgevoerd": RequestState.COMPLETED,
    "geweigerd": RequestState.REFUSED,
    "verlengd": RequestState.EXTENDED,
}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or that month's last day (31 January + 1 month = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class FieldErrors(ValidationError):
    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(" ".join(fields.values()), extra={"fields": fields})
        self.fields = fields


def subject_requests_file(
    *,
    citizen: Citizen,
    kind: str,
    agency_ids: Sequence[int] | None,
    details: str,
    actor: Actor,
) -> list[SubjectRequest]:
    """File one request per agency (``agency_ids`` None: every agency with an active order) and forward
    each at once. Refused as a whole, storing nothing, when any input is wrong."""
    errors: dict[str, str] = {}
    details = (details or "").strip()
    if kind not in RequestKind.values:
        errors["soort"] = "Kies wat u vraagt."
    if kind == RequestKind.RECTIFICATION and not details:
        errors["toelichting"] = "Beschrijf wat er rechtgezet moet worden."
    if len(details) > DETAILS_MAX_LENGTH:
        errors["toelichting"] = f"De toelichting is te lang: hoogstens {DETAILS_MAX_LENGTH} tekens."
    available = {a.pk: a for a in agencies_with_active_order()}
    if agency_ids is None:
        chosen = list(available.values())
    else:
        unknown = [i for i in agency_ids if i not in available]
        chosen = [available[i] for i in dict.fromkeys(agency_ids) if i in available]
        if unknown or not chosen:
            errors["instanties"] = "Kies minstens één instantie uit de lijst."
    if not chosen and "instanties" not in errors:
        errors["instanties"] = "Er is nu geen instantie om uw verzoek naar te sturen."
    if errors:
        raise FieldErrors(errors)
    now = timezone.now()
    due = add_months(timezone.localdate(now), 1)
    filing = uuid.uuid4()
    created = []
    with transaction.atomic():
        for agency in chosen:
            request = SubjectRequest.objects.create(
                filing=filing,
                citizen=citizen,
                agency=agency,
                kind=kind,
                explanation=details,
                filed_at=now,
                due_on=due,
            )
            audit_record(
                actor=actor,
                action=AuditAction.SUBJECT_REQUEST_FILED,
                target=citizen,
                agency_id=agency.pk,
                purpose="charter 7: verzoek van de betrokkene doorgestuurd",
                detail={"request": str(request.pk), "kind": kind, "due_on": due.isoformat()},
            )
            _notify(request, kind=NOTICE_KIND, actor=actor)
            created.append(request)
    return created


def _notify(request: SubjectRequest, *, kind: str, actor: Actor) -> None:
    label = RequestKind(request.kind).label
    reminder = kind == REMINDER_KIND
    subject = (
        f"Herinnering: verzoek van een betrokkene te beantwoorden tegen {request.due_on:%d/%m/%Y}"
        if reminder
        else f"Verzoek van een betrokkene: {label}, te beantwoorden tegen {request.due_on:%d/%m/%Y}"
    )
    body = (
        f"Een burger diende via Mijn Burgerprofiel een verzoek in als betrokkene: {label}.\n"
        f"Uw instantie is de verwerkingsverantwoordelijke; de AVG (art. 12, lid 3) geeft u tot "
        f"{request.due_on:%d/%m/%Y} om te antwoorden.\n\n"
        f"Het INSZ van de burger en de toelichting staan in de gegevens van deze kennisgeving (webhook of "
        f"/api/v1/events). Antwoord met POST /api/v1/subject-requests/{request.pk}/answer; de burger ziet uw "
        "antwoord in het portaal."
    )
    agency_notice_send(
        agency=request.agency,
        kind=kind,
        subject=subject,
        body=body,
        data={
            "subject_request_id": str(request.pk),
            "kind": request.kind,
            "insz": str(request.citizen.insz),
            "details": str(request.explanation or ""),
            "filed_at": request.filed_at.isoformat(),
            "due_on": request.due_on.isoformat(),
        },
        object_type="subject_request",
        object_id=str(request.pk),
        actor=actor,
    )


def subject_request_answer(
    *, agency_id: int, request_id: uuid.UUID, outcome: str, message: str, actor: Actor
) -> SubjectRequest:
    """The agency's answer. Another agency's request is not found (DESIGN rule 6)."""
    message = (message or "").strip()
    if outcome not in ANSWER_OUTCOMES:
        raise ValidationError(
            f"Onbekende uitkomst '{outcome}'. Mogelijk: {', '.join(ANSWER_OUTCOMES)}.", extra={"field": "outcome"}
        )
    if not message:
        raise ValidationError("Een antwoord heeft een boodschap voor de burger.", extra={"field": "message"})
    if len(message) > ANSWER_MAX_LENGTH:
        raise ValidationError(f"Hoogstens {ANSWER_MAX_LENGTH} tekens.", extra={"field": "message"})
    with transaction.atomic():
        request = (
            SubjectRequest.objects.select_for_update()
            .select_related("agency", "citizen")
            .filter(pk=request_id, agency_id=agency_id)
            .first()
        )
        if request is None:
            raise NotFound("Geen verzoek met dit id voor uw instantie.")
        if request.state not in OPEN_STATES:
            raise Conflict("Dit verzoek is al beantwoord.", extra={"state": request.state})
        new_state = ANSWER_OUTCOMES[outcome]
        if new_state == RequestState.EXTENDED:
            if request.state == RequestState.EXTENDED:
                raise Conflict("De termijn werd al verlengd; de AVG staat één verlenging met twee maanden toe.")
            request.due_on = add_months(request.due_on, 2)
            request.reminded_at = None  # remind again before the new deadline
        request.state = new_state
        request.answer = message
        request.answered_at = timezone.now()
        request.save(update_fields=["state", "answer", "answered_at", "due_on", "reminded_at"])
        audit_record(
            actor=actor,
            action=AuditAction.SUBJECT_REQUEST_ANSWERED,
            target=request.citizen,
            agency_id=agency_id,
            purpose="charter 7: antwoord van de instantie op een verzoek van de betrokkene",
            detail={"request": str(request.pk), "outcome": outcome, "due_on": request.due_on.isoformat()},
        )
    return request


def subject_requests_remind(*, actor: Actor, today: dt.date | None = None) -> int:
    """Periodic: one reminder per open request whose deadline is within the reminder window."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.SUBJECT_REQUEST_REMINDER_DAYS)
    reminded = 0
    ids = list(
        SubjectRequest.objects.filter(state__in=OPEN_STATES, reminded_at__isnull=True, due_on__lte=horizon)
        .order_by("due_on")
        .values_list("pk", flat=True)
    )
    for request_id in ids:
        with transaction.atomic():
            request = (
                SubjectRequest.objects.select_for_update()
                .select_related("agency", "citizen")
                .filter(pk=request_id, reminded_at__isnull=True, state__in=OPEN_STATES)
                .first()
            )
            if request is None:
                continue
            request.reminded_at = timezone.now()
            request.save(update_fields=["reminded_at"])
            _notify(request, kind=REMINDER_KIND, actor=actor)
            audit_record(
                actor=actor,
                action=AuditAction.SUBJECT_REQUEST_REMINDED,
                target=request.citizen,
                agency_id=request.agency_id,
                detail={"request": str(request.pk), "due_on": request.due_on.isoformat()},
            )
            reminded += 1
    return reminded


def subject_requests_read(*, citizen: Citizen, actor: Actor) -> list[SubjectRequest]:
    """The citizen's own requests (each agency's answer is personal data: the read is audited)."""
    requests = list(SubjectRequest.objects.filter(citizen=citizen).select_related("agency").order_by("-filed_at"))
    if requests:
        audit_record(
            actor=actor,
            action=AuditAction.SUBJECT_REQUEST_READ,
            target=citizen,
            detail={"requests": len(requests)},
        )
    return requests


def agencies_to_choose() -> list[Agency]:
    return agencies_with_active_order()


def citizen_export(*, citizen: Citizen, fmt: str, actor: Actor) -> dict[str, Any]:
    """The citizen's download of everything the platform holds on them; audited as an access."""
    with transaction.atomic():
        data = citizen_export_build(citizen=citizen)
        audit_record(
            actor=actor,
            action=AuditAction.CITIZEN_EXPORT_DOWNLOADED,
            target=citizen,
            purpose="AVG art. 15 en 20: uitvoer door de burger zelf",
            detail={"format": fmt, "agencies": [a["agency"]["id"] for a in data["agencies"]]},
        )
    return data
