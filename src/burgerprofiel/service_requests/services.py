"""Writes on requestable services and service requests (charter 1.1: "een dienst aanvragen").

Design note (issue 12 item 3). An agency publishes a form only for component ``aanvragen`` of its
order, and only one the portal can render (``forms.schema_problems``). A citizen's submission is
validated against the form's schema on the server (``forms.answers_validate``) before anything is
written; then the request, its audit event and the event to the agency (webhook
``aanvraag.ingediend`` and the feed) commit together. The agency answers with its DOSIS dossier
number, after which the request shows in "Mijn dossiers". Answers are encrypted with the agency's
data key and live for the order's retention of ``aanvragen``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from burgerprofiel.agencies.catalogue import DEFAULT_RETENTION_DAYS, Component
from burgerprofiel.agencies.order_check import order_check
from burgerprofiel.agencies.selectors import agency_get, current_order_version
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor, citizen_actor
from burgerprofiel.audit.services import agency_rows_purge, audit_record
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import Conflict, NotFound, ValidationError
from burgerprofiel.common.text import UnstorableText, check_storable
from burgerprofiel.service_requests import selectors
from burgerprofiel.service_requests.forms import answers_validate, schema_problems
from burgerprofiel.service_requests.models import RequestableService, RequestStatus, ServiceRequest
from burgerprofiel.service_requests.receipts import receipt_pdf
from burgerprofiel.webhooks.events import EventType
from burgerprofiel.webhooks.services import rfc3339, webhook_event_publish

EVENT_OBJECT = "aanvraag"
CATEGORIES = ["insz", "ipdc_product", "formuliergegevens", "status"]
PUBLISH_CATEGORIES = ["ipdc_product"]


class AnswerErrors(ValidationError):
    """The form's answers break its schema; ``fields`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(
            "Het formulier bevat fouten.",
            extra={"errors": [{"in": "body", "field": f, "message": m, "code": "invalid"} for f, m in errors.items()]},
        )
        self.fields = errors


def _schema_checked(form_schema: Any) -> dict[str, Any]:
    problems = schema_problems(form_schema)
    if problems:
        raise ValidationError(
            "Dit formulier kan het portaal niet tonen: " + " ".join(problems),
            extra={
                "errors": [
                    {"in": "body", "field": "form_schema", "message": p, "code": "unsupported-schema"} for p in problems
                ]
            },
        )
    return dict(form_schema)


def requestable_service_publish(
    *,
    agency_id: int,
    ipdc_product: str,
    title: str,
    description: str,
    form_schema: dict[str, Any],
    min_acr: str,
    dossier_follows: bool,
    actor: Actor,
) -> RequestableService:
    """Publish a form citizens can fill in (component aanvragen)."""
    schema = _schema_checked(form_schema)
    if min_acr not in settings.PORTAL_ACR_LEVELS:
        raise ValidationError(
            f"Onbekend aanmeldniveau '{min_acr}': kies uit {', '.join(settings.PORTAL_ACR_LEVELS)}.",
            extra={"errors": [{"in": "body", "field": "min_acr", "message": "onbekend", "code": "unknown"}]},
        )
    version = order_check(
        actor=actor, agency_id=agency_id, component=Component.AANVRAGEN, categories=PUBLISH_CATEGORIES
    )
    now = timezone.now()
    with transaction.atomic():
        service = RequestableService(
            agency=agency_get(agency_id=agency_id),
            ipdc_product=ipdc_product,
            title=title,
            description=description,
            form_schema=schema,
            min_acr=min_acr,
            dossier_follows=dossier_follows,
            created_at=now,
            updated_at=now,
        )
        service.save(force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.REQUESTABLE_SERVICE_PUBLISHED,
            agency_id=agency_id,
            order_version_id=version.pk,
            target=RequestableService,
            object_id=str(service.pk),
            detail={"ipdc_product": ipdc_product, "fields": len(schema["properties"])},
        )
    return service


