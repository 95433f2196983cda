"""Staff reach personal data only after accepting the current confidentiality statement (charter 4).

Every back-office page lists or shows something of an agency or a citizen (contact persons, DPOs, audit
events naming people, notices), so every page behind the login is guarded, except the start page, the
account pages (log out, password) and the page where the statement is read and accepted. A staff member
without an acceptance of the newest version is sent there (the refusal audited), then back to the page
they asked for. No statement published yet: nothing to accept, nothing enforced (the measures document
says so, ``confidentiality.enforced``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import staff_actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.compliance.reports.selectors import confidentiality_accepted, confidentiality_current

ACCEPT_URL_NAME = "backoffice:compliance_reports_confidentialitystatement_accept"


@cache
def _open_paths() -> tuple[str, ...]:
    return (
        reverse(ACCEPT_URL_NAME),
        reverse("backoffice:login"),
        reverse("backoffice:logout"),
        reverse("backoffice:password_change"),
        reverse("backoffice:password_change_done"),
        reverse("backoffice:jsi18n"),
    )


@cache
def _index() -> str:
    return reverse("backoffice:index")


class ConfidentialityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if not path.startswith(_index()) or path == _index() or path.startswith(_open_paths()):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return self.get_response(request)
        verified = getattr(user, "is_verified", None)
        if callable(verified) and not verified():
            return self.get_response(request)  # the admin sends them to its login (second factor) first
        statement = confidentiality_current()
        if statement is None or confidentiality_accepted(user=user, statement=statement):
            return self.get_response(request)
        audit_record(
            actor=staff_actor(user),
            action=AuditAction.CONFIDENTIALITY_STATEMENT_REQUIRED,
            target=statement,
            outcome=AuditEvent.Outcome.REFUSED,
            detail={"version": statement.version},
        )
        return HttpResponseRedirect(f"{reverse(ACCEPT_URL_NAME)}?{urlencode({'next': request.get_full_path()})}")
