"""Planning changes of the sub-processor register, objections to them, and transfers outside the EEA.

Design note (charter 6.2, 6.3, 10). A change is planned at least ``NOTICE_DAYS`` days ahead and
every agency with an active order is told at once; until its date an agency may object with a
reason. An objection holds the change back until the operator records one of the outcomes of 6.3
(appoint anyway, replace by another, do not appoint) or the agency ends its order free of charge.
``subprocessor_changes_apply`` (a periodic task) puts a change into effect on its date when no
objection is open. A sub-processor outside the EEA is refused unless every agency whose data it
would receive has an order that allows the transfer, with its legal ground (charter 10).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pycountry
from django.db import transaction
from django.utils import timezone

from burgerprofiel.agencies.catalogue import CATEGORIES
from burgerprofiel.agencies.models import Agency, ProcessingOrder
from burgerprofiel.agencies.services import processing_order_transition
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import SYSTEM, Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import Conflict, NotFound, PermissionDenied, ValidationError
from burgerprofiel.compliance.notices.services import agency_notice_send
from burgerprofiel.compliance.subprocessors.eea import country_normalise, in_eea
from burgerprofiel.compliance.subprocessors.models import (
    Objection,
    SubProcessor,
    SubProcessorChange,
    TransferPermission,
)
from burgerprofiel.compliance.subprocessors.selectors import (
    agencies_with_active_order,
    agency_active_order_version,
    transfer_permissions_in_force,
)
from burgerprofiel.personal_data.models import PullSource
from burgerprofiel.personal_data.services import pull_source_add

NOTICE_DAYS = 30  # charter 6.2: "minstens dertig dagen vóór een wijziging"
REASON_MIN_LENGTH = 10
NOTICE_KIND_CHANGE = "onderverwerker_wijziging"
NOTICE_KIND_OBJECTION = "onderverwerker_bezwaar"
ALL_CATEGORY_CODES = frozenset(code for categories in CATEGORIES.values() for code in categories)


class TransferNotAllowed(PermissionDenied):
    """Charter 10: no data outside the EEA unless the order explicitly asks for it."""

    code = "transfer-not-allowed"
    title = "Doorgifte buiten de EER niet toegelaten"


@dataclass(frozen=True)
class SubProcessorDetails:
    name: str
    identifier: str
    address: str
    country: str
    role: str
    data_categories: tuple[str, ...]
    contract_date: dt.date
    endpoints: tuple[str, ...]


def details_validate(details: SubProcessorDetails) -> SubProcessorDetails:
    """Normalise and check what describes a sub-processor; every problem is a ValidationError."""
    name, identifier = details.name.strip(), details.identifier.strip()
    address, role = details.address.strip(), details.role.strip()
    for value, label in ((name, "naam"), (identifier, "ondernemingsnummer"), (address, "adres"), (role, "rol")):
        if not value:
            raise ValidationError(f"De {label} van de onderverwerker is verplicht.", extra={"field": label})
    country = country_normalise(details.country)
    if pycountry.countries.get(alpha_2=country) is None:
        raise ValidationError(f"Onbekende landcode '{details.country}': gebruik ISO 3166-1 alpha-2 (BE, NL, US, ...).")
    if country == "BE":
        from stdnum.be import vat  # lazy: only Belgian identifiers are KBO numbers

        if not vat.is_valid(identifier):
            raise ValidationError(f"'{identifier}' is geen geldig KBO-nummer.", extra={"field": "identifier"})
        identifier = vat.compact(identifier)
    unknown = sorted(set(details.data_categories) - ALL_CATEGORY_CODES)
    if unknown:
        raise ValidationError(f"Onbekende gegevenscategorieën: {', '.join(unknown)}.")
    endpoints = tuple(sorted({_host_pattern(e) for e in details.endpoints if e.strip()}))
    return SubProcessorDetails(
        name=name,
        identifier=identifier,
        address=address,
        country=country,
        role=role,
        data_categories=tuple(sorted(set(details.data_categories))),
        contract_date=details.contract_date,
        endpoints=endpoints,
    )


def _host_pattern(value: str) -> str:
    """A host name or pattern (``*.mollie.com``); a URL is reduced to its host."""
    value = value.strip().lower()
    host = urlsplit(value).hostname if "://" in value else value
    if not host or any(c in host for c in "/ :@"):
        raise ValidationError(f"'{value}' is geen hostnaam.", extra={"field": "endpoints"})
    return host


# -- transfers outside the EEA (charter 10) --------------------------------------------------------


def transfer_allowed(*, agency_id: int, country: str, recipient: str = "") -> bool:
    """Whether data of this agency may go to ``country``: inside the EEA always; outside only when
    the order in force allows it explicitly, for that recipient or for any recipient there."""
    if in_eea(country):
        return True
    version = agency_active_order_version(agency_id=agency_id)
    if version is None:
        return False
    wanted = recipient.strip().lower()
    return any(
        not p.recipient or p.recipient.strip().lower() == wanted
        for p in transfer_permissions_in_force(order_id=version.order_id).filter(country=country_normalise(country))
    )


def transfer_check(*, agency_id: int, country: str, recipient: str, actor: Actor) -> None:
    """Refuse (audited) a transfer of this agency's data outside the EEA its order does not allow."""
    if transfer_allowed(agency_id=agency_id, country=country, recipient=recipient):
        return
    audit_record(
        actor=actor,
        action=AuditAction.TRANSFER_REFUSED,
        agency_id=agency_id,
        outcome=AuditEvent.Outcome.REFUSED,
        detail={"country": country_normalise(country), "recipient": recipient},
    )
    raise TransferNotAllowed(
        f"{recipient or 'Deze ontvanger'} ligt buiten de Europese Economische Ruimte ({country_normalise(country)}) "
        "en de verwerkingsopdracht laat die doorgifte niet uitdrukkelijk toe (charter 10). Leg eerst de doorgifte "
        "met haar rechtsgrond vast bij de opdracht.",
        extra={"country": country_normalise(country), "agency_id": agency_id},
    )


