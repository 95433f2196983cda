from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery

from burgerprofiel.agencies.models import Agency, ApiClient, ProcessingOrderVersion
from burgerprofiel.common.errors import NotFound
from burgerprofiel.common.queries import compiled_raw


def current_order_version(
    *, agency_id: int, latest: Sequence[ProcessingOrderVersion] | None = None
) -> ProcessingOrderVersion | None:
    """The order version that governs the agency now.

    The newest order whose latest version is active wins; a draft for a successor order must
    not block the order still in force. Without an active one, the newest order that is not
    terminated (so a suspension is reported as such), else the newest.

    ``latest``: every order's latest version, newest order first, as this request already read
    them (``api_client_for_call`` reads them along with the client); else they are read now.
    """
    if latest is None:
        # One query whose SQL is built once per process (this runs on every API call); the rows
        # are read fresh every time.
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
    return _latest_versions_query().filter(order__agency_id=agency_id)


def _latest_versions_query() -> QuerySet[ProcessingOrderVersion]:
    """Every order's latest version, newest order first."""
    newest_number = ProcessingOrderVersion.objects.filter(order=OuterRef("order")).order_by("-number").values("number")
    return ProcessingOrderVersion.objects.filter(number=Subquery(newest_number[:1])).order_by(
        "-order__created_at", "-order__pk"
    )


def api_client_by_client_id(*, client_id: str) -> ApiClient | None:
    """The active client, with its agency's data key id as ``agency_data_key_id`` (see ``client_data_key_id``)."""
    return next(iter(compiled_raw(ApiClient, "active_api_client", _active_client, client_id)), None)


def api_client_for_call(*, client_id: str) -> ApiClient | None:
    """As ``api_client_by_client_id``, for an API call made with an access token: also the agency's
    latest order versions as ``latest_order_versions`` (for ``current_order_version``).

    Every agency API call needs both, so they are read in one query: the agency's latest order
    versions, each carrying the client's columns. Only for an agency without any order does that
    find nothing, and the client is read on its own. The client's credentials (secret hash, keys)
    are not read: a call made with a token does not need them.
    """
    versions = list(
        compiled_raw(ProcessingOrderVersion, "client_latest_order_versions", _client_latest_versions, client_id)
    )
    if not versions:
        client = api_client_by_client_id(client_id=client_id)
        if client is not None:
            client.latest_order_versions = []  # type: ignore[attr-defined]
        return client
    first = versions[0]
    client = ApiClient.from_db(
        connection.alias,
        [*CLIENT_COLUMNS, "is_active"],
        [*(getattr(first, f"client_{name}") for name in CLIENT_COLUMNS), True],  # the query asks for active ones
    )
    client.agency_data_key_id = first.agency_data_key_id  # type: ignore[attr-defined]
    client.latest_order_versions = versions  # type: ignore[attr-defined]
    return client


# What an API call uses of its client; the other columns (secret hash, keys) are left deferred.
CLIENT_COLUMNS = ("id", "agency_id", "client_id", "name")


def _client_latest_versions(client_id: str) -> QuerySet[ProcessingOrderVersion]:
    via = "order__agency__api_clients__"
    return (
        _latest_versions_query()
        .filter(**{f"{via}client_id": client_id, f"{via}is_active": True})
        .annotate(
            agency_data_key_id=F("order__agency__data_key_id"),
            **{f"client_{name}": F(f"{via}{name}") for name in CLIENT_COLUMNS},
        )
    )


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


def agencies_ordering(*, component: str, category: str) -> list[Agency]:
    """Agencies whose order in force today allows ``category`` of ``component`` (e.g. the IBAN of
    contactvoorkeuren): those a citizen can give that data to. A handful of agencies, so per agency."""
    from django.utils import timezone

    today = timezone.localdate()
    found = []
    for agency in Agency.objects.order_by("name"):
        version = current_order_version(agency_id=agency.pk)
        if (
            version is not None
            and version.state == ProcessingOrderVersion.State.ACTIVE
            and version.is_valid_on(today)
            and version.allows(component)
            and category in version.categories_for(component)
        ):
            found.append(agency)
    return found
