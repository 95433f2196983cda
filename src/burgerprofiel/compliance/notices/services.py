"""Sending a notice to an agency, and the agency's acknowledgement.

``agency_notice_send`` is the one way the processor tells an agency something (breaches, unlawful
instructions, suspensions, disclosures, sub-processor changes, amendments): in one transaction it
records the notice, audits it, queues one e-mail per authorised contact person and the DPO, and
publishes the webhook/feed event ``verwerker.<kind>`` (last, as ``webhook_event_publish`` asks).
The worker sends the e-mails afterwards (``mail.py``); nothing goes on the wire inside the act.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from burgerprofiel.agencies.models import Agency
from burgerprofiel.agencies.selectors import contact_persons_authorised
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import NotFound
from burgerprofiel.compliance.notices.models import AgencyNotice, NoticeMail
from burgerprofiel.webhooks.events import EventType
from burgerprofiel.webhooks.services import webhook_event_publish

SUBJECT_MAX_LENGTH = 300


def event_type_of(kind: str) -> str:
    """The event type of a notice kind (``inbreuk`` → ``verwerker.inbreuk``); ``ValueError`` if it
    is not declared in webhooks/events.py."""
    event_type = f"verwerker.{kind}"
    if event_type not in EventType.values:
        raise ValueError(f"unknown notice kind {kind!r}: declare {event_type!r} in webhooks/events.py")
    return event_type


def actor_name(actor: Actor) -> str:
    return f"{actor.kind}:{actor.id}"[:128]


def notice_recipients(*, agency: Agency) -> list[tuple[str, str]]:
    """(role, address) of everyone a notice goes to: the contact persons authorised today and the
    DPO, each address once (a DPO who is also a contact gets one mail, as contact)."""
    seen: set[str] = set()
    recipients: list[tuple[str, str]] = []
    people = [(NoticeMail.Role.CONTACT, str(p.email)) for p in contact_persons_authorised(agency_id=agency.pk)]
    if str(agency.dpo_email or "").strip():
        people.append((NoticeMail.Role.DPO, str(agency.dpo_email).strip()))
    for role, address in people:
        key = address.strip().lower()
        if key and key not in seen:
            seen.add(key)
            recipients.append((role, address.strip()))
    return recipients


def agency_notice_send(
    *,
    agency: Agency,
    kind: str,
    subject: str,
    body: str,
    data: dict[str, Any],
    object_type: str,
    object_id: str,
    actor: Actor,
) -> AgencyNotice:
    """Record a notice to ``agency``, publish ``verwerker.<kind>`` and queue its e-mails.

    ``subject`` (one line) and ``body`` (plain text, Dutch) are what the e-mail and the API show;
    ``data`` is the machine-readable content (the webhook event's ``data`` carries it, with the
    notice's id, kind and subject). ``object_type``/``object_id`` name what the notice is about
    (``"breach"``, its id). Call it inside the act's transaction, or on its own.
    """
    event_type = event_type_of(kind)
    subject = " ".join(subject.split())
    if not subject or len(subject) > SUBJECT_MAX_LENGTH:
        raise ValueError(f"a notice has a one-line subject of 1-{SUBJECT_MAX_LENGTH} characters")
    if not body.strip():
        raise ValueError("a notice has a body")
    if not isinstance(data, dict):
        raise TypeError("a notice's data is a JSON object")
    now = timezone.now()
    with transaction.atomic():
        notice = AgencyNotice(  # type: ignore[misc]  # data is an EncryptedJSONField: JSON, not text
            agency=agency,
            kind=kind,
            subject=subject,
            body=body,
            data=data,
            object_type=object_type,
            object_id=str(object_id),
            created_at=now,
            created_by=actor_name(actor),
        )
        recipients = notice_recipients(agency=agency)
        if not recipients:
            notice.mail_status = AgencyNotice.MailStatus.NO_RECIPIENTS
        notice.save(force_insert=True)
        NoticeMail.objects.bulk_create(
            [
                NoticeMail(notice=notice, agency=agency, role=role, recipient=address, next_attempt_at=now)
                for role, address in recipients
            ]
        )
        audit_record(
            actor=actor,
            action=AuditAction.AGENCY_NOTICE_SENT,
            target=notice,
            agency_id=agency.pk,
            detail={
                "kind": kind,
                "about": f"{object_type}:{object_id}",
                "recipients": len(recipients),
                "roles": sorted({role for role, _ in recipients}),
            },
        )
        event = webhook_event_publish(
            agency_id=agency.pk,
            event_type=event_type,
            object_type=object_type,
            object_id=str(object_id),
            data={"notice_id": str(notice.pk), "kind": kind, "subject": subject, **data},
            actor=actor,
        )
        AgencyNotice.objects.filter(pk=notice.pk).update(event_id=event.event_id)
        notice.event_id = event.event_id
    return notice


def agency_notice_acknowledge(*, agency_id: int, notice_id: uuid.UUID, actor: Actor, by: str = "") -> AgencyNotice:
    """The agency confirms it received a notice (once; a second call answers the first).

    Another agency's notice is not found (404), as a missing one is. ``by`` names who acknowledged
    (a contact person); empty: the calling client.
    """
    with transaction.atomic():
        notice = AgencyNotice.objects.select_for_update().filter(pk=notice_id, agency_id=agency_id).first()
        if notice is None:
            raise NotFound("Deze kennisgeving bestaat niet.")
        if notice.acknowledged_at is None:
            notice.acknowledged_at = timezone.now()
            notice.acknowledged_by = (by.strip() or actor_name(actor))[:200]
            notice.save(update_fields=["acknowledged_at", "acknowledged_by"])
            audit_record(
                actor=actor,
                action=AuditAction.AGENCY_NOTICE_ACKNOWLEDGED,
                target=notice,
                agency_id=agency_id,
                detail={"kind": notice.kind, "about": f"{notice.object_type}:{notice.object_id}"},
            )
    return notice
