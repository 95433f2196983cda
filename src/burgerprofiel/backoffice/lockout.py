"""Locking out repeated failed back-office logins (django-axes; ASVS 5.0 6.3.1).

Design note: django-axes counts failed logins per account (``AXES_LOCKOUT_PARAMETERS`` in the
settings) and, at ``BACKOFFICE_LOGIN_FAILURE_LIMIT``, refuses every further login of that account,
right password and code included, for ``BACKOFFICE_LOGIN_LOCKOUT_MINUTES`` or until an operator
lifts the lock. Django reports a wrong password itself; a wrong or missing verification code (the
OTP step, after a right password) is reported by the login form (``backoffice.forms``), so both
factors count. The moment an account locks is audited once; every refused login is audited as
before (``backoffice.site``). Staff see the locks, and operators lift them, in the back-office
("Vergrendelde aanmeldingen", ``backoffice/admin/lockouts.py``); ``burgerprofiel axes_reset_username
USERNAME`` does it from a shell.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from burgerprofiel.backoffice.site import site
from burgerprofiel.staff.services import staff_login_lock_record


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: Any) -> HttpResponse:
    """The page a locked account's login gets instead of the login form (AXES_LOCKOUT_CALLABLE)."""
    minutes = settings.BACKOFFICE_LOGIN_LOCKOUT_MINUTES
    context = {**site.each_context(request), "title": "Aanmelden geblokkeerd", "minutes": minutes}
    response = render(request, "backoffice/locked_out.html", context, status=429)
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response


def log_label(username: Any, ip_address: Any, user_agent: Any, path_info: Any, request: Any) -> str:
    """How django-axes names a login attempt in the logs: never the user name or the address."""
    return f"back-office login at {path_info}"


def _audit_lock(sender: Any, request: HttpRequest, username: str | None, **kwargs: Any) -> None:
    """Audit the attempt that locks the account; later refusals are audited as refused logins."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures != settings.BACKOFFICE_LOGIN_FAILURE_LIMIT or not username:
        return
    staff_login_lock_record(
        username=username, failures=failures, lockout_minutes=settings.BACKOFFICE_LOGIN_LOCKOUT_MINUTES
    )


def connect() -> None:
    user_locked_out.connect(_audit_lock, dispatch_uid="burgerprofiel.backoffice.audit_lock")
