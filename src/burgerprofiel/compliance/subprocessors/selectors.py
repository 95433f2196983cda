"""Reads of the sub-processor register, the planned changes and the transfer permissions."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from burgerprofiel.agencies.models import Agency, ProcessingOrderVersion
from burgerprofiel.agencies.selectors import current_order_version
from burgerprofiel.compliance.subprocessors.models import SubProcessor, SubProcessorChange, TransferPermission


def agency_active_order_version(*, agency_id: int, today: dt.date | None = None) -> ProcessingOrderVersion | None:
    """The agency's order version in force today, if it is active (else None)."""
    today = today or timezone.localdate()
    version = current_order_version(agency_id=agency_id)
    if version is None or version.state != ProcessingOrderVersion.State.ACTIVE or not version.is_valid_on(today):
        return None
    return version


def agencies_with_active_order(*, today: dt.date | None = None) -> list[tuple[Agency, ProcessingOrderVersion]]:
    """Every agency whose order in force is active today, with that version: a handful of rows."""
    found = []
    for agency in Agency.objects.order_by("name"):
        version = agency_active_order_version(agency_id=agency.pk, today=today)
        if version is not None:
            found.append((agency, version))
    return found


def subprocessors_effective() -> QuerySet[SubProcessor]:
    """The sub-processors in force: the register agencies agreed to (charter 6.1)."""
    return SubProcessor.objects.filter(state=SubProcessor.State.ACTIVE)


def subprocessor_register() -> QuerySet[SubProcessor]:
    """In force and planned: what an agency reads (Bijlage 2 is updated before a change, charter 6.2)."""
    return SubProcessor.objects.filter(state__in=[SubProcessor.State.ACTIVE, SubProcessor.State.PLANNED])


def changes_planned() -> QuerySet[SubProcessorChange]:
    return (
        SubProcessorChange.objects.filter(state=SubProcessorChange.State.PLANNED)
        .select_related("subprocessor", "replaces")
        .order_by("effective_on", "created_at")
    )


def transfer_permissions_in_force(*, order_id: int) -> QuerySet[TransferPermission]:
    return TransferPermission.objects.filter(order_id=order_id, revoked_at__isnull=True)
