"""Reads on the charter: the version in force, pending amendments, terminations under them."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from burgerprofiel.agencies.models import Agency, ProcessingOrderVersion
from burgerprofiel.common.errors import NotFound
from burgerprofiel.compliance.charter.models import CharterTermination, CharterVersion


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def charter_in_force(*, today: dt.date | None = None) -> CharterVersion | None:
    """The version with the latest effective date on or before ``today``."""
    return CharterVersion.objects.filter(effective_from__lte=_today(today)).order_by("-effective_from", "-pk").first()


def charter_pending(*, today: dt.date | None = None) -> list[CharterVersion]:
    """Published amendments whose effective date is still ahead, soonest first."""
    return list(CharterVersion.objects.filter(effective_from__gt=_today(today)).order_by("effective_from", "pk"))


def charter_versions() -> QuerySet[CharterVersion]:
    return CharterVersion.objects.order_by("-effective_from", "-pk")


def charter_version_get(*, version_id: int) -> CharterVersion:
    version = CharterVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound(f"Geen versie van het verwerkingscharter met id {version_id}.")
    return version


def active_order_versions() -> list[ProcessingOrderVersion]:
    """The latest version of every order whose latest version is active, with order and agency."""
    newest = ProcessingOrderVersion.objects.filter(order=OuterRef("order")).order_by("-number").values("number")
    return list(
        ProcessingOrderVersion.objects.filter(number=Subquery(newest[:1]), state=ProcessingOrderVersion.State.ACTIVE)
        .select_related("order__agency")
        .order_by("order__agency__name", "order_id")
    )


def agencies_with_active_order() -> list[Agency]:
    """Every agency with at least one active order: those the processor's notices go to."""
    seen: dict[int, Agency] = {}
    for version in active_order_versions():
        seen.setdefault(version.order.agency_id, version.order.agency)
    return list(seen.values())


def terminations_for_agency(*, agency_id: int) -> list[CharterTermination]:
    return list(
        CharterTermination.objects.filter(agency_id=agency_id).select_related("amendment").order_by("-filed_at")
    )


def terminations_due(*, today: dt.date | None = None) -> QuerySet[CharterTermination]:
    return CharterTermination.objects.filter(executed_at__isnull=True, takes_effect_on__lte=_today(today)).order_by(
        "takes_effect_on", "pk"
    )


def charter_terminations_all() -> list[CharterTermination]:
    return list(CharterTermination.objects.select_related("amendment").order_by("-filed_at"))
