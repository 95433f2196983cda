"""The retention job: one run per agency and component, and one per kind of the platform's own data.

Design note (DESIGN rule 7; charter 1.1 "zo lang relevant"; GOV.UK Notify's nightly purge). The
schedule queues one task per agency and component; each reads the retention from the agency's order
*as it is at that moment*, so a changed order counts from the next run on, and removes what is older
in batches of RETENTION_BATCH_SIZE, each batch one transaction with its own audit event (written by
the capability that owns the rows). An interrupted run loses nothing: what it did is committed, what
it did not do is still past the cutoff for the next run. A run still in progress elsewhere (another
worker) is left alone for RETENTION_RUN_LEASE_SECONDS. The platform's own data (citizens nothing
refers to, verification records, delivery metadata) gets periods from the settings; so does an open
dossier that has not changed for DOSSIER_STALE_DAYS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.agencies.models import Agency
from burgerprofiel.citizens.services import citizens_purge, citizens_unreferenced
from burgerprofiel.compliance.retention.models import RetentionRun
from burgerprofiel.corrections.services import error_reports_purge_batch, error_reports_retention_days
from burgerprofiel.dossiers.selectors import dossier_owner_keys
from burgerprofiel.dossiers.services import dosis_retention_days, dossiers_purge_batch
from burgerprofiel.notifications.services import (
    deliveries_purge_batch,
    notifications_content_purge_batch,
    notifications_retention_days,
)
from burgerprofiel.payments.services import payments_purge_batch, payments_retention_days
from burgerprofiel.preferences.services import verifications_purge_batch
from burgerprofiel.service_requests.services import service_requests_purge_batch, service_requests_retention_days

# (agency_id, cutoff, retention_days, batch_size, now) -> rows removed in one batch
BatchPurge = Callable[[int, dt.datetime, int, int, dt.datetime], int]


@dataclass(frozen=True)
class ComponentRetention:
    days: Callable[[int], int]  # the agency's order, read at the run
    batch: BatchPurge


def _dosis_batch(agency_id: int, cutoff: dt.datetime, days: int, size: int, now: dt.datetime) -> int:
    stale = settings.DOSSIER_STALE_DAYS
    return dossiers_purge_batch(
        agency_id=agency_id,
        closed_before=cutoff,
        retention_days=days,
        batch_size=size,
        stale_before=now - dt.timedelta(days=stale) if stale > 0 else None,
    )


# The components whose data the platform stores (the pulled ones, uw_gegevens and attesten, store none;
# contactvoorkeuren are the citizen's own, kept while the citizen keeps them).
COMPONENTS: dict[str, ComponentRetention] = {
    Component.DOSIS: ComponentRetention(lambda a: dosis_retention_days(agency_id=a), _dosis_batch),
    Component.NOTIFICATIES: ComponentRetention(
        lambda a: notifications_retention_days(agency_id=a),
        lambda a, cutoff, days, size, now: notifications_content_purge_batch(
            agency_id=a, created_before=cutoff, batch_size=size
        ),
    ),
    Component.FOUTMELDINGEN: ComponentRetention(
        lambda a: error_reports_retention_days(agency_id=a),
        lambda a, cutoff, days, size, now: error_reports_purge_batch(
            agency_id=a, created_before=cutoff, batch_size=size
        ),
    ),
    Component.AANVRAGEN: ComponentRetention(
        lambda a: service_requests_retention_days(agency_id=a),
        lambda a, cutoff, days, size, now: service_requests_purge_batch(
            agency_id=a, created_before=cutoff, batch_size=size
        ),
    ),
    Component.BETALINGEN: ComponentRetention(
        lambda a: payments_retention_days(agency_id=a),
        lambda a, cutoff, days, size, now: payments_purge_batch(
            agency_id=a, finished_before=cutoff, retention_days=days, batch_size=size
        ),
    ),
}


def _citizens_batch(cutoff: dt.datetime, size: int, now: dt.datetime) -> int:
    active_since = now - dt.timedelta(seconds=settings.PORTAL_SESSION_MAX_SECONDS)
    ids = list(
        citizens_unreferenced(
            created_before=cutoff, active_since=active_since, keys_in_use=dossier_owner_keys()
        ).values_list("pk", flat=True)[:size]
    )
    return citizens_purge(citizen_ids=ids, reason="retention: nothing refers to this citizen") if ids else 0


@dataclass(frozen=True)
class PlatformRetention:
    setting: str  # the period, in days, from the settings
    batch: Callable[[dt.datetime, int, dt.datetime], int]  # (cutoff, batch_size, now) -> rows removed


PLATFORM: dict[str, PlatformRetention] = {
    "burgers": PlatformRetention("CITIZEN_UNREFERENCED_RETENTION_DAYS", _citizens_batch),
    "verificaties": PlatformRetention(
        "PREFERENCES_VERIFICATION_RETENTION_DAYS",
        lambda cutoff, size, now: verifications_purge_batch(created_before=cutoff, batch_size=size),
    ),
    "verzendingen": PlatformRetention(
        "NOTIFICATIONS_DELIVERY_RETENTION_DAYS",
        lambda cutoff, size, now: deliveries_purge_batch(final_before=cutoff, batch_size=size),
    ),
}


def retention_component_run(*, agency_id: int, component: str, now: dt.datetime | None = None) -> RetentionRun | None:
    """Purge one agency's data of one component past its order's retention today, batch by batch."""
    entry = COMPONENTS[component]
    now = now or timezone.now()
    days = entry.days(agency_id)
    cutoff = now - dt.timedelta(days=days)
    return _run(
        agency_id=agency_id,
        scope=component,
        days=days,
        cutoff=cutoff,
        now=now,
        batch=lambda size: entry.batch(agency_id, cutoff, days, size, now),
    )


def retention_platform_run(*, scope: str, now: dt.datetime | None = None) -> RetentionRun | None:
    """Purge one kind of the platform's own data past its period from the settings."""
    entry = PLATFORM[scope]
    now = now or timezone.now()
    days = int(getattr(settings, entry.setting))
    cutoff = now - dt.timedelta(days=days)
    return _run(
        agency_id=None,
        scope=scope,
        days=days,
        cutoff=cutoff,
        now=now,
        batch=lambda size: entry.batch(cutoff, size, now),
    )