def transfer_allow(
    *, order_id: int, country: str, legal_ground: str, actor: Actor, recipient: str = ""
) -> TransferPermission:
    """Record that an order explicitly allows a transfer outside the EEA, with its legal ground."""
    country = country_normalise(country)
    if pycountry.countries.get(alpha_2=country) is None:
        raise ValidationError(f"Onbekende landcode '{country}'.")
    if in_eea(country):
        raise ValidationError(f"{country} ligt in de EER: daarvoor is geen toelating nodig.")
    if len(legal_ground.strip()) < REASON_MIN_LENGTH:
        raise ValidationError(
            "Vermeld de rechtsgrond van de doorgifte (AVG hoofdstuk V).", extra={"field": "legal_ground"}
        )
    order = ProcessingOrder.objects.filter(pk=order_id).first()
    if order is None:
        raise NotFound(f"Verwerkingsopdracht {order_id} bestaat niet.")
    with transaction.atomic():
        permission = TransferPermission.objects.create(
            order=order,
            country=country,
            recipient=recipient.strip(),
            legal_ground=legal_ground.strip(),
            created_by=f"{actor.kind}:{actor.id}",
        )
        audit_record(
            actor=actor,
            action=AuditAction.TRANSFER_ALLOWED,
            agency_id=order.agency_id,
            target=permission,
            detail={"order_id": order.pk, "country": country, "recipient": permission.recipient},
        )
    return permission


def transfer_revoke(*, permission_id: int, actor: Actor) -> TransferPermission:
    with transaction.atomic():
        permission = (
            TransferPermission.objects.select_for_update().select_related("order").filter(pk=permission_id).first()
        )
        if permission is None:
            raise NotFound(f"Toelating {permission_id} bestaat niet.")
        if permission.revoked_at is None:
            permission.revoked_at = timezone.now()
            permission.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action=AuditAction.TRANSFER_REVOKED,
                agency_id=permission.order.agency_id,
                target=permission,
                detail={"country": permission.country},
            )
    return permission


