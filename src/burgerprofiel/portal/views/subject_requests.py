"""Portal pages "Uw rechten": a citizen files a request as data subject (access and portability,
rectification, erasure, restriction) for one agency, several or all, follows each agency's answer,
and downloads everything the platform holds on them (JSON or PDF); and the public page of the
processing charter. Every read and write is one of the compliance services (audited there)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from burgerprofiel.compliance.charter.selectors import charter_in_force, charter_pending
from burgerprofiel.compliance.subject_requests import services
from burgerprofiel.compliance.subject_requests.models import RequestKind
from burgerprofiel.compliance.subject_requests.pdf import citizen_export_pdf
from burgerprofiel.portal.auth import citizen_of, citizen_request_actor, citizen_required

FIELDS = ("soort", "instanties", "toelichting")


def _kinds() -> list[tuple[str, str]]:
    return [
        (RequestKind.ACCESS, _("Inzage in mijn gegevens en een kopie om mee te nemen (AVG art. 15 en 20)")),
        (RequestKind.RECTIFICATION, _("Rechtzetting van onjuiste gegevens (AVG art. 16)")),
        (RequestKind.ERASURE, _("Wissing van mijn gegevens (AVG art. 17)")),
        (RequestKind.RESTRICTION, _("Beperking van de verwerking (AVG art. 18)")),
    ]


@require_GET
@citizen_required
def index(request: HttpRequest) -> HttpResponse:
    citizen = citizen_of(request)
    requests = services.subject_requests_read(citizen=citizen, actor=citizen_request_actor(request))
    return render(request, "subject_requests/index.html", {"requests": requests})


@require_http_methods(["GET", "POST"])
@citizen_required
def new(request: HttpRequest) -> HttpResponse:
    agencies = services.agencies_to_choose()
    errors: dict[str, str] = {}
    values: dict[str, object] = {"soort": "", "instanties": [], "alle": False, "toelichting": ""}
    if request.method == "POST":
        chosen = [int(v) for v in request.POST.getlist("instanties") if v.isdigit()]
        everyone = request.POST.get("alle") == "1"
        values = {
            "soort": request.POST.get("soort", ""),
            "instanties": chosen,
            "alle": everyone,
            "toelichting": request.POST.get("toelichting", ""),
        }
        try:
            filed = services.subject_requests_file(
                citizen=citizen_of(request),
                kind=str(values["soort"]),
                agency_ids=None if everyone else chosen,
                details=str(values["toelichting"]),
                actor=citizen_request_actor(request),
            )
        except services.FieldErrors as exc:
            errors = {k: _(v) for k, v in exc.fields.items()}
        else:
            names = ", ".join(r.agency.name for r in filed)
            messages.success(
                request,
                _("Uw verzoek is doorgestuurd naar %(names)s. De instantie antwoordt uiterlijk op %(due)s.")
                % {"names": names, "due": filed[0].due_on.strftime("%d/%m/%Y")},
            )
            return HttpResponseRedirect(reverse("subject_requests:index"))
    return render(
        request,
        "subject_requests/new.html",
        {
            "kinds": _kinds(),
            "agencies": agencies,
            "values": values,
            "errors": errors,
            "error_list": [(f, errors[f]) for f in FIELDS if f in errors],
        },
        status=422 if errors else 200,
    )


@require_GET
@citizen_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("json", "pdf"):
        raise Http404
    data = services.citizen_export(citizen=citizen_of(request), fmt=fmt, actor=citizen_request_actor(request))
    if fmt == "pdf":
        response = HttpResponse(citizen_export_pdf(data), content_type="application/pdf")
    else:
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="mijn-burgerprofiel-gegevens.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def charter(request: HttpRequest) -> HttpResponse:
    """Public: the charter in force and every announced amendment with its summary (charter 14.3: each
    amendment is announced on the website at least thirty days ahead). No login: it names nobody."""
    return render(
        request,
        "subject_requests/charter.html",
        {"current": charter_in_force(), "pending": charter_pending()},
    )
