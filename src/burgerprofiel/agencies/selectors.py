from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from burgerprofiel.agencies.models import Agency, ApiClient, ContactPerson, ProcessingOrder, ProcessingOrderVersion
from burgerprofiel.common.errors import ApplicationError, NotFound
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


def contact_persons_authorised(*, agency_id: int, on: dt.date | None = None) -> list[ContactPerson]:
    """The people who may instruct the platform for the agency on ``on`` (today): charter 3.3. An
    authorisation that has not started or has ended does not count."""
    day = on or timezone.localdate()
    return list(
        ContactPerson.objects.filter(agency_id=agency_id, authorised_from__lte=day)
        .filter(Q(authorised_until__isnull=True) | Q(authorised_until__gte=day))
        .order_by("pk")
    )


# -- what a citizen may still be shown of an agency (charter 2.3) --------------------------------

SUSPENDED = "suspended"  # the order is suspended: the agency's data is temporarily not shown
ENDED = "ended"  # terminated, expired or never in force: the agency's data is not shown at all


class AgencyDataSuspended(ApplicationError):
    """A citizen asked for something of an agency whose processing order is suspended."""

    code = "agency-suspended"
    status = 503
    title = "Tijdelijk niet beschikbaar"

    def __init__(self, agency_name: str) -> None:
        super().__init__(f"De gegevens van {agency_name} zijn tijdelijk niet beschikbaar.")
        self.agency_name = agency_name


def agencies_not_processing(*, agency_ids: Iterable[int], today: dt.date | None = None) -> dict[int, str]:
    """Which of these agencies' data may not be processed now, showing to a citizen included.

    Charter 2.3: a suspended order suspends the processing, and showing stored dossiers or
    meldingen to the citizen is processing. Each agency is judged by the order version that
    governs it (``current_order_version``): ``SUSPENDED`` when that is suspended, ``ENDED`` when
    it is terminated, not (or no longer) valid today, or when there is no order in force at all.
    Agencies not in the answer may be shown.
    """
    ids = set(agency_ids)
    if not ids:
        return {}
    today = today or timezone.localdate()
    latest: dict[int, list[ProcessingOrderVersion]] = {agency_id: [] for agency_id in ids}
    for row in _latest_versions_query().filter(order__agency_id__in=ids).select_related("order"):
        latest[row.order.agency_id].append(row)
    stopped = {}
    for agency_id, versions in latest.items():
        version = current_order_version(agency_id=agency_id, latest=versions)
        if version is not None and version.state == ProcessingOrderVersion.State.SUSPENDED:
            stopped[agency_id] = SUSPENDED
        elif version is None or version.state != ProcessingOrderVersion.State.ACTIVE or not version.is_valid_on(today):
            stopped[agency_id] = ENDED
    return stopped


def agency_names(*, agency_ids: Iterable[int]) -> list[str]:
    return sorted(Agency.objects.filter(pk__in=set(agency_ids)).values_list("name", flat=True))


def client_snapshot_guard_sql(client: ApiClient) -> tuple[str, tuple[Any, ...]]:
    """A condition (SQL, parameters) that holds while ``client`` as ``api_client_for_call`` read it is
    still what a read now would find: the client active, its agency's data key the same, and no
    order version of the agency newer than those read (every change of an order, its state
    included, is a new version: ``agencies.services``). For a write that confirms a kept read in
    its own statement (``api.auth.order_guard_of``)."""
    versions = getattr(client, "latest_order_versions", None) or []
    newest = max((v.pk for v in versions), default=None)
    clients = ApiClient._meta.db_table
    agencies = Agency._meta.db_table
    orders = ProcessingOrder._meta.db_table
    order_versions = ProcessingOrderVersion._meta.db_table
    sql = (
        f"EXISTS (SELECT 1 FROM {clients} c JOIN {agencies} a ON a.id = c.agency_id "  # noqa: S608 - the models' tables; values are parameters
        "WHERE c.client_id = %s AND c.is_active AND c.agency_id = %s AND a.data_key_id IS NOT DISTINCT FROM %s) "
        f"AND (SELECT max(v.id) FROM {order_versions} v JOIN {orders} o ON o.id = v.order_id "
        "WHERE o.agency_id = %s) IS NOT DISTINCT FROM %s"
    )
    key = getattr(client, "agency_data_key_id", None)
    return sql, (client.client_id, client.agency_id, key, client.agency_id, newest)
