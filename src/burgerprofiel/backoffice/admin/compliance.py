"""Back-office pages of the processor's duties: the charter's versions and the terminations under
amendments (charter 14.3), compliance reports, confidentiality statements, independent audits."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from burgerprofiel.agencies.models import Agency
from burgerprofiel.backoffice.admin.base import (
    AuditedModelAdmin,
    AuditReadsMixin,
    ReadOnlyModelAdmin,
    adopt_saved,
    request_actor,
)
from burgerprofiel.backoffice.site import site
from burgerprofiel.compliance.charter.models import CharterTermination, CharterVersion
from burgerprofiel.compliance.charter.services import AMENDMENT_NOTICE_DAYS, charter_version_publish
from burgerprofiel.compliance.reports.models import (
    ConfidentialityAcceptance,
    ConfidentialityStatement,
    IndependentAudit,
    ObligationsReport,
)
from burgerprofiel.compliance.reports.pdf import document_pdf
from burgerprofiel.compliance.reports.selectors import confidentiality_current
from burgerprofiel.compliance.reports.services import (
    compliance_report_make,
    confidentiality_statement_accept,
    confidentiality_statement_publish,
    independent_audit_record,
    measures_make,
    records_of_processing_make,
)
from burgerprofiel.compliance.subject_requests.models import SubjectRequest


class CharterVersionForm(forms.ModelForm):
    class Meta:
        model = CharterVersion
        fields = ["version", "title", "summary", "text", "effective_from"]
        help_texts = {
            "effective_from": f"Minstens {AMENDMENT_NOTICE_DAYS} dagen na vandaag (charter 14.3). Elke instantie met "
            "een actieve verwerkingsopdracht krijgt bij publicatie een notificatie met de samenvatting.",
        }


@admin.register(CharterVersion, site=site)
class CharterVersionAdmin(AuditedModelAdmin):
    """Publishing is the only write: a published version is never changed nor deleted."""

    form = CharterVersionForm
    list_display = ["version", "effective_from", "published_at", "published_by"]
    readonly_fields = ["text_sha256", "published_at", "published_by"]
    search_fields = ["version", "title"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["version", "title", "summary", "text", "effective_from"]
        return ["version", "title", "effective_from", "summary", "text_sha256", "published_at", "published_by", "text"]

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        data = form.cleaned_data
        published = charter_version_publish(
            version=data["version"],
            title=data["title"],
            text=data["text"],
            summary=data["summary"],
            effective_from=data["effective_from"],
            actor=request_actor(request),
        )
        adopt_saved(obj, published)
        messages.success(request, f"Versie {published.version} is gepubliceerd en aan de instanties gemeld.")
        return ["version", "effective_from"]


@admin.register(CharterTermination, site=site)
class CharterTerminationAdmin(ReadOnlyModelAdmin):
    list_display = ["agency", "order", "amendment", "when", "takes_effect_on", "filed_at", "executed_at"]
    list_filter = ["when"]
    list_select_related = ["agency", "order", "amendment"]


# -- confidentiality statement (charter 4) ----------------------------------------------------


class ConfidentialityStatementForm(forms.ModelForm):
    class Meta:
        model = ConfidentialityStatement
        fields = ["version", "text"]
        help_texts = {"version": "Een nieuwe versie vraagt elke medewerker opnieuw om aanvaarding."}


@admin.register(ConfidentialityStatement, site=site)
class ConfidentialityStatementAdmin(AuditedModelAdmin):
    form = ConfidentialityStatementForm
    list_display = ["version", "published_at", "published_by", "acceptances_count"]
    readonly_fields = ["published_at", "published_by"]

    @admin.display(description="aanvaardingen")
    def acceptances_count(self, obj: ConfidentialityStatement) -> int:
        return obj.acceptances.count()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        return [
            path(
                "aanvaarden/",
                self.admin_site.admin_view(self.accept_view),
                name="compliance_reports_confidentialitystatement_accept",
            ),
            *super().get_urls(),
        ]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return True  # every staff member reads and accepts the statement

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        statement = confidentiality_statement_publish(
            version=form.cleaned_data["version"], text=form.cleaned_data["text"], actor=request_actor(request)
        )
        adopt_saved(obj, statement)
        return ["version"]

    def accept_view(self, request: HttpRequest) -> HttpResponse:
        statement = confidentiality_current()
        next_url = request.POST.get("next") or request.GET.get("next") or reverse("backoffice:index")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("backoffice:index")
        if request.method == "POST" and statement is not None:
            if request.POST.get("accept") != "1":
                messages.error(request, "Vink aan dat u de verklaring aanvaardt.")
            else:
                confidentiality_statement_accept(
                    user=request.user, statement_id=statement.pk, actor=request_actor(request)
                )
                messages.success(request, f"U aanvaardde de vertrouwelijkheidsverklaring {statement.version}.")
                return HttpResponseRedirect(next_url)
        accepted = (
            ConfidentialityAcceptance.objects.filter(statement=statement, user_id=int(request.user.pk or 0)).first()
            if statement
            else None
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Vertrouwelijkheidsverklaring",
            "statement": statement,
            "accepted": accepted,
            "next": next_url,
        }
        return TemplateResponse(request, "backoffice/confidentiality_accept.html", context)


@admin.register(ConfidentialityAcceptance, site=site)
class ConfidentialityAcceptanceAdmin(AuditReadsMixin, ReadOnlyModelAdmin):
    list_display = ["user", "statement", "accepted_at"]
    list_select_related = ["user", "statement"]


# -- independent audits and the platform's reports (charter 9), compliance documents ----------


class IndependentAuditForm(forms.ModelForm):
    report_file = forms.FileField(label="auditrapport", help_text="Het rapport van de auditor (PDF), max. 20 MB.")

    class Meta:
        model = IndependentAudit
        fields = ["auditor", "performed_on", "scope", "conclusion"]


@admin.register(IndependentAudit, site=site)
class IndependentAuditAdmin(AuditedModelAdmin):
    form = IndependentAuditForm
    list_display = ["auditor", "performed_on", "recorded_at", "report_link"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["auditor", "performed_on", "scope", "conclusion", "report_file"]
        return [
            "auditor",
            "performed_on",
            "scope",
            "conclusion",
            "report_link",
            "report_sha256",
            "recorded_at",
            "recorded_by",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["report_link", "report_sha256", "recorded_at", "recorded_by"] if obj else []

    @admin.display(description="rapport")
    def report_link(self, obj: IndependentAudit) -> str:
        url = reverse("backoffice:compliance_reports_independentaudit_report", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.report_name)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:audit_id>/rapport/",
                self.admin_site.admin_view(self.report_view),
                name="compliance_reports_independentaudit_report",
            ),
            *super().get_urls(),
        ]

    def report_view(self, request: HttpRequest, audit_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        audit = IndependentAudit.objects.filter(pk=audit_id).first()
        if audit is None:
            raise Http404
        response = HttpResponse(bytes(audit.report), content_type=audit.report_content_type)
        response["Content-Disposition"] = f'attachment; filename="{audit.report_name}"'
        return response

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        data = form.cleaned_data
        upload = data["report_file"]
        recorded = independent_audit_record(
            auditor=data["auditor"],
            performed_on=data["performed_on"],
            scope=data["scope"],
            conclusion=data["conclusion"],
            report_name=upload.name,
            report_content_type=upload.content_type or "application/octet-stream",
            report=upload.read(),
            actor=request_actor(request),
        )
        adopt_saved(obj, recorded)
        messages.success(request, "De audit is geregistreerd; elke instantie kreeg het rapport van het platform.")
        return ["auditor", "performed_on"]


@admin.register(ObligationsReport, site=site)
class ObligationsReportAdmin(ReadOnlyModelAdmin):
    """The reports sent to agencies, and the page with every compliance document (JSON and PDF)."""

    list_display = ["agency", "trigger", "period_start", "period_end", "sent_at"]
    list_filter = ["trigger"]
    list_select_related = ["agency"]
    change_list_template = "backoffice/obligations_report_list.html"

    def get_urls(self) -> list[Any]:
        return [
            path("documenten/", self.admin_site.admin_view(self.documents_view), name="compliance_documents"),
            path(
                "documenten/<str:document>.<str:fmt>",
                self.admin_site.admin_view(self.document_view),
                name="compliance_document",
            ),
            *super().get_urls(),
        ]

    def documents_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Nalevingsdocumenten",
            "agencies": Agency.objects.order_by("name"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "backoffice/compliance_documents.html", context)

    def document_view(self, request: HttpRequest, document: str, fmt: str) -> HttpResponse:
        if not self.has_view_permission(request) or fmt not in ("json", "pdf"):
            raise PermissionDenied
        actor = request_actor(request)
        if document == "register":
            title, data = (
                "Register van verwerkingsactiviteiten (AVG art. 30, lid 2)",
                records_of_processing_make(actor=actor, fmt=fmt),
            )
        elif document == "maatregelen":
            title, data = "Technische en organisatorische maatregelen", measures_make(actor=actor, fmt=fmt)
        elif document.startswith("rapport-") and document[8:].isdigit():
            agency = Agency.objects.filter(pk=int(document[8:])).first()
            if agency is None:
                raise Http404
            title = f"Nalevingsrapport {agency.name}"
            data = compliance_report_make(agency_id=agency.pk, actor=actor, fmt=fmt)
        else:
            raise Http404
        if fmt == "pdf":
            response = HttpResponse(document_pdf(title=title, data=data), content_type="application/pdf")
        else:
            response = HttpResponse(
                json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
            )
        response["Content-Disposition"] = f'attachment; filename="{document}.{fmt}"'
        response["Cache-Control"] = "no-store"
        return response


# -- data-subject requests (charter 7): deadlines and states, never the citizen's text -------


@admin.register(SubjectRequest, site=site)
class SubjectRequestAdmin(AuditReadsMixin, ReadOnlyModelAdmin):
    """Operators follow whether agencies answer in time (GDPR 12(3)); the citizen's explanation and the
    agency's answer are the agency's data and are not shown here."""

    list_display = ["kind", "agency", "state", "filed_at", "due_on", "reminded_at", "answered_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["agency"]
    fields = ["kind", "agency", "state", "filing", "filed_at", "due_on", "reminded_at", "answered_at"]
