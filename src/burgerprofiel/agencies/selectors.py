from __future__ import annotations

import uuid

from django.db.models import F, OuterRef, QuerySet, Subquery

from burgerprofiel.agencies.models import Agency, ApiClient, ProcessingOrderVersion
from burgerprofiel.common.errors import NotFound
from burgerprofiel.common.queries import compiled_raw


def current_order_version(*, agency_id: int) -> ProcessingOrderVersion | None:
    """The order version that governs the agency now.

    The newest order whose latest version is active wins; a draft for a successor order must
    not block the order still in force. Without an active one, the newest order that is not
    terminated (so a suspension is reported as such), else the newest.
    """
    # Every order's latest version, newest order first, in one query whose SQL is built once per
    # process (this runs on every API call); the rows are read fresh every time.
    latest = list(compiled_raw(ProcessingOrderVersion, "latest_order_versions", _latest_versions, agency_id))
    for wanted in (
        lambda v: v.state == ProcessingOrderVersion.State.ACTIVE,
        lambda v: v.state != ProcessingOrderVersion.State.TERMINATED,
        lambda v: True,
    ):
        for version in latest:
            if wanted(version):
                return version
    return None


def _latest_versions(agency_id: int) -> QuerySet[ProcessingOrderVersion]:
    newest_number = ProcessingOrderVersion.objects.filter(order=OuterRef("order")).order_by("-number").values("number")
    return ProcessingOrderVersion.objects.filter(
        order__agency_id=agency_id, number=Subquery(newest_number[:1])
    ).order_by("-order__created_at", "-order__pk")


def api_client_by_client_id(*, client_id: str) -> ApiClient | None:
    """The active client, with its agency's data key id as ``agency_data_key_id`` (see ``client_data_key_id``)."""
    return next(iter(compiled_raw(ApiClient, "active_api_client", _active_client, client_id)), None)


def _active_client(client_id: str) -> QuerySet[ApiClient]:
    return ApiClient.objects.filter(client_id=client_id, is_active=True).annotate(
        agency_data_key_id=F("agency__data_key_id")
    )[:1]


def client_data_key_id(client: ApiClient) -> uuid.UUID:
    """The data key of the client's agency: what an agency call's stored data is encrypted with."""
    read_along = getattr(client, "agency_data_key_id", None)  # SQLite reads it as hex text
    return uuid.UUID(str(read_along)) if read_along is not None else client.agency.data_key_id


def agency_get(*, agency_id: int) -> Agency:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound(f"Instantie {agency_id} bestaat niet.")
    return agency