def agencies_lacking_transfer(*, country: str, recipient: str) -> list[Agency]:
    """Agencies with an active order that do not allow a transfer to ``country`` for ``recipient``."""
    if in_eea(country):
        return []
    return [
        agency
        for agency, _ in agencies_with_active_order()
        if not transfer_allowed(agency_id=agency.pk, country=country, recipient=recipient)
    ]


def pull_source_register(
    *,
    agency_id: int,
    component: str,
    url: str,
    country: str,
    actor: Actor,
    theme: str = "",
    timeout_seconds: float | None = None,
    loket_url: str = "",
) -> PullSource:
    """Register an agency's pull source, refusing one outside the EEA its order does not allow (charter 10)."""
    if pycountry.countries.get(alpha_2=country_normalise(country)) is None:
        raise ValidationError(f"Onbekende landcode '{country}': in welk land staat de bron?")
    transfer_check(agency_id=agency_id, country=country, recipient=urlsplit(url).hostname or url, actor=actor)
    return pull_source_add(
        agency_id=agency_id,
        component=component,
        url=url,
        theme=theme,
        timeout_seconds=timeout_seconds,
        loket_url=loket_url,
        actor=actor,
    )


# -- planning changes (charter 6.2) ---------------------------------------------------------------


def subprocessor_change_plan(
    *,
    kind: str,
    effective_on: dt.date,
    actor: Actor,
    details: SubProcessorDetails | None = None,
    target_id: int | None = None,
    reason: str = "",
    today: dt.date | None = None,
) -> SubProcessorChange:
    """Plan adding, replacing or removing a sub-processor; every agency with an active order is told now.

    ``details`` describe the new sub-processor (add, replace); ``target_id`` is the one in force that
    is replaced or removed. Refused, with nothing stored, when the date is under ``NOTICE_DAYS`` days
    ahead or when a new sub-processor outside the EEA lacks an order's permission.
    """
    today = today or timezone.localdate()
    if kind not in SubProcessorChange.Kind.values:
        raise ValidationError(f"Onbekende soort wijziging '{kind}': add, replace of remove.")
    earliest = today + dt.timedelta(days=NOTICE_DAYS)
    if effective_on < earliest:
        raise ValidationError(
            f"Een wijziging van de onderverwerkers gaat ten vroegste {NOTICE_DAYS} dagen na de aankondiging in "
            f"(charter 6.2): kies {earliest.isoformat()} of later.",
            extra={"field": "effective_on", "earliest": earliest.isoformat()},
        )
    new: SubProcessorDetails | None = None
    if kind in (SubProcessorChange.Kind.ADD, SubProcessorChange.Kind.REPLACE):
        if details is None:
            raise ValidationError("Beschrijf de nieuwe onderverwerker.")
        new = details_validate(details)
        lacking = agencies_lacking_transfer(country=new.country, recipient=new.name)
        if lacking:
            audit_record(
                actor=actor,
                action=AuditAction.TRANSFER_REFUSED,
                outcome=AuditEvent.Outcome.REFUSED,
                detail={"country": new.country, "recipient": new.name, "agencies": [a.pk for a in lacking]},
            )
            raise TransferNotAllowed(
                f"{new.name} is gevestigd buiten de Europese Economische Ruimte ({new.country}). De "
                f"verwerkingsopdracht van {', '.join(a.name for a in lacking)} laat die doorgifte niet uitdrukkelijk "
                "toe (charter 10).",
                extra={"country": new.country, "agencies": [a.pk for a in lacking]},
            )
    with transaction.atomic():
        target = None
        if kind in (SubProcessorChange.Kind.REPLACE, SubProcessorChange.Kind.REMOVE):
            target = SubProcessor.objects.select_for_update().filter(pk=target_id or 0).first()
            if target is None or target.state != SubProcessor.State.ACTIVE:
                raise ValidationError("Kies een onderverwerker die nu van kracht is.", extra={"field": "target"})
            if (
                SubProcessorChange.objects.filter(
                    state=SubProcessorChange.State.PLANNED, kind=SubProcessorChange.Kind.REMOVE, subprocessor=target
                ).exists()
                or SubProcessorChange.objects.filter(state=SubProcessorChange.State.PLANNED, replaces=target).exists()
            ):
                raise Conflict(f"Voor {target.name} is al een wijziging gepland.")
        if new is not None:
            subject = SubProcessor.objects.create(
                name=new.name,
                identifier=new.identifier,
                address=new.address,
                country=new.country,
                role=new.role,
                data_categories=list(new.data_categories),
                contract_date=new.contract_date,
                endpoints=list(new.endpoints),
                state=SubProcessor.State.PLANNED,
            )
        else:
            if target is None:  # REMOVE always has one (checked above); for mypy
                raise ValidationError("Kies een onderverwerker.")
            subject = target
        change = SubProcessorChange.objects.create(
            kind=kind,
            subprocessor=subject,
            replaces=target if kind == SubProcessorChange.Kind.REPLACE else None,
            effective_on=effective_on,
            reason=reason.strip(),
            planned_by=f"{actor.kind}:{actor.id}",
        )
        audit_record(
            actor=actor,
            action=AuditAction.SUBPROCESSOR_CHANGE_PLANNED,
            target=change,
            detail={
                "kind": kind,
                "subprocessor_id": subject.pk,
                "replaces_id": target.pk if target is not None and kind == SubProcessorChange.Kind.REPLACE else None,
                "effective_on": effective_on.isoformat(),
                "country": subject.country,
            },
        )
        for agency, _ in agencies_with_active_order(today=today):
            change_notice_send(agency=agency, change=change, actor=actor)
    return change


