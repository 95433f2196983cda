"""The portal's own page for a request Django will not read (``handler400`` in ``conf/urls.py``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from burgerprofiel.common.problem import problem_response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Too many parameters, a form too large, a request that cannot be read: a page in the portal's
    layout rather than Django's bare one. The agency API and the token endpoint answer these in
    problem+json (their guard does so first; this is the fallback)."""
    if request.path.startswith(("/api/", "/oauth/")):
        return problem_response(
            status=400,
            code="malformed-request",
            title="Onleesbare aanvraag",
            detail="De aanvraag kon niet gelezen worden.",
        )
    return render(request, "portal/400.html", status=400)
