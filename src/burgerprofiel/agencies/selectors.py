from __future__ import annotations

from django.db.models import OuterRef, Subquery

from burgerprofiel.agencies.models import Agency, ApiClient, ProcessingOrderVersion
from burgerprofiel.common.errors import NotFound


def current_order_version(*, agency_id: int) -> ProcessingOrderVersion | None:
    """The order version that governs the agency now.

    The newest order whose latest version is active wins; a draft for a successor order must
    not block the order still in force. Without an active one, the newest order that is not
    terminated (so a suspension is reported as such), else the newest.
    """
    # Every order's latest version, newest order first, in one query (this runs on every API call).
    newest_number = ProcessingOrderVersion.objects.filter(order=OuterRef("order")).order_by("-number").values("number")
    latest = list(
        ProcessingOrderVersion.objects.select_related("order")
        .filter(order__agency_id=agency_id, number=Subquery(newest_number[:1]))
        .order_by("-order__created_at", "-order__pk")
    )
    for wanted in (
        lambda v: v.state == ProcessingOrderVersion.State.ACTIVE,
        lambda v: v.state != ProcessingOrderVersion.State.TERMINATED,
        lambda v: True,
    ):
        for version in latest:
            if wanted(version):
                return version
    return None


def api_client_by_client_id(*, client_id: str) -> ApiClient | None:
    return ApiClient.objects.select_related("agency").filter(client_id=client_id, is_active=True).first()


def agency_get(*, agency_id: int) -> Agency:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound(f"Instantie {agency_id} bestaat niet.")
    return agency
