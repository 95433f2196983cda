from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from burgerprofiel.personal_data.services import personal_data_pull
from burgerprofiel.portal.auth import citizen_of, citizen_required


@require_GET
@citizen_required
def uw_gegevens(request: HttpRequest) -> HttpResponse:
    themes = personal_data_pull(
        citizen=citizen_of(request),
        session_key=request.session.session_key or "",
        refresh=bool(request.GET.get("vernieuwen")),
    )
    return render(request, "personal_data/uw_gegevens.html", {"themes": themes})
