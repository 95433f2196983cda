"""Failed-login locks (django-axes, ``backoffice.lockout``): staff see them, operators lift them (audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from burgerprofiel.backoffice.admin.base import AuditHistoryMixin, AuditReadsMixin, request_actor
from burgerprofiel.backoffice.models import LoginLock
from burgerprofiel.backoffice.site import site
from burgerprofiel.staff.services import staff_login_locks_reset


@admin.register(LoginLock, site=site)
class LoginLockAdmin(AuditReadsMixin, AuditHistoryMixin, admin.ModelAdmin):
    """Failed-login counts per account; an operator lifts a lock with the action (audited)."""

    list_display = ("account", "failures", "last_attempt", "locked")
    ordering = ("-attempt_time",)
    actions = ["lift_locks"]
    # django-axes labels its fields in English ("Username", "Failed Logins"): Dutch columns here.
    fields = ("account", "failures", "last_attempt")
    readonly_fields = fields

    @admin.display(description="gebruikersnaam", ordering="username")
    def account(self, attempt: LoginLock) -> str:
        return attempt.username or "–"

    @admin.display(description="mislukte pogingen", ordering="failures_since_start")
    def failures(self, attempt: LoginLock) -> int:
        return attempt.failures_since_start

    @admin.display(description="laatste poging", ordering="attempt_time")
    def last_attempt(self, attempt: LoginLock) -> Any:
        return attempt.attempt_time

    @admin.display(boolean=True, description="Vergrendeld")
    def locked(self, attempt: LoginLock) -> bool:
        if attempt.failures_since_start < settings.BACKOFFICE_LOGIN_FAILURE_LIMIT:
            return False
        minutes = settings.BACKOFFICE_LOGIN_LOCKOUT_MINUTES
        return not minutes or attempt.attempt_time > timezone.now() - dt.timedelta(minutes=minutes)

    @admin.action(description="Vergrendeling opheffen", permissions=["change"])
    def lift_locks(self, request: HttpRequest, queryset: QuerySet[LoginLock]) -> None:
        usernames = [name for name in queryset.values_list("username", flat=True) if name]
        staff_login_locks_reset(usernames=usernames, actor=request_actor(request))
        messages.success(request, f"Vergrendeling opgeheven voor {len(set(usernames))} account(s).")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The change permission allows the action on the list; a single lock is only looked at.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
