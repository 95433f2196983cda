"""Writes on contact preferences: addresses with verification, IBAN, consent and its ledger.

Every act is audited in its own transaction; the audit detail never holds the address, the code or
the IBAN. Verification secrets are stored only as hashes; the link or code itself travels once, in
the outbox row that sends it (encrypted with the citizen's key, cleared once sent).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.citizens.insz import insz_normalise
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.citizens.selectors import citizen_by_insz
from burgerprofiel.common.errors import ValidationError
from burgerprofiel.common.requestid import current_request_id
from burgerprofiel.preferences import consent_texts, selectors
from burgerprofiel.preferences.models import (
    IBAN_SCOPE,
    Channel,
    Consent,
    ConsentEvent,
    ConsentSubject,
    ContactPreference,
    Verification,
)

MAX_CODE_ATTEMPTS = 5
# What removing a verified contact channel records, per channel.
REMOVED: dict[str, AuditAction] = {
    Channel.EMAIL: AuditAction.PREFERENCES_EMAIL_REMOVED,
    Channel.SMS: AuditAction.PREFERENCES_SMS_REMOVED,
}


class VerificationFailed(ValidationError):
    code = "verification-failed"
    title = "Verificatie mislukt"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _preference_for_update(citizen: Citizen) -> ContactPreference:
    preference, _ = ContactPreference.objects.select_for_update().get_or_create(citizen=citizen)
    return preference


def email_normalise(value: str) -> str:
    email = (value or "").strip()
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise ValidationError("Dit is geen geldig e-mailadres.", extra={"field": "email"}) from exc
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def mobile_normalise(value: str) -> str:
    try:
        number = phonenumbers.parse(value or "", "BE")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError("Dit is geen geldig gsm-nummer.", extra={"field": "mobile"}) from exc
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError("Dit is geen geldig gsm-nummer.", extra={"field": "mobile"})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def iban_normalise(value: str) -> str:
    try:
        return str(IBAN(value or "").compact)
    except SchwiftyException as exc:
        raise ValidationError("Dit is geen geldig rekeningnummer (IBAN).", extra={"field": "iban"}) from exc


class TooManyVerifications(ValidationError):
    code = "too-many-verifications"
    status = 429
    title = "Te veel bevestigingen gevraagd"


def _verification_limit_check(*, citizen: Citizen, channel: str) -> None:
    """A citizen may ask only a few links or codes per hour: each one is a mail or SMS to an address."""
    limit = settings.PREFERENCES_VERIFICATIONS_PER_HOUR
    since = timezone.now() - dt.timedelta(hours=1)
    if Verification.objects.filter(citizen=citizen, channel=channel, created_at__gte=since).count() >= limit:
        raise TooManyVerifications(
            f"U vroeg het afgelopen uur al {limit} keer een bevestiging via dit kanaal. Probeer het later opnieuw.",
            extra={"field": "email" if channel == Channel.EMAIL else "mobile"},
        )


@dataclass(frozen=True)
class VerificationMessage:
    """A stored pending verification and the mail or SMS that must carry its secret.

    Sending it is the notifications app's (``notifications.services.email_verification_start``),
    in the same transaction: this app sits below notifications and sends nothing itself. The
    message is the only place the secret goes; only its hash is kept.
    """

    verification: Verification
    channel: str
    kind: str
    recipient: str
    payload: dict[str, Any]


def _verification_create(
    *,
    citizen: Citizen,
    channel: str,
    address: str,
    secret_hash: str,
    valid_for: dt.timedelta,
    kind: str,
    payload: dict[str, Any],
    action: AuditAction,
    actor: Actor,
) -> VerificationMessage:
    with transaction.atomic():
        verification = Verification.objects.create(
            citizen=citizen,
            channel=channel,
            address=address,
            secret_hash=secret_hash,
            expires_at=timezone.now() + valid_for,
        )
        audit_record(actor=actor, action=action, target=verification)
    return VerificationMessage(verification, channel, kind, address, payload)


def email_verification_create(*, citizen: Citizen, email: str, actor: Actor) -> VerificationMessage:
    """A link for the address; it becomes the citizen's address only when the link is used.
    Call inside the transaction that queues the returned message."""
    address = email_normalise(email)
    _verification_limit_check(citizen=citizen, channel=Channel.EMAIL)
    token = secrets.token_urlsafe(32)
    hours = settings.PREFERENCES_EMAIL_LINK_HOURS
    return _verification_create(
        citizen=citizen,
        channel=Channel.EMAIL,
        address=address,
        secret_hash=_hash(token),
        valid_for=dt.timedelta(hours=hours),
        kind="verify_email",
        payload={
            "url": settings.PUBLIC_URL.rstrip("/") + reverse("preferences:email_confirm", args=[token]),
            "hours": hours,
        },
        action=AuditAction.PREFERENCES_EMAIL_VERIFICATION_STARTED,
        actor=actor,
    )


def email_verification_confirm(*, citizen: Citizen, token: str, actor: Actor) -> ContactPreference:
    now = timezone.now()
    with transaction.atomic():
        verification = (
            Verification.objects.select_for_update()
            .filter(citizen=citizen, channel=Channel.EMAIL, secret_hash=_hash(token or ""))
            .first()
        )
        if verification is None or verification.used_at is not None or verification.expires_at <= now:
            raise VerificationFailed("Deze bevestigingslink is ongeldig, al gebruikt of verlopen.")
        verification.used_at = now
        verification.save(update_fields=["used_at"])
        preference = _preference_for_update(citizen)
        preference.email = verification.address
        preference.email_verified_at = now
        preference.save()
        audit_record(
            actor=actor,
            action=AuditAction.PREFERENCES_EMAIL_VERIFIED,
            target=preference,
        )
    return preference


def mobile_verification_create(*, citizen: Citizen, mobile: str, actor: Actor) -> VerificationMessage:
    """A six-digit code for the number (a new one replaces any open one). Call inside the
    transaction that queues the returned message."""
    number = mobile_normalise(mobile)
    _verification_limit_check(citizen=citizen, channel=Channel.SMS)
    code = f"{secrets.randbelow(10**6):06d}"
    minutes = settings.PREFERENCES_SMS_CODE_MINUTES
    with transaction.atomic():
        # A new code replaces any open one: only the latest may be typed in.
        Verification.objects.filter(citizen=citizen, channel=Channel.SMS, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        return _verification_create(
            citizen=citizen,
            channel=Channel.SMS,
            address=number,
            secret_hash=_hash(f"{citizen.pk}:{code}"),
            valid_for=dt.timedelta(minutes=minutes),
            kind="verify_mobile",
            payload={"code": code, "minutes": minutes},
            action=AuditAction.PREFERENCES_MOBILE_VERIFICATION_STARTED,
            actor=actor,
        )


def mobile_verification_confirm(*, citizen: Citizen, code: str, actor: Actor) -> ContactPreference:
    now = timezone.now()
    with transaction.atomic():
        verification = (
            Verification.objects.select_for_update()
            .filter(citizen=citizen, channel=Channel.SMS, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if verification is None or verification.attempts >= MAX_CODE_ATTEMPTS:
            raise VerificationFailed("Er is geen geldige code meer; vraag een nieuwe aan.")
        if not secrets.compare_digest(verification.secret_hash, _hash(f"{citizen.pk}:{(code or '').strip()}")):
            verification.attempts += 1
            verification.save(update_fields=["attempts"])
            failed = VerificationFailed(
                "Deze code klopt niet.", extra={"attempts_left": MAX_CODE_ATTEMPTS - verification.attempts}
            )
        else:
            failed = None
            verification.used_at = now
            verification.save(update_fields=["used_at"])
            preference = _preference_for_update(citizen)
            preference.mobile = verification.address
            preference.mobile_verified_at = now
            preference.save()
            audit_record(
                actor=actor,
                action=AuditAction.PREFERENCES_MOBILE_VERIFIED,
                target=preference,
            )
    # The failed attempt is counted (committed) before the refusal is raised.
    if failed is not None:
        raise failed
    return preference


def contact_remove(*, citizen: Citizen, channel: str, actor: Actor) -> ContactPreference:
    with transaction.atomic():
        preference = _preference_for_update(citizen)
        if channel == Channel.EMAIL:
            preference.email, preference.email_verified_at = None, None
        elif channel == Channel.SMS:
            preference.mobile, preference.mobile_verified_at = None, None
        else:
            raise ValidationError("Onbekend kanaal.", extra={"field": "channel"})
        preference.save()
        audit_record(
            actor=actor,
            action=REMOVED[channel],
            target=preference,
        )
    return preference


def iban_set(*, citizen: Citizen, iban: str, actor: Actor) -> ContactPreference:
    value = iban_normalise(iban) if (iban or "").strip() else None
    with transaction.atomic():
        preference = _preference_for_update(citizen)
        preference.iban = value
        preference.save()
        audit_record(
            actor=actor,
            action=AuditAction.PREFERENCES_IBAN_SET if value else AuditAction.PREFERENCES_IBAN_REMOVED,
            target=preference,
        )
    return preference


def consent_set(
    *,
    citizen: Citizen,
    agency: Agency,
    ipdc_product: str,
    channel: str,
    granted: bool,
    text_version: str,
    method: str,
    actor: Actor,
) -> ConsentEvent:
    """Record a grant or a withdrawal of messages by e-mail or SMS for one agency × IPDC product."""
    product = (ipdc_product or "").strip()
    if not product or len(product) > 200:
        raise ValidationError("Geef een IPDC-product op (hoogstens 200 tekens).", extra={"field": "ipdc_product"})
    if channel not in Channel.values:
        raise ValidationError("Onbekend kanaal: kies e-mail of sms.", extra={"field": "channel"})
    if text_version not in consent_texts.CONSENT_TEXTS or consent_texts.is_iban_version(text_version):
        raise ValidationError("Onbekende versie van de toestemmingstekst.", extra={"field": "text_version"})
    return _consent_record(
        citizen=citizen,
        agency=agency,
        ipdc_product=product,
        subject=channel,
        granted=granted,
        text_version=text_version,
        method=method,
        actor=actor,
        action=AuditAction.PREFERENCES_CONSENT_GRANTED if granted else AuditAction.PREFERENCES_CONSENT_WITHDRAWN,
    )


def iban_consent_set(
    *, citizen: Citizen, agency: Agency, granted: bool, text_version: str, method: str, actor: Actor
) -> ConsentEvent:
    """Record that the citizen gives (or withdraws) one agency access to their IBAN.

    Bijlage 1 hands contact preferences to an agency only "met expliciete toestemming": without a
    granted IBAN consent in the ledger the agency API answers as if there were no IBAN.
    """
    if not consent_texts.is_iban_version(text_version):
        raise ValidationError("Onbekende versie van de toestemmingstekst.", extra={"field": "text_version"})
    return _consent_record(
        citizen=citizen,
        agency=agency,
        ipdc_product=IBAN_SCOPE,
        subject=ConsentSubject.IBAN,
        granted=granted,
        text_version=text_version,
        method=method,
        actor=actor,
        action=(
            AuditAction.PREFERENCES_IBAN_CONSENT_GRANTED if granted else AuditAction.PREFERENCES_IBAN_CONSENT_WITHDRAWN
        ),
    )


def _consent_record(
    *,
    citizen: Citizen,
    agency: Agency,
    ipdc_product: str,
    subject: str,
    granted: bool,
    text_version: str,
    method: str,
    actor: Actor,
    action: AuditAction,
) -> ConsentEvent:
    """The current answer and a ledger entry, audited, in one transaction."""
    if method not in ConsentEvent.Method.values:
        raise ValidationError("Onbekende manier van toestemmen.", extra={"field": "method"})
    now = timezone.now()
    with transaction.atomic():
        Consent.objects.update_or_create(
            citizen=citizen,
            agency=agency,
            ipdc_product=ipdc_product,
            channel=subject,
            defaults={"granted": granted, "text_version": text_version, "updated_at": now},
        )
        event = ConsentEvent.objects.create(
            citizen=citizen,
            agency=agency,
            ipdc_product=ipdc_product,
            channel=subject,
            action=ConsentEvent.Action.GRANTED if granted else ConsentEvent.Action.WITHDRAWN,
            text_version=text_version,
            text_sha256=consent_texts.consent_text_sha256(text_version),
            method=method,
            request_id=current_request_id() or "",
            recorded_at=now,
        )
        audit_record(
            actor=actor,
            action=action,
            agency_id=agency.pk,
            target=event,
            detail={"channel": subject, "text_version": text_version, "method": method},
        )
    return event


def unsubscribe_token(*, citizen_id: int, agency_id: int, ipdc_product: str, channel: str) -> str:
    return signing.dumps([citizen_id, agency_id, ipdc_product, channel], salt="preferences.unsubscribe")


def unsubscribe_token_read(token: str) -> dict[str, Any]:
    try:
        citizen_id, agency_id, product, channel = signing.loads(token, salt="preferences.unsubscribe")
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise ValidationError("Deze uitschrijflink is ongeldig.") from exc
    return {"citizen_id": citizen_id, "agency_id": agency_id, "ipdc_product": product, "channel": channel}


# -- audited reads: each reads and records in one call (DESIGN rule 2) ---------------------------


def preference_read(*, citizen: Citizen, actor: Actor) -> ContactPreference | None:
    """The citizen's own contact preferences, as the portal shows them."""
    preference = selectors.preference_for_citizen(citizen=citizen)
    audit_record(
        actor=actor, action=AuditAction.PREFERENCES_VIEWED, target=citizen, purpose="Contactvoorkeuren bekijken"
    )
    return preference


