"""Portal pages "Aanvragen": the services a citizen can request, the form rendered from the
agency's JSON Schema (works without JavaScript; errors tied to their fields, in Dutch or English),
the confirmation and the PDF receipt. Reads go through the capability's selectors (audited there),
the submission is one of its services."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from burgerprofiel.agencies.order_check import OrderRefused
from burgerprofiel.common.errors import NotFound
from burgerprofiel.portal.auth import (
    SESSION_NAME,
    citizen_of,
    citizen_request_actor,
    citizen_required,
    session_level,
    session_unseal,
)
from burgerprofiel.portal.oidc import acr_level
from burgerprofiel.service_requests import selectors, services
from burgerprofiel.service_requests.forms import answers_from_form, form_fields
from burgerprofiel.service_requests.receipts import receipt_rows


def _language() -> str:
    return (get_language() or "nl")[:2]


def _insz_shown(insz: str) -> str:
    """85.07.30-033.28, as on an eID card."""
    return f"{insz[0:2]}.{insz[2:4]}.{insz[4:6]}-{insz[6:9]}.{insz[9:11]}" if len(insz) == 11 else insz


@require_GET
@citizen_required
def service_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "service_requests/list.html",
        {
            "services": selectors.requestable_services_offered(),
            "submitted": selectors.service_requests_for_citizen(citizen=citizen_of(request)),
        },
    )


@require_http_methods(["GET", "POST"])
@citizen_required
def service_form(request: HttpRequest, service_id: uuid.UUID) -> HttpResponse:
    try:
        service = selectors.requestable_service_offered(service_id=service_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    needed = acr_level(service.min_acr)
    if session_level(request) < needed:  # step up: log in again with a strong enough method
        back = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('portal:login-start')}?{back}&niveau={needed}")
    citizen = citizen_of(request)
    name = session_unseal(request.session.get(SESSION_NAME))
    errors: dict[str, str] = {}
    raw: dict[str, str] = {}
    if request.method == "POST":
        answers, raw = answers_from_form(service.form_schema, request.POST)
        try:
            submitted = services.service_request_submit(
                citizen=citizen, service=service, answers=answers, applicant_name=name, language=_language()
            )
        except services.AnswerErrors as exc:
            errors = exc.fields
        except OrderRefused:
            errors = {"": "Deze instantie aanvaardt nu geen aanvragen via Mijn Burgerprofiel."}
        else:
            messages.success(request, f"Uw aanvraag is verstuurd naar {service.agency.name}.")
            return HttpResponseRedirect(reverse("service_requests:submitted", args=[submitted.pk]))
    fields = form_fields(service.form_schema, raw, errors)
    error_list = [(f.dom_id, f.error) for f in fields if f.error]
    if "" in errors:
        error_list.append(("algemeen", errors[""]))
    return render(
        request,
        "service_requests/form.html",
        {
            "service": service,
            "fields": fields,
            "error_list": error_list,
            "applicant_name": name,
            "insz": _insz_shown(citizen.insz),
        },
        status=422 if errors else 200,
    )


@require_GET
@citizen_required
def request_submitted(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    try:
        submitted = selectors.service_request_for_citizen(citizen=citizen_of(request), request_id=request_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    return render(
        request,
        "service_requests/submitted.html",
        {"request_": submitted, "service": submitted.service, "rows": receipt_rows(submitted)},
    )


@require_GET
@citizen_required
def request_receipt(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    try:
        submitted, pdf = services.service_request_receipt_read(
            citizen=citizen_of(request), request_id=request_id, actor=citizen_request_actor(request)
        )
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ontvangstbewijs-{submitted.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
