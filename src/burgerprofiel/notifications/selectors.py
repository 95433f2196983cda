from __future__ import annotations

import uuid

from burgerprofiel.agencies.selectors import SUSPENDED, AgencyDataSuspended, agencies_not_processing, agency_names
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import NotFound
from burgerprofiel.notifications.models import DeliveryReceipt, Notification


def _not_processing(citizen: Citizen) -> dict[int, str]:
    """The agencies with meldingen for this citizen that may not be shown now (charter 2.3)."""
    agency_ids = Notification.objects.filter(citizen=citizen).values_list("agency_id", flat=True).distinct()
    return agencies_not_processing(agency_ids=agency_ids)


def notifications_for_citizen(*, citizen: Citizen, limit: int = 200) -> list[Notification]:
    """The citizen's meldingen, newest first, without those of an agency whose order is suspended
    or ended: showing them is processing (charter 2.3)."""
    return list(
        Notification.objects.filter(citizen=citizen)
        .exclude(agency_id__in=list(_not_processing(citizen)))
        .select_related("agency")
        .order_by("-created_at")[:limit]
    )


def notification_agencies_suspended_for_citizen(*, citizen: Citizen) -> list[str]:
    """The names of the agencies whose meldingen for this citizen are withheld while their order is suspended."""
    stopped = _not_processing(citizen)
    return agency_names(agency_ids=[agency_id for agency_id, why in stopped.items() if why == SUSPENDED])


def unread_count(*, citizen: Citizen) -> int:
    unread = Notification.objects.filter(citizen=citizen, read_at__isnull=True)
    stopped = agencies_not_processing(agency_ids=unread.values_list("agency_id", flat=True).distinct())
    return unread.exclude(agency_id__in=list(stopped)).count()


def notification_for_citizen(*, citizen: Citizen, notification_id: uuid.UUID) -> Notification:
    """One of the citizen's meldingen; ``AgencyDataSuspended`` while its agency's order is suspended."""
    notification = Notification.objects.filter(pk=notification_id, citizen=citizen).select_related("agency").first()
    if notification is None:
        raise NotFound("Deze melding bestaat niet.")
    stopped = agencies_not_processing(agency_ids=[notification.agency_id]).get(notification.agency_id)
    if stopped == SUSPENDED:
        raise AgencyDataSuspended(notification.agency.name)
    if stopped is not None:
        raise NotFound("Deze melding bestaat niet.")
    return notification


def receipts_for_agency(*, agency_id: int, after_id: int, limit: int) -> list[DeliveryReceipt]:
    return list(DeliveryReceipt.objects.filter(agency_id=agency_id, pk__gt=after_id).order_by("pk")[:limit])
