"""The citizen's session in the portal.

Design note: the OIDC login (``portal.oidc``) ends in ``citizen_login``; everything else reads
the citizen with ``current_citizen`` or guards a view with ``citizen_required``, whose view then
reads it with ``citizen_of(request)`` (typed request state, ``PortalNotes``). The session holds
the citizen's id, the authentication level (``acr``) and when the login happened, never the INSZ
in clear. The session key is rotated on login (session fixation) and flushed on logout.

A session ends after ``PORTAL_SESSION_IDLE_SECONDS`` without a request (15 minutes) and, whatever
happens, ``PORTAL_SESSION_MAX_SECONDS`` after login (8 hours). A page may demand a minimum login
level (``citizen_required(min_level=3)``): a weaker session is sent back to the provider for a
step-up instead of being refused outright.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, overload
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor, citizen_actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.request_notes import RequestNotes
from burgerprofiel.crypto.fields import decrypt_bytes, encrypt_bytes
from burgerprofiel.crypto.services import KeyUnavailable
from burgerprofiel.portal.oidc import acr_level

SESSION_CITIZEN = "bp_citizen_id"
SESSION_ACR = "bp_acr"
SESSION_LOGIN_AT = "bp_login_at"
SESSION_NAME = "bp_name"
SESSION_SEEN_AT = "bp_seen_at"

View = Callable[..., HttpResponseBase]


@dataclass
class PortalNotes:
    """What the portal learnt about one request."""

    session_read: bool = False  # whether the session was read for its citizen (once per request)
    session_citizen: Citizen | None = None  # the citizen logged in by this session, if any
    session_expired: bool = False  # the session had been idle or alive too long and was ended
    citizen: Citizen | None = None  # set by ``citizen_required``: the citizen this page is for


_notes: RequestNotes[PortalNotes] = RequestNotes(PortalNotes)


def citizen_of(request: HttpRequest) -> Citizen:
    """The logged-in citizen of a view behind ``citizen_required``."""
    citizen = _notes.of(request).citizen
    if citizen is None:
        raise RuntimeError("citizen_of() outside a view behind citizen_required")
    return citizen


def page_citizen(request: HttpRequest) -> Citizen | None:
    """The citizen of this page when it is behind ``citizen_required`` (for the layout), else None."""
    return _notes.of(request).citizen


def citizen_login(request: HttpRequest, *, citizen: Citizen, acr: str, display_name: str = "") -> None:
    """Start the citizen's session, and record the login (it shows in their access log)."""
    request.session.cycle_key()
    now = int(time.time())
    request.session[SESSION_CITIZEN] = citizen.pk
    request.session[SESSION_ACR] = acr
    request.session[SESSION_LOGIN_AT] = now
    request.session[SESSION_SEEN_AT] = now
    # Sessions are stored in the database: what names the citizen is sealed with their key.
    request.session[SESSION_NAME] = session_seal(citizen, display_name)
    notes = _notes.of(request)
    notes.session_read, notes.session_citizen = True, citizen
    audit_record(
        actor=citizen_actor(citizen),
        action=AuditAction.PORTAL_LOGIN,
        target=citizen,
        purpose=_("Aanmelding"),
        detail={"acr": acr},
    )


def session_seal(citizen: Citizen, value: str) -> str:
    return encrypt_bytes(value.encode(), key_id=citizen.data_key_id) if value else ""


def session_unseal(value: Any) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        return decrypt_bytes(value).decode()
    except (KeyUnavailable, ValueError):
        return ""


def citizen_logout(request: HttpRequest) -> None:
    request.session.flush()
    notes = _notes.of(request)
    notes.session_read, notes.session_citizen, notes.citizen = True, None, None


def _expired(request: HttpRequest, now: int) -> bool:
    session = request.session
    login_at = int(session.get(SESSION_LOGIN_AT) or 0)
    seen_at = int(session.get(SESSION_SEEN_AT) or login_at)
    return now - login_at > settings.PORTAL_SESSION_MAX_SECONDS or now - seen_at > settings.PORTAL_SESSION_IDLE_SECONDS


def current_citizen(request: HttpRequest) -> Citizen | None:
    notes = _notes.of(request)
    if notes.session_read:
        return notes.session_citizen
    citizen_id = request.session.get(SESSION_CITIZEN)
    citizen = None
    if citizen_id is not None:
        now = int(time.time())
        if _expired(request, now):
            request.session.flush()
            notes.session_expired = True
        else:
            citizen = Citizen.objects.filter(pk=citizen_id).first()
            if citizen is not None and now - int(request.session.get(SESSION_SEEN_AT) or 0) >= 30:
                request.session[SESSION_SEEN_AT] = now  # at most one session write per 30 s
    notes.session_read, notes.session_citizen = True, citizen
    return citizen


def session_level(request: HttpRequest) -> int:
    return acr_level(str(request.session.get(SESSION_ACR, "")))


def citizen_request_actor(request: HttpRequest) -> Actor:
    """The logged-in citizen as the actor of an audit event (views behind ``citizen_required``)."""
    return citizen_actor(citizen_of(request))


@overload
def citizen_required(view: View) -> View: ...
@overload
def citizen_required(view: None = None, *, min_level: int = 0) -> Callable[[View], View]: ...
def citizen_required(view: View | None = None, *, min_level: int = 0) -> Any:
    """Redirect to the login page unless a citizen is logged in; the view reads it with ``citizen_of``.

    With ``min_level``, a citizen logged in with a weaker method is sent to log in again with a
    strong enough one (step-up) and comes back to this page.
    """

    def decorate(inner: View) -> View:
        @functools.wraps(inner)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            citizen = current_citizen(request)
            back = urlencode({"next": request.get_full_path()})
            if citizen is None:
                expired = "&verlopen=1" if _notes.of(request).session_expired else ""
                return HttpResponseRedirect(f"{reverse('portal:login')}?{back}{expired}")
            if min_level and session_level(request) < min_level:
                return HttpResponseRedirect(f"{reverse('portal:login-start')}?{back}&niveau={min_level}")
            _notes.of(request).citizen = citizen
            return inner(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
