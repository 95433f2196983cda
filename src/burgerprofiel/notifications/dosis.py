"""DOSIS status changes become meldingen (issue 3 point 6, charter 1.1).

The DOSIS capability writes one ``DossierStatusChange`` row per owner for every real status
change, in the transaction of the change. This consumer claims a batch, turns each into a melding
through ``notification_create`` (which stores it, audits it and queues the e-mail/SMS the citizen
consented to), and marks the row processed, all in one transaction: a crash before commit leaves
the rows for the next run, so nothing is lost and nothing is sent twice.

Only agencies whose order includes ``notificaties`` get meldingen; organisation (KBO) owners and
citizens the platform has never seen (no contact preferences, so nothing could be sent) are
marked processed without one — they see the change in "Mijn dossiers".
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.agencies.models import ProcessingOrderVersion
from burgerprofiel.agencies.order_check import OrderRefused, order_check
from burgerprofiel.agencies.selectors import current_order_version
from burgerprofiel.audit.actors import Actor
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.crypto.fields import UNREADABLE
from burgerprofiel.dossiers.models import DossierOwner, DossierStatusChange

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


def _order_for(agency_id: int) -> ProcessingOrderVersion | None:
    """The order version that lets this agency send meldingen now, or None (refusals audited)."""
    version = current_order_version(agency_id=agency_id)
    if version is None or not version.allows(Component.NOTIFICATIES):
        return None  # the agency did not order meldingen: a normal choice, not a refusal
    actor = Actor(kind="system", id="dosis", agency_id=agency_id, order_version_id=version.pk)
    try:
        # The full order check (state, validity, categories), audited when it refuses.
        return order_check(actor=actor, agency_id=agency_id, component=Component.NOTIFICATIES, categories=CATEGORIES)
    except OrderRefused:
        return None


def _notify(change: DossierStatusChange, orders: dict[int, ProcessingOrderVersion | None]) -> bool:
    from burgerprofiel.notifications.services import notification_create

    if change.owner.kind != DossierOwner.Kind.INSZ:
        return False
    if change.agency_id not in orders:  # once per agency and batch: a batch is one moment
        orders[change.agency_id] = _order_for(change.agency_id)
    version = orders[change.agency_id]
    if version is None:
        return False
    citizen = Citizen.objects.filter(insz_index=change.owner.key).first()
    if citizen is None or citizen.insz is UNREADABLE:
        return False
    actor = Actor(kind="system", id="dosis", agency_id=change.agency_id, order_version_id=version.pk)
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
    return True


def dosis_status_changes_consume(*, batch_size: int = 200) -> dict[str, int]:
    """Turn one batch of pending status changes into meldingen. Safe to run concurrently and twice."""
    notified = skipped = 0
    with transaction.atomic():
        pending = DossierStatusChange.objects.filter(processed_at__isnull=True).order_by("id")
        if connection.vendor == "postgresql":
            pending = pending.select_for_update(skip_locked=True, of=("self",))
        batch = list(pending.select_related("dossier", "owner", "status", "agency")[:batch_size])
        orders: dict[int, ProcessingOrderVersion | None] = {}
        for change in batch:
            try:
                with transaction.atomic():
                    sent = _notify(change, orders)
            except ApplicationError:  # a change the notification rules refuse is not retried forever
                sent = False
            notified += sent
            skipped += not sent
        DossierStatusChange.objects.filter(pk__in=[c.pk for c in batch]).update(processed_at=timezone.now())
    return {"notified": notified, "skipped": skipped}


def dosis_status_changes_consume_all(*, batch_size: int = 200, max_batches: int = 50) -> int:
    total = 0
    for _ in range(max_batches):
        result = dosis_status_changes_consume(batch_size=batch_size)
        done = result["notified"] + result["skipped"]
        total += result["notified"]
        if done < batch_size:
            break
    return total
