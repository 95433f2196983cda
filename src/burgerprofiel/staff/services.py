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
from burgerprofiel.common.errors import Conflict, ValidationError

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


def staff_deactivate(*, username: str, actor: Actor) -> AbstractUser:
    """Off-board a staff member: no login, no OTP devices left. The account stays for the audit trail."""
    user_model = get_user_model()
    with transaction.atomic():
        user = user_model.objects.select_for_update().filter(username=username).first()
        if user is None:
            raise ValidationError(f"Er is geen gebruiker '{username}'.", extra={"field": "username"})
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
