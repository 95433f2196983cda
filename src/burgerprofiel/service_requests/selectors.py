"""Reads of requestable services and service requests, always scoped to the agency or the citizen.

A read of a request is an access to the citizen's data: audited on the citizen (the event's target is the ``Citizen``),
so it shows in their "Wie bekeek mijn gegevens".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.agencies.selectors import (
    SUSPENDED,
    AgencyDataSuspended,
    agencies_not_processing,
    agency_names,
    current_order_version,
)
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor, citizen_actor
from burgerprofiel.audit.services import audit_reads_per_citizen, audit_record
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import NotFound
from burgerprofiel.service_requests.models import RequestableService, ServiceRequest


def _uuid(value: Any) -> uuid.UUID:
    """An id from the caller; one that is no UUID names nothing (404)."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound("Onbekend id.") from None


def _agencies_offering(agency_ids: set[int]) -> set[int]:
    """Which of these agencies take requests now: an order in force (charter 2.3) that has aanvragen."""
    stopped = agencies_not_processing(agency_ids=agency_ids)
    offering = set()
    for agency_id in agency_ids - set(stopped):
        version = current_order_version(agency_id=agency_id)
        if version is not None and version.allows(Component.AANVRAGEN):
            offering.add(agency_id)
    return offering


def _not_processing(citizen: Citizen) -> dict[int, str]:
    """The agencies with requests of this citizen that may not be shown now (charter 2.3)."""
    return agencies_not_processing(
        agency_ids=ServiceRequest.objects.filter(citizen=citizen).values_list("agency_id", flat=True).distinct()
    )


def service_request_agencies_suspended_for_citizen(*, citizen: Citizen) -> list[str]:
    """The names of the agencies whose requests of this citizen are withheld while their order is suspended."""
    stopped = _not_processing(citizen)
    return agency_names(agency_ids=[agency_id for agency_id, why in stopped.items() if why == SUSPENDED])


def requestable_services_for_agency(*, agency_id: int) -> list[RequestableService]:
    return list(RequestableService.objects.filter(agency_id=agency_id, active=True).order_by("created_at", "pk"))


def requestable_service_for_agency(*, agency_id: int, service_id: Any) -> RequestableService:
    service = RequestableService.objects.filter(pk=_uuid(service_id), agency_id=agency_id, active=True).first()
    if service is None:
        raise NotFound("Deze dienst bestaat niet.")
    return service


def requestable_services_offered() -> list[RequestableService]:
    """What a citizen can request now: active forms of agencies whose order includes aanvragen."""
    services = list(RequestableService.objects.filter(active=True).select_related("agency").order_by("title"))
    offering = _agencies_offering({s.agency_id for s in services})
    return [s for s in services if s.agency_id in offering]


def requestable_service_offered(*, service_id: Any) -> RequestableService:
    service = RequestableService.objects.filter(pk=_uuid(service_id), active=True).select_related("agency").first()
    if service is None or not _agencies_offering({service.agency_id}):
        raise NotFound("Deze dienst wordt niet (meer) aangeboden.")
    return service


@dataclass
class RequestPage:
    items: list[ServiceRequest]
    next: str
    has_more: bool


def _audit_read(*, actor: Actor, requests: list[ServiceRequest], action: AuditAction, purpose: str) -> None:
    audit_reads_per_citizen(
        actor=actor, rows=requests, action=action, purpose=purpose, subject=Citizen, detail_key="requests"
    )


def service_requests_for_agency(
    *, agency_id: int, actor: Actor, after: str | None = None, limit: int = 100
) -> RequestPage:
    """The agency's requests, oldest first; ``after`` is the id of the last request of the previous page."""
    requests = ServiceRequest.objects.filter(agency_id=agency_id).select_related("citizen", "service")
    if after:
        anchor = ServiceRequest.objects.filter(pk=_uuid(after), agency_id=agency_id).first()
        if anchor is None:
            raise NotFound("Onbekende cursor 'after'.")
        requests = requests.filter(
            Q(created_at__gt=anchor.created_at) | Q(created_at=anchor.created_at, pk__gt=anchor.pk)
        )
    rows = list(requests.order_by("created_at", "pk")[: limit + 1])
    items = rows[:limit]
    _audit_read(actor=actor, requests=items, action=AuditAction.SERVICE_REQUEST_LISTED, purpose="Aanvragen opgevraagd")
    return RequestPage(items=items, next=str(items[-1].pk) if items else (after or ""), has_more=len(rows) > limit)


def service_request_for_agency(*, agency_id: int, request_id: Any, actor: Actor) -> ServiceRequest:
    request = (
        ServiceRequest.objects.select_related("citizen", "service")
        .filter(pk=_uuid(request_id), agency_id=agency_id)
        .first()
    )
    if request is None:  # another agency's request answers the same as none (DESIGN rule 6)
        raise NotFound("Deze aanvraag bestaat niet.")
    _audit_read(actor=actor, requests=[request], action=AuditAction.SERVICE_REQUEST_VIEWED, purpose="Aanvraag gelezen")
    return request


def service_requests_for_citizen(*, citizen: Citizen, with_dossier: bool | None = None) -> list[ServiceRequest]:
    """The citizen's requests, newest first; without those of an agency whose order is suspended or
    ended (showing them is processing, charter 2.3)."""
    requests = (
        ServiceRequest.objects.filter(citizen=citizen)
        .exclude(agency_id__in=list(_not_processing(citizen)))
        .select_related("service", "agency")
    )
    if with_dossier is not None:
        requests = requests.exclude(dossier_number="") if with_dossier else requests.filter(dossier_number="")
    found = list(requests.order_by("-created_at"))
    for agency_id in {r.agency_id for r in found}:
        audit_record(
            actor=citizen_actor(citizen),
            action=AuditAction.SERVICE_REQUEST_LISTED,
            agency_id=agency_id,
            target=Citizen,
            object_id=str(citizen.pk),
            purpose="Mijn aanvragen",
        )
    return found


def service_request_for_citizen(*, citizen: Citizen, request_id: Any, purpose: str = "Mijn aanvraag") -> ServiceRequest:
    request = (
        ServiceRequest.objects.select_related("service", "agency", "citizen")
        .filter(pk=_uuid(request_id), citizen=citizen)
        .first()
    )
    if request is None:
        raise NotFound("Deze aanvraag bestaat niet of is niet van u.")
    stopped = agencies_not_processing(agency_ids=[request.agency_id]).get(request.agency_id)
    if stopped == SUSPENDED:
        raise AgencyDataSuspended(request.agency.name)
    if stopped is not None:
        raise NotFound("Deze aanvraag bestaat niet of is niet van u.")
    audit_record(
        actor=citizen_actor(citizen),
        action=AuditAction.SERVICE_REQUEST_VIEWED,
        agency_id=request.agency_id,
        target=Citizen,
        object_id=str(citizen.pk),
        purpose=purpose,
        detail={"request": str(request.pk)},
    )
    return request
