"""Platform staff: their accounts (with a role and a TOTP device), idle sessions and login locks.

Below the surfaces (the layers in pyproject.toml): the back-office (its admin, its middleware, its
lockout signal) and the CLI (``burgerprofiel staff``) both use these; neither owns them. Every write
here is audited (DESIGN rule 2).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import ANONYMOUS, Actor, staff_actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import Conflict, PermissionDenied, ValidationError

# The groups created by migration backoffice.0001_roles.
ROLES = ("operator", "auditor")


@dataclass
class NewStaff:
    user: AbstractUser
    role: str
    password: str
    device: Any  # TOTPDevice

    def as_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user.pk,
            "username": self.user.get_username(),
            "role": self.role,
            "password": self.password,
            "otpauth_uri": self.device.config_url,
        }


def staff_create(*, username: str, email: str, role: str, actor: Actor) -> NewStaff:
    """A staff account with a role, a random password and a confirmed TOTP device.

    The password and the TOTP secret are returned once (the CLI prints them); neither is kept in
    clear. The device is confirmed at creation because its secret only ever leaves the platform
    in this one answer, to the operator who ran the command.
    """
    if role not in ROLES:
        raise ValidationError(f"Onbekende rol '{role}'. Mogelijk: {', '.join(ROLES)}.", extra={"field": "role"})
    user_model = get_user_model()
    try:
        user_model._meta.get_field("username").run_validators(username)  # type: ignore[union-attr]
        if not username:
            raise DjangoValidationError("leeg")
    except DjangoValidationError as exc:
        raise ValidationError(f"'{username}' is geen geldige gebruikersnaam.", extra={"field": "username"}) from exc
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise ValidationError("Geen geldig e-mailadres.", extra={"field": "email"}) from exc
    with transaction.atomic():
        group = Group.objects.filter(name=role).first()
        if group is None:
            raise Conflict(f"De rol '{role}' bestaat niet in de database; voer eerst 'burgerprofiel migrate' uit.")
        if user_model.objects.filter(username=username).exists():
            raise Conflict(f"Er is al een gebruiker '{username}'.")
        password = secrets.token_urlsafe(24)
        user = user_model.objects.create_user(username=username, email=email, password=password, is_staff=True)
        user.groups.add(group)
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        audit_record(
            actor=actor,
            action=AuditAction.BACKOFFICE_STAFF_CREATED,
            target=user,
            detail={"role": role},
        )
    return NewStaff(user=user, role=role, password=password, device=device)


@dataclass(frozen=True)
class StaffRow:
    """One staff member as the staff list shows them (no e-mail address: not needed to manage access)."""

    user_id: int
    username: str
    role: str
    is_active: bool
    is_superuser: bool
    otp: str  # "ingesteld" | "in te stellen" | "geen"
    last_login: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "username": self.username,
            "role": self.role,
            "active": self.is_active,
            "superuser": self.is_superuser,
            "otp": self.otp,
            "last_login": self.last_login,
        }


OTP_CONFIRMED, OTP_PENDING, OTP_NONE = "ingesteld", "in te stellen", "geen"


def staff_role_of(user: Any) -> str:
    """The user's role (the first of ROLES among their groups), "beheerder" for a superuser, or "geen"."""
    names = {g.name for g in user.groups.all()}
    role = next((r for r in ROLES if r in names), None)
    if role is not None:
        return role
    return "beheerder" if user.is_superuser else "geen"


def staff_otp_state(user: Any) -> str:
    devices = list(devices_for_user(user, confirmed=None))
    if any(d.confirmed for d in devices):
        return OTP_CONFIRMED
    return OTP_PENDING if devices else OTP_NONE


def staff_list(*, actor: Actor) -> list[StaffRow]:
    """Every staff account, active or not, by username; audited (who has access is itself a record)."""
    users = get_user_model().objects.filter(is_staff=True).prefetch_related("groups").order_by("username")
    rows = [
        StaffRow(
            user_id=u.pk,
            username=u.get_username(),
            role=staff_role_of(u),
            is_active=u.is_active,
            is_superuser=u.is_superuser,
            otp=staff_otp_state(u),
            last_login=u.last_login.isoformat() if u.last_login else None,
        )
        for u in users
    ]
    audit_record(
        actor=actor, action=AuditAction.BACKOFFICE_STAFF_LISTED, target=get_user_model(), detail={"count": len(rows)}
    )
    return rows


def _staff_for_update(username: str, actor: Actor, act: str) -> Any:
    """The staff member to change, locked (call inside a transaction); an unknown user or oneself is refused.

    The surfaces record a refusal (``staff_refusal_record``) once the refused transaction is over.
    """
    user = get_user_model().objects.select_for_update().filter(username=username, is_staff=True).first()
    if user is None:
        raise ValidationError(f"Er is geen medewerker '{username}'.", extra={"field": "username"})
    if actor.kind == "staff" and actor.id == str(user.pk):
        raise PermissionDenied(
            "U kunt dit niet voor uw eigen account doen; vraag het een collega-operator.", extra={"act": act}
        )
    return user


def staff_refusal_record(*, actor: Actor, username: str, act: str, reason: str) -> None:
    """A refused staff act leaves an event too (outcome refused). Called after the refused act's
    transaction rolled back, so that the record of the refusal stays. No free text: the reason is a code."""
    user = get_user_model().objects.filter(username=username).only("pk").first()
    audit_record(
        actor=actor,
        action=AuditAction.BACKOFFICE_REFUSED,
        target=user or get_user_model(),
        outcome=AuditEvent.Outcome.REFUSED,
        detail={"act": f"staff.{act}", "reason": reason},
    )


