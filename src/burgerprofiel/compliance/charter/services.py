"""Writes on the charter: publishing a version (an amendment) and the agencies' terminations under it.

Design note (charter 14.3): the processor may amend the charter unilaterally, but every amendment is
announced at least thirty days ahead, with a comprehensible summary, to every agency with an active
order, and during those thirty days each agency may terminate unilaterally. So:

- ``charter_version_publish`` refuses an effective date less than ``AMENDMENT_NOTICE_DAYS`` ahead (and
  a second amendment while one is pending: two overlapping windows would leave an agency unsure which
  text it may leave over), records the version and notifies each agency in the same transaction
  (``agency_notice_send``: notice row, webhook ``verwerker.charter_wijziging``, e-mail to its contacts
  and DPO).
- ``charter_termination_file`` is the agency's act. It is accepted only while the window is open (before
  the effective date). By default the termination takes effect *on the amendment's effective date*: the
  version the agency signed binds until then, and its citizens keep their service as long as the agency
  is bound by terms it accepted. An agency that wants out sooner asks ``at_once``.
- ``charter_terminations_execute`` (scheduled, and run at once for ``at_once``) terminates each due order
  through the order's own state machine (``processing_order_transition``), so the order ends exactly as
  an operator's termination does. Only platform staff may move an order's state; the platform carries
  out the agency's recorded decision, so the actor is staff named after the termination record.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone

from burgerprofiel.agencies.models import ProcessingOrderVersion
from burgerprofiel.agencies.selectors import agency_get, current_order_version
from burgerprofiel.agencies.services import processing_order_transition
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import Conflict, NotFound, ValidationError
from burgerprofiel.compliance.charter.models import CharterTermination, CharterVersion
from burgerprofiel.compliance.charter.selectors import agencies_with_active_order, charter_pending, terminations_due
from burgerprofiel.compliance.notices.services import agency_notice_send

# Charter 14.3: "minstens dertig dagen op voorhand". A term of the charter, not a setting.
AMENDMENT_NOTICE_DAYS = 30
NOTICE_KIND = "charter_wijziging"


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def charter_version_publish(
    *,
    version: str,
    title: str,
    text: str,
    summary: str,
    effective_from: dt.date,
    actor: Actor,
    today: dt.date | None = None,
) -> CharterVersion:
    """Publish an amendment: recorded, audited, and every agency with an active order notified."""
    today = today or timezone.localdate()
    version, title, text, summary = version.strip(), title.strip(), text.strip(), summary.strip()
    if not version:
        raise ValidationError("Een versie heeft een nummer (bv. 3.1).", extra={"field": "version"})
    if not title:
        raise ValidationError("Een versie heeft een titel.", extra={"field": "title"})
    if not text:
        raise ValidationError("Een versie heeft een tekst.", extra={"field": "text"})
    if not summary:
        raise ValidationError(
            "Een wijziging wordt bevattelijk samengevat in de notificatie (charter 14.3).", extra={"field": "summary"}
        )
    earliest = today + dt.timedelta(days=AMENDMENT_NOTICE_DAYS)
    if effective_from < earliest:
        raise ValidationError(
            f"Een wijziging van het verwerkingscharter wordt minstens {AMENDMENT_NOTICE_DAYS} dagen op voorhand "
            f"aangekondigd (charter 14.3): ten vroegste van kracht op {earliest:%d/%m/%Y}.",
            extra={"field": "effective_from", "earliest": earliest.isoformat()},
        )
    with transaction.atomic():
        if CharterVersion.objects.select_for_update().filter(version=version).exists():
            raise Conflict(f"Versie {version} van het verwerkingscharter bestaat al.", extra={"field": "version"})
        pending = charter_pending(today=today)
        if pending:
            raise Conflict(
                f"Versie {pending[0].version} is al aangekondigd (van kracht op {pending[0].effective_from:%d/%m/%Y}); "
                "publiceer een volgende wijziging pas wanneer die van kracht is.",
                extra={"pending": pending[0].pk},
            )
        charter = CharterVersion.objects.create(
            version=version,
            title=title,
            text=text,
            text_sha256=_text_hash(text),
            summary=summary,
            effective_from=effective_from,
            published_at=timezone.now(),
            published_by=f"{actor.kind}:{actor.id}",
        )
        agencies = agencies_with_active_order()
        audit_record(
            actor=actor,
            action=AuditAction.CHARTER_VERSION_PUBLISHED,
            target=charter,
            detail={
                "version": version,
                "effective_from": effective_from.isoformat(),
                "text_sha256": charter.text_sha256,
                "agencies_notified": [a.pk for a in agencies],
            },
        )
        for agency in agencies:
            agency_notice_send(
                agency=agency,
                kind=NOTICE_KIND,
                subject=f"Wijziging van het verwerkingscharter: versie {version} vanaf {effective_from:%d/%m/%Y}",
                body=(
                    f"Het verwerkingscharter van Mijn Burgerprofiel wijzigt. Versie {version} is van kracht vanaf "
                    f"{effective_from:%d/%m/%Y}.\n\nSamenvatting van de wijzigingen:\n{summary}\n\n"
                    f"Tot die datum kan uw instantie de verwerkingsopdracht eenzijdig beëindigen (charter 14.3), "
                    f"via POST /api/v1/charter/amendments/{charter.pk}/termination."
                ),
                data={
                    "amendment_id": charter.pk,
                    "version": version,
                    "effective_from": effective_from.isoformat(),
                    "summary": summary,
                    "text_sha256": charter.text_sha256,
                    "termination_until": (effective_from - dt.timedelta(days=1)).isoformat(),
                },
                object_type="charter_version",
                object_id=str(charter.pk),
                actor=actor,
            )
    return charter


def charter_termination_file(
    *,
    amendment_id: int,
    agency_id: int,
    reason: str,
    at_once: bool = False,
    actor: Actor,
    today: dt.date | None = None,
) -> CharterTermination:
    """The agency terminates its active order under a pending amendment (charter 14.3)."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Een beëindiging vermeldt een reden.", extra={"field": "reason"})
    amendment = CharterVersion.objects.filter(pk=amendment_id).first()
    if amendment is None:
        raise NotFound(f"Geen wijziging van het verwerkingscharter met id {amendment_id}.")
    if amendment.effective_from <= today:
        raise Conflict(
            f"De termijn om te beëindigen onder versie {amendment.version} liep af op "
            f"{amendment.effective_from - dt.timedelta(days=1):%d/%m/%Y} (charter 14.3).",
            extra={"effective_from": amendment.effective_from.isoformat()},
        )
    with transaction.atomic():
        version = current_order_version(agency_id=agency_id)
        if version is None or version.state != ProcessingOrderVersion.State.ACTIVE:
            raise Conflict("Uw instantie heeft geen actieve verwerkingsopdracht om te beëindigen.")
        if CharterTermination.objects.filter(amendment=amendment, order_id=version.order_id).exists():
            raise Conflict(
                f"Verwerkingsopdracht {version.order_id} werd onder versie {amendment.version} al beëindigd.",
                extra={"order": version.order_id},
            )
        termination = CharterTermination.objects.create(
            amendment=amendment,
            agency=agency_get(agency_id=agency_id),
            order_id=version.order_id,
            reason=reason,
            when=CharterTermination.When.AT_ONCE if at_once else CharterTermination.When.AT_EFFECTIVE_DATE,
            takes_effect_on=today if at_once else amendment.effective_from,
            filed_at=timezone.now(),
            filed_by=f"{actor.kind}:{actor.id}",
        )
        audit_record(
            actor=actor,
            action=AuditAction.CHARTER_TERMINATION_FILED,
            target=termination,
            agency_id=agency_id,
            order_version_id=version.pk,
            detail={
                "amendment": amendment.version,
                "order": version.order_id,
                "when": termination.when,
                "takes_effect_on": termination.takes_effect_on.isoformat(),
            },
        )
        if at_once:
            _execute(termination)
    return termination