def _run(
    *,
    agency_id: int | None,
    scope: str,
    days: int,
    cutoff: dt.datetime,
    now: dt.datetime,
    batch: Callable[[int], int],
) -> RetentionRun | None:
    """Batch after batch until one comes back short; the run row keeps the count as it goes."""
    size = settings.RETENTION_BATCH_SIZE
    with transaction.atomic():
        previous = (
            RetentionRun.objects.select_for_update()
            .filter(agency_id=agency_id, scope=scope, state=RetentionRun.State.RUNNING)
            .order_by("-started_at")
            .first()
        )
        if previous is not None:
            if previous.started_at > now - dt.timedelta(seconds=settings.RETENTION_RUN_LEASE_SECONDS):
                return None  # another worker is on it
            previous.state = RetentionRun.State.INTERRUPTED
            previous.save(update_fields=["state"])
        run = RetentionRun.objects.create(
            agency_id=agency_id, scope=scope, retention_days=days, cutoff=cutoff, started_at=now
        )
    try:
        while True:
            done = batch(size)
            run.purged += done
            run.batches += 1
            run.save(update_fields=["purged", "batches"])
            if done < size:
                break
    except Exception as exc:
        run.state, run.error, run.finished_at = RetentionRun.State.FAILED, type(exc).__name__, timezone.now()
        run.save(update_fields=["state", "error", "finished_at"])
        raise
    run.state, run.finished_at = RetentionRun.State.FINISHED, timezone.now()
    run.save(update_fields=["state", "finished_at"])
    return run


def retention_jobs() -> list[tuple[int | None, str]]:
    """Every job the schedule queues: (agency_id, component) for every agency, (None, kind) for the platform."""
    jobs: list[tuple[int | None, str]] = [
        (agency_id, component)
        for agency_id in Agency.objects.order_by("pk").values_list("pk", flat=True)
        for component in COMPONENTS
    ]
    return jobs + [(None, scope) for scope in PLATFORM]
