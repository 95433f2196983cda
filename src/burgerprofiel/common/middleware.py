from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from burgerprofiel.common.metrics import HTTP_LATENCY, HTTP_REQUESTS
from burgerprofiel.common.requestid import clear_request_id, new_request_id

log = logging.getLogger("burgerprofiel.http")


class RequestIdMiddleware:
    """Gives every request an id, echoed in ``X-Request-ID`` and carried by logs and audit events."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            log.info(
                "request",
                extra={
                    "method": request.method,
                    # The route pattern, never the path: a path can carry an identifier (a token, a
                    # dossier number, once an INSZ), and the access log is kept and shipped.
                    "route": _route(request),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            clear_request_id()


def _route(request: HttpRequest) -> str:
    """The route pattern, never the raw path: paths can carry identifiers, and each label value is a series."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        # Answered before URL resolution (a guard's 413, 415 or 429): still count it under its route.
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "unmatched"
    return match.route or "unmatched"


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = _route(request)
        HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        return response


class SecurityHeadersMiddleware:
    """CSP and friends on every response.

    Django's own middleware sets HSTS, nosniff and the referrer policy (outside this one) and frame
    options (inside it, so it misses what the API guards answer before reaching it): frame options
    are set here too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        csp = settings.CONTENT_SECURITY_POLICY
        if request.path.startswith("/api/v1/docs"):
            # Swagger UI styles its elements inline; its scripts are files of our own (ninja's static files).
            csp = csp.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        response.setdefault("Content-Security-Policy", csp)
        if not getattr(response, "xframe_options_exempt", False):
            response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        # Every dynamic answer may carry personal data (portal pages, API answers): no browser or shared
        # cache keeps it (ASVS 5.0 14.2.2, 14.3.2). Static files are answered by WhiteNoise before this;
        # a view that may be cached says so itself (the JWKS).
        response.setdefault("Cache-Control", "no-store")
        return response
