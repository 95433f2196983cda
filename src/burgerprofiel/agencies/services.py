"""Writes on agencies, their API clients, contact persons and processing orders."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from joserfc.jwk import KeySet
from stdnum.be import vat as be_vat
from stdnum.exceptions import ValidationError as StdnumError

from burgerprofiel.agencies import catalogue
from burgerprofiel.agencies.catalogue import CATEGORIES, DEFAULT_RETENTION_DAYS, Component, unknown_categories
from burgerprofiel.agencies.models import (
    Agency,
    ApiClient,
    ContactPerson,
    ProcessingOrder,
    ProcessingOrderVersion,
)
from burgerprofiel.agencies.selectors import agency_get, contact_persons_authorised
from burgerprofiel.agencies.signals import order_state_changed
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import Conflict, PermissionDenied, ValidationError
from burgerprofiel.crypto.models import DataKey
from burgerprofiel.crypto.services import data_key_create

_hasher = PasswordHasher()

ORDER_FIELDS = (
    "state",
    "state_reason",
    "components",
    "data_categories",
    "retention_days",
    "valid_from",
    "valid_until",
    "legal_basis",
    "dpia_reference",
)


def kbo_normalise(value: str) -> str:
    """A KBO number as ten digits, checked with python-stdnum (``be.vat``, mod 97)."""
    try:
        return str(be_vat.validate(value))
    except StdnumError as exc:
        raise ValidationError(f"'{value}' is geen geldig KBO-nummer.", extra={"field": "kbo"}) from exc


def components_validate(components: list[str]) -> list[str]:
    """The components of an order: known, and built on this platform (``catalogue.BUILT_COMPONENTS``)."""
    built = [c for c in Component.values if catalogue.is_built(c)]
    unknown = [c for c in components if c not in Component.values]
    if unknown:
        raise ValidationError(
            f"Onbekende componenten: {', '.join(unknown)}. Mogelijk: {', '.join(built)}.",
            extra={"field": "components", "unknown": unknown},
        )
    not_built = [c for c in components if not catalogue.is_built(c)]
    if not_built:
        labels = ", ".join(f"{Component(c).label} ({c})" for c in not_built)
        raise ValidationError(
            f"Nog niet beschikbaar op het platform: {labels}. Een verwerkingsopdracht kan alleen componenten "
            f"bestellen die gebouwd zijn: {', '.join(built)}.",
            extra={"field": "components", "not_built": not_built},
        )
    if not components:
        raise ValidationError("Een verwerkingsopdracht bestelt minstens één component.", extra={"field": "components"})
    return sorted(set(components), key=Component.values.index)


def processing_order_content_check(fields: dict[str, Any]) -> None:
    components = fields["components"]
    for component, categories in fields["data_categories"].items():
        if component not in components:
            raise ValidationError(
                f"Gegevenscategorieën voor niet-bestelde component {component}.",
                extra={"field": "data_categories"},
            )
        unknown = unknown_categories(component, list(categories))
        if unknown:
            raise ValidationError(
                f"Onbekende gegevenscategorieën voor {component}: {', '.join(unknown)}.",
                extra={"field": "data_categories", "unknown": unknown},
            )
    for component, days in fields["retention_days"].items():
        if component not in Component.values or not isinstance(days, int) or days < 0:
            raise ValidationError(
                f"Bewaartermijn voor {component} moet een positief aantal dagen zijn.",
                extra={"field": "retention_days"},
            )
    if fields["valid_from"] and fields["valid_until"] and fields["valid_until"] < fields["valid_from"]:
        raise ValidationError("De einddatum ligt voor de begindatum.", extra={"field": "valid_until"})
    if (
        fields["state"] in (ProcessingOrderVersion.State.SUSPENDED, ProcessingOrderVersion.State.TERMINATED)
        and not (fields["state_reason"] or "").strip()
    ):
        raise ValidationError(
            "Een opschorting of beëindiging vraagt een reden (charter 2.3).", extra={"field": "state_reason"}
        )


def _new_version(*, order: ProcessingOrder, fields: dict[str, Any], actor: Actor, note: str) -> ProcessingOrderVersion:
    previous = order.versions.select_for_update().order_by("-number").first()
    if previous is not None and previous.state == ProcessingOrderVersion.State.TERMINATED:
        raise Conflict("Een beëindigde verwerkingsopdracht kan niet meer wijzigen; maak een nieuwe opdracht.")
    if previous is None and fields["state"] not in ORDER_INITIAL_STATES:
        raise ValidationError(
            f"Een nieuwe verwerkingsopdracht is een ontwerp of actief, niet {_state_label(fields['state'])}.",
            extra={"field": "state"},
        )
    if previous is not None and fields["state"] != previous.state:
        # Every state change, whichever function asked for it, is one of ORDER_TRANSITIONS.
        transition = _transition_between(previous.state, fields["state"])
        if transition is None:
            raise Conflict(
                f"Verwerkingsopdracht {order.pk} gaat niet van {_state_label(previous.state)} "
                f"naar {_state_label(fields['state'])}.",
                extra={"state": previous.state, "target": fields["state"]},
            )
        _transition_check(order=order, current=previous.state, transition=transition, actor=actor)
    processing_order_content_check(fields)
    version = ProcessingOrderVersion.objects.create(
        order=order,
        number=(previous.number + 1) if previous else 1,
        change_note=note,
        created_by=f"{actor.kind}:{actor.id}",
        **fields,
    )
    changed = [f for f in ORDER_FIELDS if previous is None or getattr(previous, f) != getattr(version, f)]
    audit_record(
        actor=actor,
        action=AuditAction.PROCESSING_ORDER_VERSION_CREATED,
        agency_id=order.agency_id,
        order_version_id=version.pk,
        target=version,
        purpose=note[:200],
        detail={"order_id": order.pk, "number": version.number, "state": version.state, "changed": changed},
    )
    if previous is not None and previous.state != version.state:
        order_state_changed.send(
            sender=ProcessingOrderVersion, order=order, version=version, previous_state=previous.state, actor=actor
        )
    return version


def processing_order_create(
    *,
    agency: Agency,
    components: list[str],
    actor: Actor,
    data_categories: dict[str, list[str]] | None = None,
    retention_days: dict[str, int] | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    state: str = ProcessingOrderVersion.State.ACTIVE,
    legal_basis: str = "",
    dpia_reference: str = "",
) -> ProcessingOrderVersion:
    components = components_validate(components)
    fields = {
        "state": state,
        "state_reason": "",
        "components": components,
        # Without an explicit list, a component allows every category Bijlage 1 names for it.
        "data_categories": data_categories or {c: list(CATEGORIES[c]) for c in components},
        "retention_days": retention_days or {c: DEFAULT_RETENTION_DAYS[c] for c in components},
        "valid_from": valid_from,
        "valid_until": valid_until,
        "legal_basis": legal_basis,
        "dpia_reference": dpia_reference,
    }
    with transaction.atomic():
        order = ProcessingOrder.objects.create(agency=agency)
        return _new_version(order=order, fields=fields, actor=actor, note="Verwerkingsopdracht aangemaakt")


def processing_order_change(
    *, order: ProcessingOrder, actor: Actor, note: str, **changes: Any
) -> ProcessingOrderVersion:
    """Make a new version with ``changes`` applied to the current one."""
    unknown = set(changes) - set(ORDER_FIELDS)
    if unknown:
        raise ValidationError(f"Onbekende velden: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        current = order.versions.select_for_update().order_by("-number").first()
        fields = {f: getattr(current, f) for f in ORDER_FIELDS} if current else {}
        fields.update(changes)
        if "components" in changes:
            fields["components"] = components_validate(list(changes["components"]))
        if (
            "state" in changes
            and changes["state"] == ProcessingOrderVersion.State.ACTIVE
            and "state_reason" not in changes
        ):
            fields["state_reason"] = ""
        return _new_version(order=order, fields=fields, actor=actor, note=note or "Gewijzigd")


# -- the processing order's state machine --------------------------------------------------------
#
# The one place that says which state changes exist and who may make them (charter 2.3, 13). The
# back-office actions, the CLI (``burgerprofiel agency activate|suspend|resume|terminate``) and any
# direct ``processing_order_change(state=...)`` all pass through ``_transition_check``; the order
# check (``order_check``) lets an agency's calls through only in a state whose ``processes`` is set.
#
#   draft ──activate──▶ active ◀──resume── suspended
#     │                  │ └───suspend────────▲  │
#     └─────terminate────┴──────terminate─────────┴──▶ terminated (final)
#
# Only platform staff (the back-office's operators, an operator at the CLI) change an order's
# state: the agency asks, the processor records (charter 2.3: the processor may suspend; 13: the
# agreement ends). An agency's own API client never does, nor does the platform on its own.

State = ProcessingOrderVersion.State
DRAFT, ACTIVE, SUSPENDED, TERMINATED = State.DRAFT, State.ACTIVE, State.SUSPENDED, State.TERMINATED
STAFF = frozenset({"staff"})


@dataclass(frozen=True)
class OrderTransition:
    verb: str
    sources: frozenset[str]
    target: str
    who: frozenset[str]  # the Actor.kind values allowed to make it
    needs_reason: bool
    label: str  # Dutch participle: the change note ("Opgeschort: <reason>") and refusals ("kan niet ... worden")

    def note(self, reason: str) -> str:
        return f"{self.label.capitalize()}: {reason}" if reason else self.label.capitalize()


# fmt: off
ORDER_TRANSITIONS: dict[str, OrderTransition] = {t.verb: t for t in (
    #               verb         from                                     to          who    reason label
    OrderTransition("activate",  frozenset({DRAFT}),                      ACTIVE,     STAFF, False, "geactiveerd"),
    OrderTransition("suspend",   frozenset({ACTIVE}),                     SUSPENDED,  STAFF, True,  "opgeschort"),
    OrderTransition("resume",    frozenset({SUSPENDED}),                  ACTIVE,     STAFF, False, "hervat"),
    OrderTransition("terminate", frozenset({DRAFT, ACTIVE, SUSPENDED}),   TERMINATED, STAFF, True,  "beëindigd"),
)}
# fmt: on
# The states an order may be created in, and the one state in which an agency's calls are processed.
ORDER_INITIAL_STATES = frozenset({DRAFT, ACTIVE})
ORDER_PROCESSING_STATES = frozenset({ACTIVE})


def _state_label(state: str | None) -> str:
    return State(state).label.lower() if state in State.values else "zonder versie"


def _transition_check(
    *, order: ProcessingOrder, current: str | None, transition: OrderTransition, actor: Actor
) -> None:
    if actor.kind not in transition.who:
        raise PermissionDenied(
            f"Een verwerkingsopdracht kan enkel door een medewerker van het platform {transition.label} worden.",
            extra={"transition": transition.verb, "actor": actor.kind},
        )
    if current not in transition.sources:
        raise Conflict(
            f"Verwerkingsopdracht {order.pk} is {_state_label(current)} en kan dus niet {transition.label} worden.",
            extra={"transition": transition.verb, "state": current},
        )


def _transition_between(current: str, target: str) -> OrderTransition | None:
    return next((t for t in ORDER_TRANSITIONS.values() if t.target == target and current in t.sources), None)


def processing_order_transition(
    *, order: ProcessingOrder, verb: str, actor: Actor, reason: str = ""
) -> ProcessingOrderVersion:
    """Move ``order`` along ``ORDER_TRANSITIONS[verb]``: a new version in the target state, audited.

    Refused (nothing written) when the order is not in a state the transition starts from (a
    suspended order is not suspended again, a draft is not resumed), when ``actor`` may not make it,
    or when it needs a reason and none is given.
    """
    transition = ORDER_TRANSITIONS.get(verb)
    if transition is None:
        raise ValidationError(f"Onbekende overgang '{verb}'. Mogelijk: {', '.join(ORDER_TRANSITIONS)}.")
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ValidationError(
            f"Een verwerkingsopdracht wordt enkel met een reden {transition.label} (charter 2.3).",
            extra={"field": "reason"},
        )
    with transaction.atomic():
        current = order.versions.select_for_update().order_by("-number").first()
        _transition_check(order=order, current=current.state if current else None, transition=transition, actor=actor)
        return processing_order_change(
            order=order,
            actor=actor,
            note=transition.note(reason),
            state=transition.target,
            state_reason=reason,
        )


def processing_order_activate(*, order: ProcessingOrder, actor: Actor) -> ProcessingOrderVersion:
    """A draft order takes effect."""
    return processing_order_transition(order=order, verb="activate", actor=actor)


def processing_order_suspend(*, order: ProcessingOrder, reason: str, actor: Actor) -> ProcessingOrderVersion:
    """Charter 2.3: the processor stops processing temporarily; takes effect on the next request."""
    return processing_order_transition(order=order, verb="suspend", actor=actor, reason=reason)


def processing_order_resume(*, order: ProcessingOrder, actor: Actor) -> ProcessingOrderVersion:
    """Lift a suspension. Only a suspended order resumes: a draft is activated, not resumed."""
    return processing_order_transition(order=order, verb="resume", actor=actor)


def processing_order_terminate(*, order: ProcessingOrder, reason: str, actor: Actor) -> ProcessingOrderVersion:
    """Charter 13: the order ends for good; a later agreement is a new order."""
    return processing_order_transition(order=order, verb="terminate", actor=actor, reason=reason)


def jwks_validate(jwks: dict[str, Any]) -> dict[str, Any]:
    try:
        keyset = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except Exception as exc:  # joserfc raises several types for malformed key sets
        raise ValidationError(f"De JWKS is ongeldig: {exc}", extra={"field": "jwks"}) from exc
    for key in keyset.keys:
        if key.is_private:
            raise ValidationError("De JWKS bevat een private sleutel; geef alleen publieke sleutels.")
        if key.key_type not in ("RSA", "EC"):
            raise ValidationError("Alleen RSA- (RS256) en EC-sleutels (ES256) worden aanvaard.")
    return jwks


@dataclass
class NewClient:
    client: ApiClient
    client_secret: str | None


def api_client_create(
    *,
    agency: Agency,
    actor: Actor,
    jwks: dict[str, Any] | None = None,
    with_secret: bool = True,
    name: str = "",
) -> NewClient:
    """A new API client. The secret is returned once and stored only as an argon2 hash."""
    secret = secrets.token_urlsafe(32) if with_secret else None
    client = ApiClient.objects.create(
        agency=agency,
        client_id=f"bp-{secrets.token_hex(8)}",
        name=name or agency.name,
        secret_hash=_hasher.hash(secret) if secret else "",
        jwks=jwks_validate(jwks) if jwks else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.API_CLIENT_CREATED,
        agency_id=agency.pk,
        target=client,
        object_id=client.client_id,
        detail={"secret": bool(secret), "jwks": bool(jwks)},
    )
    return NewClient(client=client, client_secret=secret)


def api_client_secret_rotate(*, client: ApiClient, actor: Actor, reason: str = "") -> str:
    """Replace a client's secret; the new one is returned once and stored only as an argon2 hash.

    The old secret stops working at once. ``reason`` (why, e.g. "geheim gelekt") is the audit
    event's purpose; the back-office asks for it. Clients that authenticate with ``private_key_jwt`` only
    have no secret to rotate: giving them one would silently add an authentication method.
    """
    with transaction.atomic():
        locked = ApiClient.objects.select_for_update().get(pk=client.pk)
        if not locked.secret_hash:
            raise Conflict(f"API-client {locked.client_id} gebruikt geen client secret (enkel private_key_jwt).")
        secret = secrets.token_urlsafe(32)
        locked.secret_hash = _hasher.hash(secret)
        locked.save(update_fields=["secret_hash"])
        audit_record(
            actor=actor,
            action=AuditAction.API_CLIENT_SECRET_ROTATED,
            agency_id=locked.agency_id,
            target=locked,
            object_id=locked.client_id,
            purpose=reason.strip()[:200],
        )
    client.secret_hash = locked.secret_hash
    return secret


@functools.cache
def _stand_in_hash() -> str:
    """The argon2 hash of a random secret nobody knows, made with the parameters real secrets get."""
    return _hasher.hash(secrets.token_urlsafe(32))


def api_client_secret_matches(*, client: ApiClient | None, secret: str) -> bool:
    """Whether ``secret`` is the client's. Always one argon2 verification, also for an unknown
    client or one without a secret: otherwise how fast the refusal comes tells a caller which
    client_ids exist (ASVS 6.3.8)."""
    stored = client.secret_hash if client is not None else ""
    try:
        matched: bool = _hasher.verify(stored or _stand_in_hash(), secret)
    except Exception:  # argon2 raises VerifyMismatchError, InvalidHashError, ...
        matched = False
    return bool(stored) and matched


@dataclass
class Onboarded:
    agency: Agency
    client: ApiClient
    client_secret: str | None
    order_version: ProcessingOrderVersion

    def as_json(self) -> dict[str, Any]:
        return {
            "agency_id": self.agency.pk,
            "client_id": self.client.client_id,
            "client_secret": self.client_secret,
            "processing_order_id": self.order_version.order_id,
        }


def agency_onboard(
    *,
    name: str,
    kbo: str,
    components: list[str],
    actor: Actor,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    jwks: dict[str, Any] | None = None,
    dpo_name: str = "",
    dpo_email: str = "",
    street: str = "",
    postcode: str = "",
    municipality: str = "",
    legal_basis: str = "",
    dpia_reference: str = "",
) -> Onboarded:
    """Agency, data key, first API client and an active order, in one transaction."""
    if not name.strip():
        raise ValidationError("Een instantie heeft een naam.", extra={"field": "name"})
    kbo = kbo_normalise(kbo)
    components = components_validate(components)
    with transaction.atomic():
        if Agency.objects.filter(kbo=kbo).exists():
            raise Conflict(f"Er is al een instantie met KBO-nummer {kbo}.")
        agency = Agency.objects.create(
            name=name.strip(),
            kbo=kbo,
            dpo_name=dpo_name,
            dpo_email=dpo_email,
            street=street,
            postcode=postcode,
            municipality=municipality,
            data_key=data_key_create(owner_type=DataKey.OwnerType.AGENCY),
        )
        audit_record(
            actor=actor,
            action=AuditAction.AGENCY_ONBOARDED,
            agency_id=agency.pk,
            target=agency,
            detail={"components": components},
        )
        new_client = api_client_create(agency=agency, actor=actor, jwks=jwks)
        version = processing_order_create(
            agency=agency,
            components=components,
            actor=actor,
            valid_from=valid_from,
            valid_until=valid_until,
            legal_basis=legal_basis,
            dpia_reference=dpia_reference,
        )
    return Onboarded(agency, new_client.client, new_client.client_secret, version)


def contact_person_add(
    *,
    agency: Agency,
    name: str,
    email: str,
    role: str,
    actor: Actor,
    phone: str = "",
    authorised_from: dt.date | None = None,
    authorised_until: dt.date | None = None,
) -> ContactPerson:
    """Register a person authorised to instruct the platform for the agency (charter 3.3).

    For operators only (onboarding, back-office, CLI): the agency API reads the list, it never adds
    to it, or an agency system could authorise whoever it liked.
    """
    name, role, email = (name or "").strip(), (role or "").strip(), (email or "").strip()
    if not name or len(name) > 200:
        raise ValidationError("Geef de naam van de contactpersoon (hoogstens 200 tekens).", extra={"field": "name"})
    if not role or len(role) > 100:
        raise ValidationError("Geef de rol van de contactpersoon (hoogstens 100 tekens).", extra={"field": "role"})
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise ValidationError("Dit is geen geldig e-mailadres.", extra={"field": "email"}) from exc
    start = authorised_from or timezone.localdate()
    if authorised_until is not None and authorised_until < start:
        raise ValidationError("De machtiging eindigt voor ze begint.", extra={"field": "authorised_until"})
    with transaction.atomic():
        person = ContactPerson.objects.create(
            agency=agency,
            name=name,
            email=email,
            phone=(phone or "").strip(),
            role=role,
            authorised_from=start,
            authorised_until=authorised_until,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CONTACT_PERSON_ADDED,
            agency_id=agency.pk,
            target=person,
            detail={"authorised_from": start.isoformat(), "authorised_until": str(authorised_until or "")},
        )
    return person


# -- audited reads: each reads and records in one call (DESIGN rule 2) ---------------------------


def agency_read(*, agency_id: int, actor: Actor) -> Agency:
    """The agency's own record, as the agency asks for it (``GET /api/v1/me``)."""
    agency = agency_get(agency_id=agency_id)
    audit_record(actor=actor, action=AuditAction.AGENCY_ME_READ, target=agency)
    return agency


def contact_persons_read(*, agency_id: int, actor: Actor) -> list[ContactPerson]:
    """The agency's contact persons authorised today (charter 3.3; names and addresses: personal data)."""
    people = contact_persons_authorised(agency_id=agency_id)
    audit_record(
        actor=actor, action=AuditAction.CONTACT_PERSON_LISTED, target=ContactPerson, detail={"count": len(people)}
    )
    return people