def change_out(change: SubProcessorChange) -> dict[str, Any]:
    """A change as agencies read it (API, notices)."""
    subject = change.subprocessor
    return {
        "id": str(change.pk),
        "kind": change.kind,
        "state": change.state,
        "effective_on": change.effective_on.isoformat(),
        "objection_deadline": change.effective_on.isoformat(),
        "reason": change.reason,
        "subprocessor": subprocessor_out(subject),
        "replaces": subprocessor_out(change.replaces) if change.replaces else None,
    }


def subprocessor_out(sp: SubProcessor) -> dict[str, Any]:
    return {
        "id": sp.pk,
        "name": sp.name,
        "identifier": sp.identifier,
        "address": sp.address,
        "country": sp.country,
        "inside_eea": sp.in_eea,
        "role": sp.role,
        "data_categories": list(sp.data_categories),
        "contract_date": sp.contract_date.isoformat(),
        "endpoints": list(sp.endpoints),
        "state": sp.state,
        "effective_from": sp.effective_from.isoformat() if sp.effective_from else None,
        "effective_until": sp.effective_until.isoformat() if sp.effective_until else None,
    }


def change_notice_send(*, agency: Agency, change: SubProcessorChange, actor: Actor) -> None:
    """Tell one agency of a planned change (charter 6.2): the one place the notice is sent from."""
    subject = change.subprocessor
    verb = {"add": "toegevoegd", "replace": "aangesteld ter vervanging", "remove": "stopgezet"}[change.kind]
    body = (
        f"Digitaal Vlaanderen wijzigt de onderverwerkers van Mijn Burgerprofiel (charter 6.2): {subject.name} "
        f"({subject.country}, {subject.role}) wordt {verb} op {change.effective_on:%d-%m-%Y}."
    )
    if change.replaces is not None:
        body += f" Deze vervangt {change.replaces.name}."
    if change.kind != SubProcessorChange.Kind.REMOVE:
        body += (
            " U kunt tot die datum gemotiveerd bezwaar aantekenen (charter 6.3): "
            f"POST /api/v1/subprocessors/changes/{change.pk}/objections."
        )
    _agency_notice(
        agency=agency,
        kind=NOTICE_KIND_CHANGE,
        subject=f"Wijziging onderverwerkers op {change.effective_on:%d-%m-%Y}",
        body=body,
        data=change_out(change),
        object_type="subprocessor_change",
        object_id=str(change.pk),
        actor=actor,
    )


