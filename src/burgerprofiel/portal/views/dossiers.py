"""The citizen's "Mijn dossiers": the list and one dossier's page. Every view is audited."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from burgerprofiel.agencies.selectors import AgencyDataSuspended
from burgerprofiel.common.errors import NotFound
from burgerprofiel.corrections.selectors import error_reports_accepted_by
from burgerprofiel.dossiers import selectors, services
from burgerprofiel.dossiers.selectors import DossierFilter
from burgerprofiel.portal.auth import citizen_of, citizen_required
from burgerprofiel.service_requests.selectors import service_requests_for_citizen

FILTER_LABELS = {DossierFilter.OPEN: "Lopend", DossierFilter.CLOSED: "Afgerond", DossierFilter.ALL: "Alle"}


@require_GET
@citizen_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("filter", DossierFilter.OPEN)
    if state not in DossierFilter.CHOICES:
        state = DossierFilter.OPEN
    dossiers = services.dossier_list_read(citizen=citizen_of(request), state=state)
    # Requests the agency answered with a DOSIS dossier number (issue 12 item 3); linked to that
    # dossier once the agency uploaded it.
    answered = service_requests_for_citizen(citizen=citizen_of(request), with_dossier=True)
    uploaded = {}
    if answered:
        every = (
            dossiers
            if state == DossierFilter.ALL
            else selectors.dossiers_for_citizen(citizen=citizen_of(request), state=DossierFilter.ALL)
        )
        uploaded = {(d.agency_id, d.number): d.pk for d in every}
    requests = [(r, uploaded.get((r.agency_id, r.dossier_number))) for r in answered]
    return render(
        request,
        "dossiers/list.html",
        {
            "dossiers": dossiers,
            "filter": state,
            "filters": list(FILTER_LABELS.items()),
            "action_needed": [d for d in dossiers if d.action_needed],
            "requests": requests,
            "suspended": selectors.dossier_agencies_suspended_for_citizen(citizen=citizen_of(request)),
        },
    )


@require_GET
@citizen_required
def dossier_detail(request: HttpRequest, dossier_id: int) -> HttpResponse:
    try:
        dossier, history = services.dossier_read(citizen=citizen_of(request), dossier_id=dossier_id)
    except AgencyDataSuspended as exc:
        return render(request, "portal/suspended.html", {"message": exc.detail}, status=exc.status)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    return render(
        request,
        "dossiers/detail.html",
        {
            "dossier": dossier,
            "current": history[0] if history else None,
            "history": history,
            "timeline": selectors.dossier_timeline(dossier=dossier, history=history),
            "manager": dossier.manager or {},
            "can_report": bool(error_reports_accepted_by(agency_ids={dossier.agency_id})),
        },
    )