def requestable_service_withdraw(*, agency_id: int, service_id: Any, actor: Actor) -> None:
    """Stop offering a form; requests already submitted stay."""
    version = order_check(actor=actor, agency_id=agency_id, component=Component.AANVRAGEN)
    with transaction.atomic():
        service = RequestableService.objects.select_for_update().filter(pk=service_id, agency_id=agency_id).first()
        if service is None or not service.active:
            raise NotFound("Deze dienst bestaat niet.")
        service.active = False
        service.updated_at = timezone.now()
        service.save(update_fields=["active", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.REQUESTABLE_SERVICE_WITHDRAWN,
            agency_id=agency_id,
            order_version_id=version.pk,
            target=RequestableService,
            object_id=str(service.pk),
        )


def request_out(request: ServiceRequest) -> dict[str, Any]:
    """The request as the agency receives it: the webhook's and the feed's ``data``, and the API's body."""
    return {
        "id": str(request.pk),
        "service_id": str(request.service_id),
        "ipdc_product": request.service.ipdc_product,
        "status": request.status,
        "insz": request.citizen.insz,
        "applicant_name": request.applicant_name,
        "answers": request.answers,
        "dossier_number": request.dossier_number or None,
        "created_at": rfc3339(request.created_at),
        "updated_at": rfc3339(request.updated_at),
    }


def service_request_submit(
    *, citizen: Citizen, service: RequestableService, answers: dict[str, Any], applicant_name: str, language: str = "nl"
) -> ServiceRequest:
    """The citizen submits a form; the agency gets it (webhook and feed). Invalid answers raise
    ``AnswerErrors`` (in ``language``) and store nothing."""
    try:
        check_storable(answers)
    except UnstorableText:
        raise AnswerErrors({"": "Het formulier bevat tekens die niet bewaard kunnen worden."}) from None
    errors = answers_validate(service.form_schema, answers, language)
    if errors:
        raise AnswerErrors(errors)
    if not service.active:
        raise NotFound("Deze dienst wordt niet meer aangeboden.")
    actor = citizen_actor(citizen)
    version = order_check(
        actor=actor, agency_id=service.agency_id, component=Component.AANVRAGEN, categories=CATEGORIES
    )
    days = version.retention_for(Component.AANVRAGEN) or DEFAULT_RETENTION_DAYS[Component.AANVRAGEN]
    now = timezone.now()
    with transaction.atomic():
        request = ServiceRequest(  # type: ignore[misc]  # answers is an EncryptedJSONField: JSON, not text
            agency_id=service.agency_id,
            service=service,
            citizen=citizen,
            applicant_name=applicant_name[:200],
            answers=answers,
            status=RequestStatus.INGEDIEND,
            created_at=now,
            updated_at=now,
            purge_after=now + dt.timedelta(days=days),
        )
        request.agency = service.agency
        request.save(force_insert=True)
        audit_record(
            actor=actor,
            action=AuditAction.SERVICE_REQUEST_SUBMITTED,
            agency_id=service.agency_id,
            order_version_id=version.pk,
            target=ServiceRequest,
            object_id=str(request.pk),
            purpose=f"Aanvraag: {service.title}"[:200],
            detail={"service": str(service.pk)},
        )
        webhook_event_publish(
            agency_id=service.agency_id,
            event_type=EventType.AANVRAAG_INGEDIEND,
            object_type=EVENT_OBJECT,
            object_id=str(request.pk),
            data=request_out(request),
            actor=actor,
        )
    return request


def service_request_dossier_set(
    *, agency_id: int, request_id: Any, dossier_number: str, actor: Actor
) -> ServiceRequest:
    """The agency answers with its DOSIS dossier number; the request then shows in "Mijn dossiers".
    Giving the same number again changes nothing; another number is a conflict."""
    number = dossier_number.strip()
    if not number or len(number) > 200 or any(ord(ch) < 32 for ch in number):
        raise ValidationError(
            "Een dossiernummer heeft 1 tot 200 tekens, zonder stuurtekens.",
            extra={"errors": [{"in": "body", "field": "dossier_number", "message": "ongeldig", "code": "invalid"}]},
        )
    version = order_check(actor=actor, agency_id=agency_id, component=Component.AANVRAGEN, categories=["status"])
    with transaction.atomic():
        request = (
            ServiceRequest.objects.select_for_update()
            .select_related("service", "citizen")
            .filter(pk=request_id, agency_id=agency_id)
            .first()
        )
        if request is None:
            raise NotFound("Deze aanvraag bestaat niet.")
        if request.dossier_number == number:
            return request
        if request.dossier_number:
            raise Conflict(
                f"Deze aanvraag heeft al dossiernummer {request.dossier_number}.",
                extra={"dossier_number": request.dossier_number},
            )
        request.dossier_number = number
        request.status = RequestStatus.DOSSIER
        request.updated_at = timezone.now()
        request.save(update_fields=["dossier_number", "status", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.SERVICE_REQUEST_DOSSIER_LINKED,
            agency_id=agency_id,
            order_version_id=version.pk,
            target=ServiceRequest,
            object_id=str(request.pk),
            detail={"dossier_number": number},
        )
    return request


def service_request_receipt_read(*, citizen: Citizen, request_id: Any, actor: Actor) -> tuple[ServiceRequest, bytes]:
    """The receipt (PDF) of one of the citizen's requests, its download recorded (DESIGN rule 2)."""
    submitted = selectors.service_request_for_citizen(
        citizen=citizen, request_id=request_id, purpose="Ontvangstbewijs van mijn aanvraag"
    )
    pdf = receipt_pdf(submitted)
    audit_record(
        actor=actor,
        action=AuditAction.SERVICE_REQUEST_RECEIPT_DOWNLOADED,
        agency_id=submitted.agency_id,
        target=Citizen,
        object_id=str(submitted.citizen_id),
        detail={"request": str(submitted.pk)},
    )
    return submitted, pdf


def service_requests_purge_expired(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Delete requests past their order's retention, every agency (the retention job runs
    ``service_requests_purge_batch`` per agency instead)."""
    now = now or timezone.now()
    purged = 0
    for agency_id in sorted(set(ServiceRequest.objects.values_list("agency_id", flat=True).distinct().order_by())):
        cutoff = now - dt.timedelta(days=service_requests_retention_days(agency_id=agency_id))
        while True:
            done = service_requests_purge_batch(agency_id=agency_id, created_before=cutoff, batch_size=batch_size)
            purged += done
            if done < batch_size:
                break
    return purged


def service_requests_retention_days(*, agency_id: int) -> int:
    """Days the agency's order keeps them today (0 or unset: the default of charter Bijlage 1)."""
    version = current_order_version(agency_id=agency_id)
    days = version.retention_for(Component.AANVRAGEN) if version is not None else 0
    return days or DEFAULT_RETENTION_DAYS[Component.AANVRAGEN]


def service_requests_purge_batch(*, agency_id: int, created_before: dt.datetime, batch_size: int = 500) -> int:
    """One batch (one transaction) of the agency's requests created before the cutoff."""
    return agency_rows_purge(
        ServiceRequest,
        agency_id=agency_id,
        created_before=created_before,
        action=AuditAction.SERVICE_REQUEST_PURGED,
        batch_size=batch_size,
    )
