"""The citizen's session in the portal.

Design note: the OIDC login (``portal.oidc``) ends in ``citizen_login``; everything else reads
the citizen with ``current_citizen`` or guards a view with ``citizen_required``. The session holds
the citizen's id, the authentication level (``acr``) and when the login happened, never the INSZ
in clear. The session key is rotated on login (session fixation) and flushed on logout.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from burgerprofiel.citizens.models import Citizen

SESSION_CITIZEN = "bp_citizen_id"
SESSION_ACR = "bp_acr"
SESSION_LOGIN_AT = "bp_login_at"
SESSION_NAME = "bp_name"


def citizen_login(request: HttpRequest, *, citizen: Citizen, acr: str, display_name: str = "") -> None:
    request.session.cycle_key()
    request.session[SESSION_CITIZEN] = citizen.pk
    request.session[SESSION_ACR] = acr
    request.session[SESSION_LOGIN_AT] = int(time.time())
    request.session[SESSION_NAME] = display_name


def citizen_logout(request: HttpRequest) -> None:
    request.session.flush()


def current_citizen(request: HttpRequest) -> Citizen | None:
    cached = getattr(request, "_bp_citizen", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    citizen_id = request.session.get(SESSION_CITIZEN)
    if citizen_id is None:
        return None
    citizen = Citizen.objects.filter(pk=citizen_id).first()
    request._bp_citizen = citizen  # type: ignore[attr-defined]
    return citizen


def citizen_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Redirect to the login page unless a citizen is logged in; sets ``request.citizen``."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        citizen = current_citizen(request)
        if citizen is None:
            return HttpResponseRedirect(f"{reverse('portal:login')}?{urlencode({'next': request.get_full_path()})}")
        request.citizen = citizen  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
