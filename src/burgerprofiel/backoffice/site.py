"""The back-office: Django admin for platform staff, two-factor authentication required.

``OTPAdminSite`` lets a user in only when the session was verified by one of the user's confirmed
OTP devices, superusers included. Every login attempt is audited; a failed one without the user
name, which is personal data and would turn the audit trail into a list of guesses.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import ANONYMOUS, staff_actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.backoffice.forms import BackofficeAuthenticationForm


class BackofficeSite(OTPAdminSite):
    site_header = _("Burgerprofiel-backoffice")
    site_title = _("Burgerprofiel-backoffice")
    index_title = _("Overzicht")
    login_form = BackofficeAuthenticationForm
    login_template = "backoffice/login.html"
    index_template = "backoffice/index.html"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        from burgerprofiel.backoffice.dashboard import dashboard_context  # reads models; not at import time

        return super().index(request, {**dashboard_context(request), **(extra_context or {})})

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().login(request, extra_context)
        if request.method == "POST":
            _audit_login(request, response)
        return response


def _audit_login(request: HttpRequest, response: HttpResponse) -> None:
    user = request.user
    if response.status_code == 302 and user.is_authenticated:
        device = getattr(user, "otp_device", None)
        audit_record(
            actor=staff_actor(user),
            action=AuditAction.BACKOFFICE_LOGIN,
            target=user,
            detail={"device": device.persistent_id if device is not None else None},
        )
        return
    form = (getattr(response, "context_data", None) or {}).get("form")
    codes = (
        sorted({error.code or "invalid" for errors in form.errors.as_data().values() for error in errors})
        if form
        else []
    )
    audit_record(
        actor=ANONYMOUS,
        action=AuditAction.BACKOFFICE_LOGIN,
        outcome=AuditEvent.Outcome.REFUSED,
        detail={"reasons": codes},
    )


site = BackofficeSite(name="backoffice")