def _agency_notice(
    *,
    agency: Agency,
    kind: str,
    subject: str,
    body: str,
    data: dict[str, Any],
    object_type: str,
    object_id: str,
    actor: Actor,
) -> None:
    """Every notice of this app leaves through here: recorded, e-mailed to the agency's contacts and
    DPO, published as ``verwerker.<kind>`` (webhook and feed)."""
    agency_notice_send(
        agency=agency,
        kind=kind,
        subject=subject,
        body=body,
        data=data,
        object_type=object_type,
        object_id=object_id,
        actor=actor,
    )


# -- objections (charter 6.3) ---------------------------------------------------------------------


def objection_file(
    *, change_id: Any, agency_id: int, reason: str, actor: Actor, today: dt.date | None = None
) -> Objection:
    """An agency objects, with a reason, to a planned appointment before its date (charter 6.3)."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise ValidationError(
            f"Motiveer het bezwaar (minstens {REASON_MIN_LENGTH} tekens, charter 6.3).", extra={"field": "reason"}
        )
    with transaction.atomic():
        change = SubProcessorChange.objects.select_for_update().filter(pk=change_id).first()
        if change is None:
            raise NotFound("Deze wijziging bestaat niet.")
        if change.kind == SubProcessorChange.Kind.REMOVE:
            raise Conflict("Bezwaar kan enkel tegen de aanstelling van een nieuwe onderverwerker (charter 6.3).")
        if change.state != SubProcessorChange.State.PLANNED or today >= change.effective_on:
            raise Conflict(
                f"De bezwaartermijn van deze wijziging liep tot {change.effective_on:%d-%m-%Y}.",
                extra={"effective_on": change.effective_on.isoformat()},
            )
        if Objection.objects.filter(change=change, agency_id=agency_id).exists():
            raise Conflict("Uw instantie tekende al bezwaar aan tegen deze wijziging.")
        objection = Objection.objects.create(change=change, agency_id=agency_id, reason=reason)
        audit_record(
            actor=actor,
            action=AuditAction.SUBPROCESSOR_OBJECTION_FILED,
            agency_id=agency_id,
            target=objection,
            detail={"change_id": str(change.pk)},
        )
    return objection


def objection_resolve(
    *,
    objection_id: Any,
    outcome: str,
    actor: Actor,
    note: str = "",
    replacement: SubProcessorDetails | None = None,
    replacement_effective_on: dt.date | None = None,
    today: dt.date | None = None,
) -> Objection:
    """Record how an objection was resolved (charter 6.3).

    ``appoint_anyway``: the change goes ahead. ``not_appointed``: the change is withdrawn (and every
    other objection to it resolved the same way). ``replace``: the change is withdrawn and the
    ``replacement`` is planned as a new change, with a new notice to every agency. ``terminated``: no
    agreement, the agency ends its order free of charge; its objection no longer holds the change back.
    """
    today = today or timezone.localdate()
    if outcome not in Objection.Outcome.values or outcome == Objection.Outcome.OPEN:
        raise ValidationError(
            "Kies een uitkomst: appoint_anyway, replace, not_appointed of terminated.", extra={"field": "outcome"}
        )
    if outcome == Objection.Outcome.REPLACE and replacement is None:
        raise ValidationError(
            "Beschrijf de onderverwerker die de voorgestelde vervangt.", extra={"field": "replacement"}
        )
    with transaction.atomic():
        objection = (
            Objection.objects.select_for_update(of=("self",))
            .select_related("change", "change__subprocessor", "change__replaces", "agency")
            .filter(pk=objection_id)
            .first()
        )
        if objection is None:
            raise NotFound("Dit bezwaar bestaat niet.")
        if objection.outcome != Objection.Outcome.OPEN:
            raise Conflict(f"Dit bezwaar is al beslist ({objection.get_outcome_display()}).")
        change = objection.change
        if change.state != SubProcessorChange.State.PLANNED:
            raise Conflict("De wijziging is niet meer gepland.")
        now = timezone.now()
        resolved = [objection]
        if outcome in (Objection.Outcome.NOT_APPOINTED, Objection.Outcome.REPLACE):
            _change_withdraw(change=change, actor=actor)
            # The appointment is off for every agency, so every other open objection is answered too.
            resolved += list(
                Objection.objects.filter(change=change, outcome=Objection.Outcome.OPEN).exclude(pk=objection.pk)
            )
        if outcome == Objection.Outcome.TERMINATED:
            version = agency_active_order_version(agency_id=objection.agency_id, today=today)
            if version is not None:
                processing_order_transition(
                    order=version.order,
                    verb="terminate",
                    actor=actor,
                    reason=f"Kosteloze beëindiging na bezwaar tegen onderverwerker {change.subprocessor.name} "
                    "(charter 6.3).",
                )
        for row in resolved:
            row.outcome = outcome
            row.resolution_note = note.strip()
            row.resolved_at = now
            row.resolved_by = f"{actor.kind}:{actor.id}"
            row.save(update_fields=["outcome", "resolution_note", "resolved_at", "resolved_by"])
            audit_record(
                actor=actor,
                action=AuditAction.SUBPROCESSOR_OBJECTION_RESOLVED,
                agency_id=row.agency_id,
                target=row,
                detail={"change_id": str(change.pk), "outcome": outcome},
            )
            _agency_notice(
                agency=row.agency,
                kind=NOTICE_KIND_OBJECTION,
                subject=f"Uw bezwaar tegen {change.subprocessor.name}: {row.get_outcome_display()}",
                body=f"Uw bezwaar tegen de wijziging van {change.effective_on:%d-%m-%Y} is beslist: "
                f"{row.get_outcome_display()}. {row.resolution_note}".strip(),
                data={"objection_id": str(row.pk), "outcome": outcome, "change": change_out(change)},
                object_type="subprocessor_objection",
                object_id=str(row.pk),
                actor=actor,
            )
        if outcome == Objection.Outcome.REPLACE and replacement is not None:
            subprocessor_change_plan(
                kind=change.kind,
                effective_on=max(
                    replacement_effective_on or change.effective_on, today + dt.timedelta(days=NOTICE_DAYS)
                ),
                details=replacement,
                target_id=change.replaces_id,
                reason=f"Vervangt {change.subprocessor.name} na bezwaar (charter 6.3). {note}".strip(),
                actor=actor,
                today=today,
            )
    return objection


def _change_withdraw(*, change: SubProcessorChange, actor: Actor) -> None:
    change.state = SubProcessorChange.State.WITHDRAWN
    change.save(update_fields=["state"])
    if change.kind != SubProcessorChange.Kind.REMOVE:
        SubProcessor.objects.filter(pk=change.subprocessor_id, state=SubProcessor.State.PLANNED).update(
            state=SubProcessor.State.WITHDRAWN
        )
    audit_record(actor=actor, action=AuditAction.SUBPROCESSOR_CHANGE_WITHDRAWN, target=change)


def subprocessor_change_withdraw(*, change_id: Any, actor: Actor) -> SubProcessorChange:
    """The operator calls a planned change off (every agency is told)."""
    with transaction.atomic():
        change = SubProcessorChange.objects.select_for_update().filter(pk=change_id).first()
        if change is None:
            raise NotFound("Deze wijziging bestaat niet.")
        if change.state != SubProcessorChange.State.PLANNED:
            raise Conflict("Enkel een geplande wijziging kan ingetrokken worden.")
        _change_withdraw(change=change, actor=actor)
        Objection.objects.filter(change=change, outcome=Objection.Outcome.OPEN).update(
            outcome=Objection.Outcome.NOT_APPOINTED, resolved_at=timezone.now(), resolved_by=f"{actor.kind}:{actor.id}"
        )
        for agency, _ in agencies_with_active_order():
            _agency_notice(
                agency=agency,
                kind=NOTICE_KIND_CHANGE,
                subject=f"Geplande wijziging onderverwerkers ingetrokken ({change.subprocessor.name})",
                body=f"De wijziging van de onderverwerkers gepland op {change.effective_on:%d-%m-%Y} "
                f"({change.get_kind_display().lower()} {change.subprocessor.name}) gaat niet door.",
                data=change_out(change),
                object_type="subprocessor_change",
                object_id=str(change.pk),
                actor=actor,
            )
    return change


# -- taking effect --------------------------------------------------------------------------------


def subprocessor_changes_apply(*, today: dt.date | None = None) -> dict[str, int]:
    """Put into effect every planned change whose date has come and that no open objection holds back."""
    today = today or timezone.localdate()
    applied = held = 0
    due = SubProcessorChange.objects.filter(state=SubProcessorChange.State.PLANNED, effective_on__lte=today)
    for change_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            change = (
                SubProcessorChange.objects.select_for_update()
                .filter(pk=change_id, state=SubProcessorChange.State.PLANNED)
                .first()
            )
            if change is None:
                continue  # another worker took it
            if change.objections.filter(outcome=Objection.Outcome.OPEN).exists():
                held += 1
                continue
            subject = change.subprocessor
            if change.kind != SubProcessorChange.Kind.REMOVE and agencies_lacking_transfer(
                country=subject.country, recipient=subject.name
            ):
                held += 1  # an agency ordered since without allowing this transfer (charter 10)
                continue
            _change_apply(change=change, today=today)
            applied += 1
    return {"applied": applied, "held": held}


def _change_apply(*, change: SubProcessorChange, today: dt.date) -> None:
    subject = change.subprocessor
    if change.kind == SubProcessorChange.Kind.REMOVE:
        subject.state, subject.effective_until = SubProcessor.State.RETIRED, today
    else:
        subject.state, subject.effective_from = SubProcessor.State.ACTIVE, change.effective_on
    subject.save(update_fields=["state", "effective_from", "effective_until"])
    if change.replaces is not None:
        old = change.replaces
        old.state, old.effective_until = SubProcessor.State.RETIRED, today
        old.save(update_fields=["state", "effective_until"])
    change.state, change.applied_at = SubProcessorChange.State.APPLIED, timezone.now()
    change.save(update_fields=["state", "applied_at"])
    audit_record(
        actor=SYSTEM,
        action=AuditAction.SUBPROCESSOR_CHANGE_APPLIED,
        target=change,
        detail={"kind": change.kind, "subprocessor_id": subject.pk, "replaces_id": change.replaces_id},
    )


def subprocessor_endpoints_set(*, subprocessor_id: int, endpoints: list[str], actor: Actor) -> SubProcessor:
    """Change the hosts a registered sub-processor serves (the same party: no new appointment)."""
    hosts = sorted({_host_pattern(e) for e in endpoints if e.strip()})
    with transaction.atomic():
        sp = SubProcessor.objects.select_for_update().filter(pk=subprocessor_id).first()
        if sp is None:
            raise NotFound(f"Onderverwerker {subprocessor_id} bestaat niet.")
        sp.endpoints = hosts
        sp.save(update_fields=["endpoints"])
        audit_record(
            actor=actor, action=AuditAction.SUBPROCESSOR_ENDPOINTS_CHANGED, target=sp, detail={"endpoints": hosts}
        )
    return sp
