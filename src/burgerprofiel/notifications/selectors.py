from __future__ import annotations

import uuid

from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import NotFound
from burgerprofiel.notifications.models import DeliveryReceipt, Notification


def notifications_for_citizen(*, citizen: Citizen, limit: int = 200) -> list[Notification]:
    return list(Notification.objects.filter(citizen=citizen).select_related("agency").order_by("-created_at")[:limit])


def unread_count(*, citizen: Citizen) -> int:
    return Notification.objects.filter(citizen=citizen, read_at__isnull=True).count()


def notification_for_citizen(*, citizen: Citizen, notification_id: uuid.UUID) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, citizen=citizen).select_related("agency").first()
    if notification is None:
        raise NotFound("Deze melding bestaat niet.")
    return notification


def receipts_for_agency(*, agency_id: int, after_id: int, limit: int) -> list[DeliveryReceipt]:
    return list(DeliveryReceipt.objects.filter(agency_id=agency_id, pk__gt=after_id).order_by("pk")[:limit])
