"""Writes on agencies, their API clients, contact persons and processing orders."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from django.db import transaction
from stdnum.be import vat as be_vat
from stdnum.exceptions import ValidationError as StdnumError

from burgerprofiel.agencies.catalogue import CATEGORIES, DEFAULT_RETENTION_DAYS, Component, unknown_categories
from burgerprofiel.agencies.models import (
    Agency,
    ApiClient,
    ContactPerson,
    ProcessingOrder,
    ProcessingOrderVersion,
)
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import Conflict, ValidationError
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
    unknown = [c for c in components if c not in Component.values]
    if unknown:
        raise ValidationError(
            f"Onbekende componenten: {', '.join(unknown)}. Mogelijk: {', '.join(Component.values)}.",
            extra={"field": "components", "unknown": unknown},
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
    processing_order_content_check(fields)
    previous = order.versions.select_for_update().order_by("-number").first()
    if previous is not None and previous.state == ProcessingOrderVersion.State.TERMINATED:
        raise Conflict("Een beëindigde verwerkingsopdracht kan niet meer wijzigen; maak een nieuwe opdracht.")
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


def processing_order_suspend(*, order: ProcessingOrder, reason: str, actor: Actor) -> ProcessingOrderVersion:
    """Charter 2.3: the processor stops processing temporarily; takes effect on the next request."""
    return processing_order_change(
        order=order, actor=actor, note=f"Opgeschort: {reason}", state="suspended", state_reason=reason
    )


def processing_order_resume(*, order: ProcessingOrder, actor: Actor) -> ProcessingOrderVersion:
    return processing_order_change(order=order, actor=actor, note="Opschorting opgeheven", state="active")


def processing_order_terminate(*, order: ProcessingOrder, reason: str, actor: Actor) -> ProcessingOrderVersion:
    return processing_order_change(
        order=order, actor=actor, note=f"Beëindigd: {reason}", state="terminated", state_reason=reason
    )


def jwks_validate(jwks: dict[str, Any]) -> dict[str, Any]:
    from joserfc.jwk import KeySet

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


def api_client_secret_matches(*, client: ApiClient, secret: str) -> bool:
    if not client.secret_hash:
        return False
    try:
        return _hasher.verify(client.secret_hash, secret)
    except Exception:  # argon2 raises VerifyMismatchError, InvalidHashError, ...
        return False


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
    *, agency: Agency, name: str, email: str, role: str, actor: Actor, phone: str = ""
) -> ContactPerson:
    with transaction.atomic():
        person = ContactPerson.objects.create(agency=agency, name=name, email=email, phone=phone, role=role)
        audit_record(
            actor=actor,
            action=AuditAction.CONTACT_PERSON_ADDED,
            agency_id=agency.pk,
            target=person,
        )
    return person
