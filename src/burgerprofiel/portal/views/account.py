"""The portal's own pages: login and logout (OIDC), the overview, the language switch, the access log."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.common.errors import ValidationError
from burgerprofiel.personal_data.services import personal_data_forget
from burgerprofiel.portal import oidc
from burgerprofiel.portal.access_log import access_log_for_citizen
from burgerprofiel.portal.auth import (
    citizen_login,
    citizen_logout,
    citizen_of,
    citizen_required,
    current_citizen,
    session_seal,
    session_unseal,
)
from burgerprofiel.portal.overview import overview_for_citizen


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=False):
        return value if value.startswith("/") else "/"
    return "/"


@require_GET
def home(request: HttpRequest) -> HttpResponseBase:
    if current_citizen(request) is None:
        return render(request, "portal/welcome.html")
    return overview(request)


@citizen_required
def overview(request: HttpRequest) -> HttpResponse:
    sections = overview_for_citizen(citizen=citizen_of(request))
    return render(
        request,
        "portal/overview.html",
        {
            "sections": sections,
            "needs_action": [s for s in sections if s.action_needed],
        },
    )


@require_http_methods(["GET"])
def login(request: HttpRequest) -> HttpResponse:
    """The login page: the citizen chooses to log in with the government's identity provider."""
    expired = bool(request.GET.get("verlopen"))
    return render(
        request, "portal/login.html", {"next": _safe_next(request, request.GET.get("next")), "expired": expired}
    )


@require_GET
def login_start(request: HttpRequest) -> HttpResponse:
    """Off to the provider (authorization code + PKCE); ``niveau`` asks for a step-up."""
    try:
        level = max(0, min(int(request.GET.get("niveau", "0")), 9))
    except ValueError:
        level = 0
    try:
        url = oidc.authorization_url(
            session=request.session,
            redirect_uri=request.build_absolute_uri(reverse("portal:oidc-callback")),
            next_url=_safe_next(request, request.GET.get("next")),
            min_level=level,
        )
    except oidc.LoginFailed as exc:
        return render(request, "portal/login_failed.html", {"message": exc.detail}, status=503)
    return HttpResponseRedirect(url)


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    try:
        claims, id_token, next_url = oidc.complete_login(session=request.session, params=request.GET.dict())
        citizen = citizen_get_or_create(insz=str(claims["rrn"]))
    except (oidc.LoginFailed, ValidationError) as exc:
        return render(request, "portal/login_failed.html", {"message": exc.detail}, status=400)
    name = " ".join(str(claims.get(k, "")) for k in ("given_name", "family_name")).strip()
    acr = str(claims.get("acr", ""))
    citizen_login(request, citizen=citizen, acr=acr, display_name=name)
    # Kept for RP-initiated logout; it carries the INSZ (rrn), so sealed with the citizen's key.
    request.session[oidc.SESSION_ID_TOKEN] = session_seal(citizen, id_token)
    return HttpResponseRedirect(_safe_next(request, next_url))


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    id_token = session_unseal(request.session.get(oidc.SESSION_ID_TOKEN))
    personal_data_forget(session_key=request.session.session_key or "")
    citizen_logout(request)
    back = request.build_absolute_uri(reverse("portal:logged-out"))
    url = oidc.logout_url(id_token=id_token, post_logout_redirect_uri=back) if id_token else None
    return HttpResponseRedirect(url or back)


@require_GET
def logged_out(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/logged_out.html")


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    chosen = request.POST.get("taal", "nl")
    response = HttpResponseRedirect(_safe_next(request, request.POST.get("next")))
    if chosen in {code for code, _name in settings.LANGUAGES}:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            chosen,
            max_age=365 * 24 * 3600,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


@citizen_required
def access_log(request: HttpRequest) -> HttpResponse:
    entries = access_log_for_citizen(citizen=citizen_of(request))
    return render(request, "portal/access_log.html", {"entries": entries})
