from __future__ import annotations

from burgerprofiel.agencies.models import Agency, ApiClient, ProcessingOrder, ProcessingOrderVersion
from burgerprofiel.common.errors import NotFound


def current_order_version(*, agency_id: int) -> ProcessingOrderVersion | None:
    """The latest version of the agency's newest order that is not terminated (else the newest)."""
    orders = ProcessingOrder.objects.filter(agency_id=agency_id).order_by("-created_at", "-pk")
    fallback = None
    for order in orders:
        version = order.versions.order_by("-number").first()
        if version is None:
            continue
        if version.state != ProcessingOrderVersion.State.TERMINATED:
            return version
        fallback = fallback or version
    return fallback


def api_client_by_client_id(*, client_id: str) -> ApiClient | None:
    return ApiClient.objects.select_related("agency").filter(client_id=client_id, is_active=True).first()


def agency_get(*, agency_id: int) -> Agency:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound(f"Instantie {agency_id} bestaat niet.")
    return agency