def _execute(termination: CharterTermination) -> None:
    executor = Actor(kind="staff", id=f"charter-termination:{termination.pk}", agency_id=termination.agency_id)
    reason = (
        f"Beëindigd door de instantie onder wijziging {termination.amendment.version} van het verwerkingscharter "
        f"(charter 14.3): {termination.reason}"
    )
    latest = termination.order.versions.order_by("-number").first()
    already = latest is not None and latest.state == ProcessingOrderVersion.State.TERMINATED
    if not already:
        processing_order_transition(order=termination.order, verb="terminate", actor=executor, reason=reason)
    termination.executed_at = timezone.now()
    termination.save(update_fields=["executed_at"])
    audit_record(
        actor=executor,
        action=AuditAction.CHARTER_TERMINATION_EXECUTED,
        target=termination,
        agency_id=termination.agency_id,
        detail={"order": termination.order_id, "already_terminated": already},
    )


def charter_terminations_execute(*, today: dt.date | None = None) -> int:
    """Terminate every order whose termination under an amendment is due; safe to run twice."""
    done = 0
    for termination_id in list(terminations_due(today=today).values_list("pk", flat=True)):
        with transaction.atomic():
            termination = (
                CharterTermination.objects.select_for_update()
                .select_related("amendment", "order")
                .filter(pk=termination_id, executed_at__isnull=True)
                .first()
            )
            if termination is None:
                continue
            _execute(termination)
            done += 1
    return done
