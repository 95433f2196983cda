"""The order check (DESIGN rule 1): purpose limitation as code.

Every agency call passes through ``order_check`` before it touches data: the agency must have an
order that is active, valid today, orders the component, and allows every data category the call
carries. The check reads the order from the database on every request, so a suspension
(charter 2.3) takes effect on the very next request, whatever tokens were issued before it.
Each refusal is audited and answered 403 problem+json naming what is missing.

``order_check`` is the only entry point; nothing else decides whether an order allows processing.
Its callers: the API's authentication (``api.auth.AgencyAuth``, and ``order_check_categories`` for
categories known only from the input), idempotent replays (``api.idempotency``), DOSIS uploads and
their filing (``dossiers.services.accept``/``filing``), the DOSIS melding consumer
(``notifications.dosis``), pulls for "Uw gegevens" and certificates (``personal_data.services``),
webhook subscriptions and deliveries (``webhooks.services``/``dispatch``). Batch callers check once
per agency and batch (a batch is one moment).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.utils import timezone

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.agencies.models import ProcessingOrderVersion
from burgerprofiel.agencies.selectors import current_order_version
from burgerprofiel.agencies.services import ORDER_PROCESSING_STATES
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import PermissionDenied
from burgerprofiel.common.metrics import ORDER_REFUSALS


class OrderRefused(PermissionDenied):
    code = "order-refused"
    title = "Niet toegelaten door de verwerkingsopdracht"

    def __init__(self, reason: str, detail: str, **extra: object) -> None:
        super().__init__(detail, extra={"reason": reason, **extra})
        self.code = reason
        self.reason = reason


def _refuse(
    *,
    actor: Actor,
    agency_id: int,
    version: ProcessingOrderVersion | None,
    component: str | None,
    reason: str,
    detail: str,
    **extra: object,
) -> OrderRefused:
    audit_record(
        actor=actor,
        action=AuditAction.ORDER_CHECK_REFUSED,
        outcome=AuditEvent.Outcome.REFUSED,
        agency_id=agency_id,
        order_version_id=version.pk if version else None,
        target=version or ProcessingOrderVersion,
        purpose=f"component {component}" if component else "",
        detail={"reason": reason, "component": component, **extra},
    )
    ORDER_REFUSALS.labels(reason).inc()
    return OrderRefused(reason, detail, component=component, **extra)


def order_check(
    *,
    actor: Actor,
    agency_id: int,
    component: str | None = None,
    categories: Iterable[str] = (),
    on: dt.date | None = None,
    latest: Sequence[ProcessingOrderVersion] | None = None,
    audit_unordered: bool = True,
) -> ProcessingOrderVersion:
    """Return the order version that allows this call, or raise ``OrderRefused`` (audited).

    ``latest``: the agency's latest order versions as read along with its client (see
    ``current_order_version``): by this request, or kept from an earlier one only by an operation whose
    write statement confirms them still current (``AgencyAuth(confirmed_in_write=True)`` with
    ``client_snapshot_guard_sql``: no newer version, client active, same agency key); the date and the
    state are checked here on every call either way.
    ``audit_unordered=False``: for the platform's own batch work on behalf of agencies that may not
    have ordered ``component`` at all (a DOSIS agency without meldingen), where that is a normal
    choice rather than a refused call: still refused, but not recorded as a refusal.
    """
    day = on or timezone.localdate()
    version = current_order_version(agency_id=agency_id, latest=latest)

    def refuse(reason: str, detail: str, **extra: object) -> OrderRefused:
        if reason == "component-not-ordered" and not audit_unordered:
            return OrderRefused(reason, detail, component=component, **extra)
        return _refuse(
            actor=actor,
            agency_id=agency_id,
            version=version,
            component=component,
            reason=reason,
            detail=detail,
            **extra,
        )

    if version is None:
        raise refuse("no-order", "Uw instantie heeft geen verwerkingsopdracht.")
    state = version.state
    if state not in ORDER_PROCESSING_STATES:  # the state machine's table (agencies.services)
        if state == ProcessingOrderVersion.State.SUSPENDED:
            raise refuse(
                "order-suspended",
                f"De verwerkingsopdracht is opgeschort: {version.state_reason or 'geen reden opgegeven'}.",
                order_version=version.number,
            )
        if state == ProcessingOrderVersion.State.TERMINATED:
            raise refuse("order-terminated", "De verwerkingsopdracht is beëindigd.", order_version=version.number)
        raise refuse("order-not-active", "De verwerkingsopdracht is nog niet actief.", order_version=version.number)
    if version.valid_from and day < version.valid_from:
        raise refuse(
            "order-not-yet-valid",
            f"De verwerkingsopdracht geldt pas vanaf {version.valid_from.isoformat()}.",
            valid_from=version.valid_from.isoformat(),
        )
    if version.valid_until and day > version.valid_until:
        raise refuse(
            "order-expired",
            f"De verwerkingsopdracht liep af op {version.valid_until.isoformat()}.",
            valid_until=version.valid_until.isoformat(),
        )
    if component is not None:
        if component not in version.components:
            label = Component(component).label if component in Component.values else component
            raise refuse(
                "component-not-ordered",
                f"De component '{label}' is niet besteld in de verwerkingsopdracht.",
                missing=[component],
            )
        allowed = set(version.categories_for(component))
        missing = sorted({c for c in categories if c not in allowed})
        if missing:
            raise refuse(
                "category-not-allowed",
                f"Niet toegelaten gegevenscategorieën voor {component}: {', '.join(missing)}.",
                missing=missing,
            )
    return version