def preferences_read_by_agency(*, insz: str, agency_id: int, categories: set[str], actor: Actor) -> dict[str, Any]:
    """What one agency may see of a citizen's preferences (``selectors.preferences_for_agency``),
    recorded with the fields it was shown; an unknown INSZ is read (and recorded) as an empty answer."""
    citizen = citizen_by_insz(insz=insz_normalise(insz))
    result = selectors.preferences_for_agency(citizen=citizen, agency_id=agency_id, categories=categories)
    audit_record(
        actor=actor,
        action=AuditAction.PREFERENCES_READ_BY_AGENCY,
        agency_id=agency_id,
        target=citizen or Citizen,
        detail={"fields": sorted(k for k in ("email", "mobile", "iban") if result[k])},
    )
    return result


def verifications_purge_batch(*, created_before: dt.datetime, batch_size: int = 500) -> int:
    """One batch (one transaction): verification records (used or long expired) created before the
    cutoff; platform-own data, kept PREFERENCES_VERIFICATION_RETENTION_DAYS. A record that could still
    be used is never older than PREFERENCES_EMAIL_LINK_HOURS, far below any retention."""
    with transaction.atomic():
        ids = list(
            Verification.objects.filter(created_at__lte=created_before, expires_at__lte=timezone.now())
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return 0
        Verification.objects.filter(pk__in=ids).delete()
        audit_record(
            actor=Actor(kind="system", id="retention"),
            action=AuditAction.RETENTION_PURGED,
            target=Verification,
            detail={"count": len(ids), "created_before": created_before.isoformat()},
        )
    return len(ids)