def staff_refusal_page_record(*, user: Any, page: str, object_id: str | None, method: str) -> None:
    """A back-office page or act refused to this staff member (403): which page, which object, which method."""
    audit_record(
        actor=staff_actor(user),
        action=AuditAction.BACKOFFICE_REFUSED,
        object_id=object_id,
        outcome=AuditEvent.Outcome.REFUSED,
        detail={"act": page, "method": method},
    )


def staff_role_change(*, username: str, role: str, actor: Actor) -> Any:
    """Give a staff member another role (the groups of migration backoffice.0001_roles)."""
    if role not in ROLES:
        raise ValidationError(f"Onbekende rol '{role}'. Mogelijk: {', '.join(ROLES)}.", extra={"field": "role"})
    with transaction.atomic():
        user = _staff_for_update(username, actor, "role_change")
        before = staff_role_of(user)
        if before == role:
            raise Conflict(f"{username} heeft al de rol {role}.", extra={"role": role})
        group = Group.objects.filter(name=role).first()
        if group is None:
            raise Conflict(f"De rol '{role}' bestaat niet in de database; voer eerst 'burgerprofiel migrate' uit.")
        user.groups.remove(*Group.objects.filter(name__in=ROLES))
        user.groups.add(group)
        audit_record(
            actor=actor,
            action=AuditAction.BACKOFFICE_STAFF_ROLE_CHANGED,
            target=user,
            detail={"from": before, "to": role},
        )
    return user


def staff_otp_reset(*, username: str, actor: Actor) -> Any:
    """Remove a staff member's OTP devices (a lost phone): at their next login, after their password,
    they scan a new QR code and confirm it with a code (``staff_otp_enrol_confirm``)."""
    with transaction.atomic():
        user = _staff_for_update(username, actor, "otp_reset")
        if not user.is_active:
            raise Conflict(f"{username} is gedeactiveerd; er valt niets opnieuw in te stellen.")
        removed = 0
        for device in devices_for_user(user, confirmed=None):
            device.delete()
            removed += 1
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
        audit_record(
            actor=actor,
            action=AuditAction.BACKOFFICE_STAFF_OTP_RESET,
            target=user,
            detail={"devices_removed": removed},
        )
    return user


def staff_otp_enrolment_device(user: Any) -> Any | None:
    """The device a staff member is to set up (after a reset), or None when they have a confirmed one."""
    if any(d.confirmed for d in devices_for_user(user, confirmed=None)):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()


def staff_otp_enrol_confirm(*, user: Any, token: str) -> bool:
    """Confirm the new device with a code from it; audited when it succeeds."""
    device = staff_otp_enrolment_device(user)
    if device is None or not (token or "").strip().isdigit():
        return False
    with transaction.atomic():
        if not device.verify_token(token.strip()):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=staff_actor(user), action=AuditAction.BACKOFFICE_STAFF_OTP_ENROLLED, target=user, detail={})
    return True


def staff_deactivate(*, username: str, actor: Actor) -> AbstractUser:
    """Off-board a staff member: no login, no OTP devices left. The account stays for the audit trail."""
    user_model = get_user_model()
    with transaction.atomic():
        user = user_model.objects.select_for_update().filter(username=username).first()
        if user is None:
            raise ValidationError(f"Er is geen gebruiker '{username}'.", extra={"field": "username"})
        if actor.kind == "staff" and actor.id == str(user.pk):
            raise PermissionDenied(
                "U kunt uw eigen account niet deactiveren; vraag het een collega-operator.", extra={"act": "deactivate"}
            )
        if not user.is_active:
            raise Conflict(f"{username} is al gedeactiveerd.")
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["is_active", "password"])
        removed = 0
        for device in devices_for_user(user, confirmed=None):
            device.delete()
            removed += 1
        audit_record(
            actor=actor,
            action=AuditAction.BACKOFFICE_STAFF_DEACTIVATED,
            target=user,
            detail={"devices_removed": removed},
        )
    return user


def staff_session_end_idle(*, user: Any, idle_seconds: int) -> None:
    """Record that a staff session ended for inactivity (ASVS 7.3.1); the caller logs the session out."""
    audit_record(
        actor=staff_actor(user),
        action=AuditAction.BACKOFFICE_SESSION_EXPIRED,
        target=user,
        detail={"idle_seconds": idle_seconds},
    )


def staff_login_lock_record(*, username: str, failures: int, lockout_minutes: int) -> None:
    """Record that repeated failed logins locked a back-office account (django-axes).

    The event names the account by its id when it exists; a guessed user name is never recorded
    (it may be someone's mistyped password), like the failed logins themselves.
    """
    user = get_user_model().objects.filter(username=username).only("pk").first()
    audit_record(
        actor=ANONYMOUS,
        action=AuditAction.BACKOFFICE_LOGIN_LOCKED,
        outcome=AuditEvent.Outcome.REFUSED,
        target=user or get_user_model(),
        detail={"failures": failures, "lockout_minutes": lockout_minutes or None, "known_account": user is not None},
    )


def staff_login_locks_reset(*, usernames: list[str], actor: Actor) -> int:
    """Lift the login locks of these accounts (their failed attempts are forgotten); audited per account."""
    lifted = 0
    with transaction.atomic():
        for username in sorted(set(usernames)):
            removed = axes_reset(username=username)
            lifted += removed
            user = get_user_model().objects.filter(username=username).only("pk").first()
            audit_record(
                actor=actor,
                action=AuditAction.BACKOFFICE_LOGIN_LOCK_LIFTED,
                target=user or get_user_model(),
                detail={"attempts_removed": removed, "known_account": user is not None},
            )
    return lifted
