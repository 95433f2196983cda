from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from burgerprofiel.corrections.selectors import error_reports_accepted_by
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
    # "Meld een fout" only where the owning agency takes error reports (its order has foutmeldingen).
    accepting = error_reports_accepted_by(agency_ids={r.agency_id for t in themes for r in t.results if r.items})
    reportable = {r.source_id for t in themes for r in t.results if r.agency_id in accepting}
    return render(request, "personal_data/uw_gegevens.html", {"themes": themes, "reportable": reportable})
