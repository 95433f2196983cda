from __future__ import annotations

import hmac

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from burgerprofiel.common.client_ip import address_in, networks_parse


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers and every migration is applied."""
    checks: dict[str, str] = {}
    # Readiness reports any failure instead of raising; the type only, as a message may hold data.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    else:
        try:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            checks["migrations"] = "ok" if not pending else f"{len(pending)} pending"
        except Exception as exc:
            checks["migrations"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics: only for allowed addresses (the client's, see ``common.client_ip``), and in
    production only with the scraper's bearer token: behind a proxy an address alone proves little."""
    allowed = networks_parse(settings.METRICS_ALLOWED_IPS, setting="METRICS_ALLOWED_IPS")
    if not address_in(str(request.META.get("REMOTE_ADDR", "")), allowed):
        raise Http404
    if settings.METRICS_AUTH_REQUIRED:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        expected = settings.METRICS_TOKEN
        if scheme.lower() != "bearer" or not expected or not hmac.compare_digest(token.strip(), expected):
            response = HttpResponse(
                "Geen geldige aanmeldgegevens voor /metrics.\n", status=401, content_type="text/plain"
            )
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {
            "name": "burgerprofiel",
            "api": "/api/v1/",
            "openapi": "/api/v1/openapi.json",
            "docs": "/api/v1/docs",
            "token_endpoint": "/oauth/token",
            "jwks": "/oauth/jwks",
            "backoffice": "/backoffice/",
        }
    )
