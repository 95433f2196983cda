from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from burgerprofiel.portal.auth import citizen_logout


@require_http_methods(["GET"])
def login(request: HttpRequest) -> HttpResponse:
    """The login page: the citizen chooses to log in with the government's identity provider."""
    return render(request, "portal/login.html", {"next": request.GET.get("next", "/")})


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    citizen_logout(request)
    return HttpResponseRedirect("/")
