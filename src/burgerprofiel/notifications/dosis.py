"""DOSIS status changes become meldingen (issue 3 point 6, charter 1.1).

The DOSIS capability writes one ``DossierStatusChange`` row per owner a melding can reach (a citizen
the platform knows: no row for an organisation or an INSZ it never saw) for every real status
change, in the transaction of the change, and publishes them through ``dossiers.services.outbox``
(this app never touches the dossiers app's tables). This consumer claims a batch, turns each into a melding
through ``notification_create`` (which stores it, audits it and queues the e-mail/SMS the citizen
consented to), and marks the row processed, all in one transaction: a crash before commit leaves
the rows for the next run, so nothing is lost and nothing is sent twice.

Only agencies whose order includes ``notificaties`` get meldingen; organisation (KBO) owners and
citizens the platform has never seen (rows written before filing left them out, or a citizen
erased since) are marked processed without one — they see the change in "Mijn dossiers".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.agencies.models import ProcessingOrderVersion
from burgerprofiel.agencies.order_check import OrderRefused, order_check
from burgerprofiel.audit.actors import Actor
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.crypto.fields import UNREADABLE
from burgerprofiel.dossiers.services import status_changes_claim, status_changes_processed, status_changes_read
from burgerprofiel.notifications.services import notification_create

if TYPE_CHECKING:
    from burgerprofiel.dossiers.models import DossierStatusChange

MESSAGE_MAX = 500
# What a melding made from a status change carries (Bijlage 1, Notificaties): the dossier's name is free text.
CATEGORIES = ["insz", "ipdc_product", "boodschap", "dossier_id", "vrije_tekst"]


def _message(change: DossierStatusChange) -> str:
    status = change.status
    name = change.dossier.name if change.dossier.name is not UNREADABLE else change.dossier.number
    text = f"Uw dossier '{name}' heeft een nieuwe status: {status.code} (fase {status.get_phase_display()})."
    if status.action_needed:
        text += " Er is een actie van u nodig."
    return text[:MESSAGE_MAX]


def _actor(agency_id: int, version: ProcessingOrderVersion) -> Actor:
    """The platform, sending a melding for the agency under its order version."""
    return Actor(kind="system", id="dosis", agency_id=agency_id, order_version_id=version.pk)


def _order_for(agency_id: int) -> ProcessingOrderVersion | None:
    """The order version that lets this agency send meldingen now, or None.

    The order check, as for any call; an agency that did not order meldingen is a normal choice,
    not a refusal, so only the other refusals (suspended, expired, categories) are audited.
    """
    try:
        return order_check(
            actor=Actor(kind="system", id="dosis", agency_id=agency_id),
            agency_id=agency_id,
            component=Component.NOTIFICATIES,
            categories=CATEGORIES,
            audit_unordered=False,
        )
    except OrderRefused:
        return None


def _notify(change: DossierStatusChange, version: ProcessingOrderVersion, citizen: Citizen) -> None:
    actor = _actor(change.agency_id, version)
    dossier = change.dossier
    notification_create(
        agency=change.agency,
        insz=citizen.insz,
        message=_message(change),
        ipdc_product=dossier.ipdc_product or "dossieropvolging",
        actor=actor,
        dossier_id=dossier.number,
        action_required=change.status.action_needed,
        action_url=f"{settings.PUBLIC_URL}{reverse('dossiers:detail', args=[dossier.pk])}",
    )


def dosis_status_changes_consume(*, batch_size: int = 1000) -> dict[str, int]:
    """Turn one batch of pending status changes into meldingen. Safe to run concurrently and twice.

    Which changes can become a melding is decided for the whole batch first (an INSZ owner the
    platform knows, an agency whose order allows meldingen), with one query per kind of fact; only
    those changes are loaded in full, each turned into its melding in a savepoint of its own.
    """
    notified = 0
    with transaction.atomic():
        batch = status_changes_claim(batch_size=batch_size)
        if not batch:
            return {"notified": 0, "skipped": 0}
        insz_owned = [change for change in batch if change.insz_index is not None]
        # Once per agency and batch (a batch is one moment); organisation owners need no order check.
        orders = {agency_id: _order_for(agency_id) for agency_id in {change.agency_id for change in insz_owned}}
        allowed = {agency_id: version for agency_id, version in orders.items() if version is not None}
        candidates = {change.id: change.insz_index for change in insz_owned if change.agency_id in allowed}
        citizens = {c.insz_index: c for c in Citizen.objects.filter(insz_index__in=set(candidates.values()))}
        wanted = [pk for pk, key in candidates.items() if key in citizens]
        for change in status_changes_read(ids=wanted):
            citizen = citizens[change.owner.key]
            if citizen.insz is UNREADABLE:  # its key destroyed: nothing to send to
                continue
            try:
                with transaction.atomic():
                    _notify(change, allowed[change.agency_id], citizen)
            except ApplicationError:  # a change the notification rules refuse is not retried forever
                continue
            notified += 1
        status_changes_processed(ids=[change.id for change in batch])
    return {"notified": notified, "skipped": len(batch) - notified}


def dosis_status_changes_consume_all(*, batch_size: int = 1000, max_batches: int = 50) -> int:
    total = 0
    for _ in range(max_batches):
        result = dosis_status_changes_consume(batch_size=batch_size)
        done = result["notified"] + result["skipped"]
        total += result["notified"]
        if done < batch_size:
            break
    return total
