"""Instructions (charter 3.3, 3.4), notices of a suspension or termination (2.3), and disclosures the
law requires (3.1, 10). Every act is audited; every notice goes through ``agency_notice_send``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from burgerprofiel.agencies.models import Agency, ContactPerson, ProcessingOrder, ProcessingOrderVersion
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import Conflict, NotFound, ValidationError
from burgerprofiel.compliance.instructions.models import Instruction, LegalDisclosure
from burgerprofiel.compliance.notices.services import actor_name, agency_notice_send

SUBJECT_MAX = 200
TEXT_MAX = 10000


def _text(value: str, *, field: str, limit: int, what: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise ValidationError(f"Geef {what} (hoogstens {limit} tekens).", extra={"field": field})
    return value


def _when(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%d-%m-%Y %H:%M}"


# -- instructions --------------------------------------------------------------------------------


class NotAuthorisedContact(ValidationError):
    """422 whatever the reason (unknown id, another agency's person, an authorisation not valid today):
    the answer never tells another agency that an id is one of the first agency's contacts."""

    code = "not-an-authorised-contact"
    title = "Geen gemachtigde contactpersoon"


def instruction_register(
    *, agency: Agency, contact_id: int, subject: str, text: str, channel: str, actor: Actor
) -> Instruction:
    """Register an instruction from one of the agency's contact persons authorised today (3.3).

    Anyone else (another agency's contact, an expired or future authorisation, an unknown id) is
    refused with 422 and the refusal audited; nothing is stored.
    """
    subject = " ".join(_text(subject, field="subject", limit=SUBJECT_MAX, what="een onderwerp").split())
    text = _text(text, field="text", limit=TEXT_MAX, what="de instructie")
    if channel not in Instruction.Channel.values:
        raise ValidationError("Onbekend kanaal.", extra={"field": "channel"})
    today = timezone.localdate()
    contact = ContactPerson.objects.filter(pk=contact_id, agency_id=agency.pk).first()
    if contact is None or not contact.is_authorised_on(today):
        audit_record(
            actor=actor,
            action=AuditAction.INSTRUCTION_REFUSED,
            agency_id=agency.pk,
            target=ContactPerson,
            object_id=contact_id,
            outcome=AuditEvent.Outcome.REFUSED,
            detail={"channel": channel, "reason": "unknown" if contact is None else "not_authorised_today"},
        )
        raise NotAuthorisedContact(
            "Instructies worden enkel aanvaard van een gemachtigde contactpersoon van uw instantie "
            "(Verwerkersovereenkomst 3.3); deze persoon is dat vandaag niet.",
            extra={"field": "contact_id"},
        )
    with transaction.atomic():
        instruction = Instruction.objects.create(
            agency=agency,
            contact=contact,
            contact_role=contact.role,
            channel=channel,
            subject=subject,
            text=text,
            received_at=timezone.now(),
            registered_by=actor_name(actor),
        )
        audit_record(
            actor=actor,
            action=AuditAction.INSTRUCTION_REGISTERED,
            target=instruction,
            agency_id=agency.pk,
            detail={"channel": channel, "contact_id": contact.pk},
        )
    return instruction


def instructions_read(*, agency_id: int, actor: Actor, limit: int = 100) -> list[Instruction]:
    rows = list(Instruction.objects.filter(agency_id=agency_id).order_by("-received_at")[: max(1, min(limit, 1000))])
    audit_record(
        actor=actor,
        action=AuditAction.INSTRUCTIONS_READ,
        target=Instruction,
        agency_id=agency_id,
        detail={"count": len(rows)},
    )
    return rows


def instructions_shown(*, instructions: list[Instruction], actor: Actor) -> None:
    """Audit a listing someone else selected (the back-office's list page, filtered and paged): one
    ``instruction.listed`` per agency whose instructions it shows, with how many, as ``instructions_read``
    records; nothing for an empty page. The count only, never a subject or a text."""
    counts: dict[int, int] = {}
    for instruction in instructions:
        counts[instruction.agency_id] = counts.get(instruction.agency_id, 0) + 1
    for agency_id, count in sorted(counts.items()):
        audit_record(
            actor=actor,
            action=AuditAction.INSTRUCTIONS_READ,
            target=Instruction,
            agency_id=agency_id,
            detail={"count": count},
        )


def instruction_read(*, instruction_id: int, actor: Actor) -> Instruction:
    """One instruction, its texts opened; the read is audited in the agency's trail as a listing of one."""
    instruction = Instruction.objects.select_related("agency").filter(pk=instruction_id).first()
    if instruction is None:
        raise NotFound(f"Instructie {instruction_id} bestaat niet.")
    audit_record(
        actor=actor,
        action=AuditAction.INSTRUCTIONS_READ,
        target=instruction,
        agency_id=instruction.agency_id,
        detail={"count": 1},
    )
    return instruction


def instruction_flag_unlawful(*, instruction: Instruction, reason: str, actor: Actor) -> Instruction:
    """Charter 3.4: the processor considers an instruction contrary to law; the agency is told at once."""
    reason = _text(reason, field="reason", limit=TEXT_MAX, what="de reden")
    with transaction.atomic():
        instruction = Instruction.objects.select_for_update().select_related("agency").get(pk=instruction.pk)
        if instruction.flagged_unlawful_at is not None:
            raise Conflict("Deze instructie werd al als onrechtmatig gemeld.")
        instruction.flagged_unlawful_at = timezone.now()
        instruction.flagged_reason = reason
        instruction.flagged_by = actor_name(actor)
        instruction.save(update_fields=["flagged_unlawful_at", "flagged_reason", "flagged_by"])
        audit_record(
            actor=actor,
            action=AuditAction.INSTRUCTION_FLAGGED_UNLAWFUL,
            target=instruction,
            agency_id=instruction.agency_id,
        )
        agency_notice_send(
            agency=instruction.agency,
            kind="instructie_onrechtmatig",
            subject=f"Uw instructie '{instruction.subject}' is volgens de verwerker in strijd met de wet",
            body=(
                f"Op {_when(instruction.received_at)} ontving het platform Mijn Burgerprofiel van uw gemachtigde "
                f"({instruction.contact_role}) de instructie '{instruction.subject}':\n\n{instruction.text}\n\n"
                "Het platform is van mening dat deze instructie in strijd is met de toepasselijke wetgeving "
                f"(Verwerkersovereenkomst, artikel 3.4), om deze reden:\n\n{reason}\n\n"
                "De instructie wordt niet uitgevoerd zolang ze niet is opgehelderd. Neem contact op met het platform."
            ),
            data={
                "instruction_id": instruction.pk,
                "received_at": instruction.received_at.isoformat(),
                "reason": reason,
            },
            object_type="instructie",
            object_id=str(instruction.pk),
            actor=actor,
        )
    return instruction


# -- suspension and termination (charter 2.3) ----------------------------------------------------

STATE_KINDS: dict[str, tuple[str, str]] = {
    ProcessingOrderVersion.State.SUSPENDED: ("opdracht_opgeschort", "opgeschort"),
    ProcessingOrderVersion.State.TERMINATED: ("opdracht_beeindigd", "beëindigd"),
}


def order_state_notify(
    sender: Any,
    *,
    order: ProcessingOrder,
    version: ProcessingOrderVersion,
    previous_state: str,
    actor: Actor,
    **kwargs: Any,
) -> None:
    """Receiver of ``agencies.signals.order_state_changed``: a suspension or termination is notified
    to the agency with its reason, in the transaction of the transition (charter 2.3)."""
    if version.state not in STATE_KINDS:
        return
    kind, verb = STATE_KINDS[version.state]
    agency = Agency.objects.get(pk=order.agency_id)
    consequence = (
        "Zolang de opschorting duurt, weigert het platform de oproepen van uw systemen voor deze opdracht en "
        "toont het burgers de gegevens ervan niet."
        if version.state == ProcessingOrderVersion.State.SUSPENDED
        else "Het platform verwerkt voor deze opdracht niets meer. Wat er met de gegevens gebeurt (terugbezorgen "
        "of verwijderen, artikel 12.2) volgt uw keuze; vraag het aan via het platform."
    )
    notice = agency_notice_send(
        agency=agency,
        kind=kind,
        subject=f"Verwerkingsopdracht {order.pk} is {verb}",
        body=(
            f"Het platform Mijn Burgerprofiel heeft verwerkingsopdracht {order.pk} {verb} op "
            f"{_when(version.created_at)} (versie {version.number}).\n\nReden:\n{version.state_reason}\n\n{consequence}"
        ),
        data={
            "processing_order_id": order.pk,
            "version": version.number,
            "state": version.state,
            "previous_state": previous_state,
            "reason": version.state_reason,
        },
        object_type="verwerkingsopdracht",
        object_id=str(order.pk),
        actor=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.ORDER_STATE_NOTIFIED,
        target=version,
        agency_id=agency.pk,
        order_version_id=version.pk,
        detail={"state": version.state, "notice_id": str(notice.pk)},
    )


# -- disclosures required by law (charter 3.1, 10) ------------------------------------------------


def _disclosure_notice(disclosure: LegalDisclosure, actor: Actor, *, after_ban: bool) -> None:
    timing = (
        "Deze melding komt na de verwerking: de wet verbood ze eerder, om gewichtige redenen van algemeen belang; "
        "dat verbod is nu opgeheven."
        if after_ban
        else "U ontvangt deze melding voor de verwerking (Verwerkersovereenkomst, artikelen 3.1 en 10)."
    )
    agency_notice_send(
        agency=disclosure.agency,
        kind="wettelijke_verstrekking",
        subject="Een wettelijk verplichte verwerking of verstrekking van uw gegevens",
        body=(
            "Het platform Mijn Burgerprofiel is wettelijk verplicht gegevens van uw instantie te verwerken of te "
            "verstrekken buiten de verwerkingsopdracht.\n\n"
            f"Wettelijke grondslag:\n{disclosure.legal_basis}\n\n"
            f"Ontvanger: {disclosure.recipient}\n\nWat:\n{disclosure.description}\n\n"
            f"Gepland op: {_when(disclosure.planned_for)}\n\n{timing}"
        ),
        data={
            "disclosure_id": disclosure.pk,
            "legal_basis": disclosure.legal_basis,
            "planned_for": disclosure.planned_for.isoformat(),
            "after_ban": after_ban,
        },
        object_type="wettelijke_verstrekking",
        object_id=str(disclosure.pk),
        actor=actor,
    )
    disclosure.notified_at = timezone.now()
    disclosure.save(update_fields=["notified_at"])
    audit_record(
        actor=actor,
        action=AuditAction.LEGAL_DISCLOSURE_NOTIFIED,
        target=disclosure,
        agency_id=disclosure.agency_id,
        detail={"after_ban": after_ban},
    )


def legal_disclosure_register(
    *,
    agency: Agency,
    legal_basis: str,
    recipient: str,
    description: str,
    planned_for: dt.datetime,
    actor: Actor,
    notice_banned: bool = False,
    ban_reason: str = "",
) -> LegalDisclosure:
    """Register a disclosure the law requires and notify the agency now, before it happens; unless the
    law forbids the notice (``notice_banned``, with its ground): then it waits for the ban to lift."""
    legal_basis = _text(legal_basis, field="legal_basis", limit=TEXT_MAX, what="de wettelijke grondslag")
    recipient = _text(recipient, field="recipient", limit=500, what="de ontvanger")
    description = _text(description, field="description", limit=TEXT_MAX, what="wat verstrekt wordt")
    if notice_banned:
        ban_reason = _text(ban_reason, field="ban_reason", limit=TEXT_MAX, what="de grond van het verbod")
    with transaction.atomic():
        disclosure = LegalDisclosure.objects.create(
            agency=agency,
            legal_basis=legal_basis,
            recipient=recipient,
            description=description,
            planned_for=planned_for,
            notice_banned=notice_banned,
            ban_reason=ban_reason if notice_banned else "",
            registered_at=timezone.now(),
            registered_by=actor_name(actor),
        )
        audit_record(
            actor=actor,
            action=AuditAction.LEGAL_DISCLOSURE_REGISTERED,
            target=disclosure,
            agency_id=agency.pk,
            detail={"notice_banned": notice_banned},
        )
        if not notice_banned:
            _disclosure_notice(disclosure, actor, after_ban=False)
    return disclosure


def legal_disclosure_ban_lift(*, disclosure: LegalDisclosure, actor: Actor) -> LegalDisclosure:
    """The ban on telling the agency ended: it is told now."""
    with transaction.atomic():
        disclosure = LegalDisclosure.objects.select_for_update().select_related("agency").get(pk=disclosure.pk)
        if not disclosure.notice_banned or disclosure.ban_lifted_at is not None:
            raise Conflict("Voor deze verstrekking geldt geen verbod meer op de melding.")
        disclosure.ban_lifted_at = timezone.now()
        disclosure.save(update_fields=["ban_lifted_at"])
        audit_record(
            actor=actor,
            action=AuditAction.LEGAL_DISCLOSURE_BAN_LIFTED,
            target=disclosure,
            agency_id=disclosure.agency_id,
        )
        _disclosure_notice(disclosure, actor, after_ban=True)
    return disclosure


def legal_disclosure_get(*, disclosure_id: int) -> LegalDisclosure:
    disclosure = LegalDisclosure.objects.select_related("agency").filter(pk=disclosure_id).first()
    if disclosure is None:
        raise NotFound(f"Verstrekking {disclosure_id} bestaat niet.")
    return disclosure
