"""Portal pages "Meld een fout": the form on an item of "Uw gegevens" or a dossier, the citizen's
reports with their status and messages, and a reply. Every page reads through the corrections
capability's selectors (audited there); every write is one of its services."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from burgerprofiel.agencies.order_check import OrderRefused
from burgerprofiel.common.errors import NotFound
from burgerprofiel.corrections import selectors, services, subjects
from burgerprofiel.corrections.attachments import MAX_BYTES, AttachmentIn
from burgerprofiel.corrections.models import ReportStatus
from burgerprofiel.portal.auth import citizen_of, citizen_required

FIELDS = ("wat_is_fout", "wat_moet_het_zijn", "bijlage")


def _attachment(request: HttpRequest, errors: dict[str, str]) -> AttachmentIn | None:
    upload = request.FILES.get("bijlage")
    if upload is None or not upload.size:
        return None
    if upload.size > MAX_BYTES:  # refused before it is read into memory
        errors["bijlage"] = "De bijlage is te groot: hoogstens 10 MB."
        return None
    return AttachmentIn(filename=upload.name or "bijlage", content=upload.read())


def _report_form(request: HttpRequest, subject: services.Subject, back_url: str) -> HttpResponse:
    citizen = citizen_of(request)
    errors: dict[str, str] = {}
    values = {"wat_is_fout": "", "wat_moet_het_zijn": ""}
    if request.method == "POST":
        values = {f: request.POST.get(f, "") for f in values}
        attachment = _attachment(request, errors)
        if not errors:
            try:
                report = services.error_report_submit(
                    citizen=citizen,
                    subject=subject,
                    what_is_wrong=values["wat_is_fout"],
                    should_be=values["wat_moet_het_zijn"],
                    attachment=attachment,
                )
            except services.FieldErrors as exc:
                errors = exc.fields
            except OrderRefused:
                errors["algemeen"] = "Deze instantie aanvaardt nu geen foutmeldingen via Mijn Burgerprofiel."
            else:
                messages.success(
                    request,
                    "Uw foutmelding is verstuurd naar " + subject.extra.get("agency_name", "de instantie") + ".",
                )
                return HttpResponseRedirect(reverse("corrections:detail", args=[report.pk]))
    status = 422 if errors else 200
    return render(
        request,
        "corrections/form.html",
        {
            "subject": subject,
            "values": values,
            "errors": errors,
            "error_list": [(f, errors[f]) for f in (*FIELDS, "algemeen") if f in errors],
            "back_url": back_url,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@citizen_required
def report_on_item(request: HttpRequest) -> HttpResponse:
    try:
        source_id = int(request.GET.get("bron", ""))
    except ValueError:
        raise Http404("Onbekende bron.") from None
    item_id = request.GET.get("gegeven", "")[:100]
    try:
        subject = subjects.subject_for_item(
            citizen=citizen_of(request),
            session_key=request.session.session_key or "",
            source_id=source_id,
            item_id=item_id,
        )
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    return _report_form(request, subject, reverse("personal_data:uw-gegevens"))


@require_http_methods(["GET", "POST"])
@citizen_required
def report_on_dossier(request: HttpRequest, dossier_id: int) -> HttpResponse:
    try:
        subject = subjects.subject_for_dossier(citizen=citizen_of(request), dossier_id=dossier_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    return _report_form(request, subject, reverse("dossiers:detail", args=[dossier_id]))


@require_GET
@citizen_required
def report_list(request: HttpRequest) -> HttpResponse:
    reports = selectors.error_reports_for_citizen(citizen=citizen_of(request))
    return render(request, "corrections/list.html", {"reports": reports})


def _detail(request: HttpRequest, report_id: uuid.UUID, errors: dict[str, str], text: str = "") -> HttpResponse:
    try:
        report = selectors.error_report_for_citizen(citizen=citizen_of(request), report_id=report_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    return render(
        request,
        "corrections/detail.html",
        {
            "report": report,
            "status_label": ReportStatus(report.status).label,
            "entries": selectors.error_report_entries(report=report),
            "errors": errors,
            "text": text,
        },
        status=422 if errors else 200,
    )


@require_GET
@citizen_required
def report_detail(request: HttpRequest, report_id: uuid.UUID) -> HttpResponse:
    return _detail(request, report_id, {})


@require_POST
@citizen_required
def report_message(request: HttpRequest, report_id: uuid.UUID) -> HttpResponse:
    text = request.POST.get("bericht", "")
    try:
        services.error_report_message_from_citizen(citizen=citizen_of(request), report_id=report_id, text=text)
    except services.FieldErrors as exc:
        return _detail(request, report_id, exc.fields, text)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    except OrderRefused:
        return _detail(
            request, report_id, {"bericht": "Deze instantie aanvaardt nu geen berichten via Mijn Burgerprofiel."}, text
        )
    messages.success(request, "Uw bericht is verstuurd.")
    return HttpResponseRedirect(reverse("corrections:detail", args=[report_id]))
