"""Back-office sessions end after ``BACKOFFICE_SESSION_IDLE_SECONDS`` without a request (ASVS 5.0 7.3.1).

The session remembers when the staff member was last seen in the back-office (written at most
every 30 seconds, so a busy page does not write the session on every request). A request after a
longer silence logs the session out, audited, and the admin sends the browser to its login page,
which says why. The absolute limit (8 hours after login) is the session's own age.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from burgerprofiel.staff.services import staff_refusal_page_record, staff_session_end_idle

SESSION_SEEN_AT = "bp_staff_seen_at"
TOUCH_EVERY_SECONDS = 30


@cache
def _backoffice_prefix() -> str:
    return reverse("backoffice:index")


def _is_staff(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_backoffice_prefix()):
            return self.get_response(request)
        now = int(time.time())
        if _is_staff(request):
            seen_at = request.session.get(SESSION_SEEN_AT)
            if seen_at is not None and now - int(seen_at) > settings.BACKOFFICE_SESSION_IDLE_SECONDS:
                staff_session_end_idle(user=request.user, idle_seconds=now - int(seen_at))
                logout(request)
                minutes = settings.BACKOFFICE_SESSION_IDLE_SECONDS // 60
                messages.info(request, f"U was {minutes} minuten niet actief en bent afgemeld. Meld u opnieuw aan.")
            elif seen_at is None or now - int(seen_at) >= TOUCH_EVERY_SECONDS:
                request.session[SESSION_SEEN_AT] = now
        response = self.get_response(request)
        if SESSION_SEEN_AT not in request.session and _is_staff(request):
            request.session[SESSION_SEEN_AT] = now  # logged in by this very request
        return response


class StaffRefusalMiddleware:
    """A staff member refused a back-office page or act (403) leaves a ``backoffice.refused`` event.

    The event names the page (its URL name) and the object id, never form values. A refusal the
    view already recorded (``backoffice.admin.confirm.refuse``) is not recorded twice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if not isinstance(exception, DjangoPermissionDenied) or getattr(exception, "audited", False):
            return None
        if not request.path.startswith(_backoffice_prefix()) or not _is_staff(request):
            return None
        match = request.resolver_match
        staff_refusal_page_record(
            user=request.user,
            page=match.url_name if match is not None and match.url_name else "",
            object_id=str((match.kwargs if match is not None else {}).get("object_id", "")) or None,
            method=request.method or "",
        )
        return None
