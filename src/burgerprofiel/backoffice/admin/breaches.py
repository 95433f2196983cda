"""Breaches in the back-office (charter 8, GDPR 33): register, assess a detector's draft, see who is
affected, send the notices and their updates, follow the deadline and the acknowledgements.

Every write goes through ``compliance.breaches.services``, which audits it; the admin only renders
and routes. Nobody deletes a breach (GDPR 33(5): every one stays on record), and a closed or
dismissed one is read-only.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from burgerprofiel.agencies.catalogue import CATEGORIES, Component
from burgerprofiel.backoffice.admin.base import ReadOnlyTabularInline, adopt_saved, request_actor
from burgerprofiel.backoffice.site import site
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.compliance.breaches.models import DEADLINE_LABELS, Breach, BreachNotification
from burgerprofiel.compliance.breaches.services import (
    EDITABLE,
    breach_affected_refresh,
    breach_change,
    breach_close,
    breach_notify,
    breach_register,
    breach_update_notify,
)
from burgerprofiel.compliance.notices.pdf import notice_pdf
from burgerprofiel.compliance.notices.selectors import agency_notice_for_agency

CATEGORY_CHOICES = sorted(
    {(code, f"{code}: {label}") for categories in CATEGORIES.values() for code, label in categories.items()}
)


class BreachForm(forms.ModelForm):
    systems_text = forms.CharField(
        label="systemen", required=False, help_text="Gescheiden door komma's (bv. databank, back-up, SMTP-relay)."
    )
    components = forms.MultipleChoiceField(
        label="componenten",
        required=False,
        choices=Component.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Geen enkele aangevinkt: alle componenten.",
    )
    data_categories = forms.MultipleChoiceField(
        label="gegevenscategorieën", required=False, choices=CATEGORY_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Breach
        fields = [
            "title",
            "detected_at",
            "nature",
            "window_start",
            "window_end",
            "exposure",
            "components",
            "data_categories",
            "subject_categories",
            "likely_consequences",
            "measures",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["systems_text"] = ", ".join(self.instance.systems or [])

    def service_fields(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in EDITABLE if name in self.cleaned_data}
        data["systems"] = [s.strip() for s in self.cleaned_data.get("systems_text", "").split(",") if s.strip()]
        return data


class BreachNotificationInline(ReadOnlyTabularInline):
    model = BreachNotification
    fields = ("phase", "agency", "subjects", "records", "sent_at", "mail", "acknowledged", "pdf")
    readonly_fields = fields
    verbose_name = "melding"
    verbose_name_plural = "meldingen aan instanties (en aanvullingen)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[BreachNotification]:
        return super().get_queryset(request).select_related("agency", "notice")

    @admin.display(description="e-mail")
    def mail(self, obj: BreachNotification) -> str:
        return obj.notice.get_mail_status_display()

    @admin.display(description="ontvangst bevestigd")
    def acknowledged(self, obj: BreachNotification) -> str:
        notice = obj.notice
        if notice.acknowledged_at is None:
            return "Nog niet"
        return f"{notice.acknowledged_at:%d-%m-%Y %H:%M} door {notice.acknowledged_by}"

    @admin.display(description="PDF")
    def pdf(self, obj: BreachNotification) -> str:
        url = reverse("admin:breaches_breach_notice_pdf", args=[obj.breach_id, obj.notice_id])
        return format_html('<a href="{}">PDF</a>', url)


@admin.register(Breach, site=site)
class BreachAdmin(admin.ModelAdmin):
    form = BreachForm
    change_form_template = "backoffice/breaches/change_form.html"
    list_display = ["reference", "title", "state", "detector", "detected_at", "deadline", "notified_at"]
    list_filter = ["state", "detector"]
    ordering = ["-detected_at"]
    inlines = [BreachNotificationInline]
    readonly_fields = [
        "reference",
        "state",
        "detector",
        "detector_detail",
        "deadline",
        "deadline_at",
        "notified_at",
        "affected_table",
        "affected_computed_at",
        "closed_at",
        "close_reason",
        "created_at",
        "created_by",
    ]

    def _frozen(self, request: HttpRequest, obj: Any) -> bool:
        """Shown read-only: closed or dismissed, or to staff who may only look (auditors)."""
        if obj is None:
            return False
        closed = obj.state in (Breach.State.CLOSED, Breach.State.DISMISSED)
        return closed or not super().has_change_permission(request, obj)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        description = [
            "title",
            "detected_at",
            "nature",
            ("window_start", "window_end"),
            "exposure",
            "systems" if self._frozen(request, obj) else "systems_text",
            "components",
            "data_categories",
            "subject_categories",
            "likely_consequences",
            "measures",
        ]
        if obj is None:
            return [(None, {"fields": description})]
        return [
            ("Status en termijn", {"fields": ["reference", "state", "deadline", "deadline_at", "notified_at"]}),
            ("Beschrijving (charter 8.2)", {"fields": description}),
            ("Getroffen instanties (berekend)", {"fields": ["affected_table", "affected_computed_at"]}),
            (
                "Herkomst en afsluiting",
                {"fields": ["detector", "detector_detail", "created_at", "created_by", "closed_at", "close_reason"]},
            ),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self._frozen(request, obj):
            return [*self.readonly_fields, *BreachForm.Meta.fields, "systems"]
        return self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        closed = obj is not None and obj.state in (Breach.State.CLOSED, Breach.State.DISMISSED)
        return not closed and super().has_change_permission(request, obj)

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [BreachNotificationInline] if obj is not None else []

    @admin.display(description="kenmerk")
    def reference(self, obj: Breach) -> str:
        return obj.reference

    @admin.display(description="termijn")
    def deadline(self, obj: Breach) -> str:
        state = obj.deadline_state()
        label = DEADLINE_LABELS[state]
        if state in ("warning", "overdue", "late"):
            return format_html('<strong class="errornote" data-deadline="{}">{}</strong>', state, label)
        return format_html('<span data-deadline="{}">{}</span>', state, label)

    @admin.display(description="uiterlijk te melden op")
    def deadline_at(self, obj: Breach) -> Any:
        return obj.deadline_at

    @admin.display(description="getroffen instanties")
    def affected_table(self, obj: Breach) -> Any:
        if not obj.affected:
            return "Nog niet berekend, of geen enkele instantie getroffen."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    e["agency_name"],
                    e["subjects"],
                    e["records"],
                    ", ".join(f"{c}: {n}" for c, n in e["records_by_component"].items()) or "-",
                    e["accesses"],
                )
                for e in obj.affected
            ),
        )
        return format_html(
            "<table><thead><tr><th>Instantie</th><th>Betrokkenen</th><th>Records</th><th>Per component</th>"
            "<th>Toegangen</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = form.service_fields()
        if change:
            saved = breach_change(breach=Breach.objects.get(pk=obj.pk), actor=request_actor(request), **fields)
        else:
            saved = breach_register(actor=request_actor(request), **fields)
        adopt_saved(obj, saved)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as error:
            self.message_user(request, f"Niet bewaard: {error.detail}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    # -- the acts on one breach ---------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/act/<str:act>/", wrap(self.act_view), name="breaches_breach_act"),
            path(
                "<int:pk>/notice/<uuid:notice_id>/pdf/", wrap(self.notice_pdf_view), name="breaches_breach_notice_pdf"
            ),
            *super().get_urls(),
        ]

    def _breach(self, request: HttpRequest, pk: int, *, change: bool) -> Breach:
        breach = Breach.objects.filter(pk=pk).first()
        if breach is None:
            raise PermissionDenied  # the admin answers 403 for what staff may not see either
        allowed = self.has_change_permission(request, breach) if change else self.has_view_permission(request, breach)
        if not allowed:
            raise PermissionDenied
        return breach

    def act_view(self, request: HttpRequest, pk: int, act: str) -> HttpResponse:
        breach = self._breach(request, pk, change=True)
        back = reverse("admin:breaches_breach_change", args=[breach.pk])
        actor = request_actor(request)
        if act in ("update", "close"):
            form = _TextForm(request.POST or None, label="Wat is er nieuw" if act == "update" else "Reden")
            if request.method != "POST" or not form.is_valid():
                return TemplateResponse(
                    request,
                    "backoffice/breaches/text_form.html",
                    {
                        **self.admin_site.each_context(request),
                        "opts": self.model._meta,
                        "breach": breach,
                        "form": form,
                        "title": f"{breach.reference}: "
                        + ("aanvulling versturen" if act == "update" else "afsluiten of afwijzen"),
                        "button": "Aanvulling versturen" if act == "update" else "Afsluiten",
                    },
                )
        elif request.method != "POST":
            return HttpResponseRedirect(back)
        try:
            if act == "compute":
                affected = breach_affected_refresh(breach=breach, actor=actor)
                self.message_user(request, f"Berekend: {len(affected)} getroffen instantie(s).", messages.SUCCESS)
            elif act == "confirm":
                breach_change(breach=breach, actor=actor, confirm=True)
                self.message_user(request, "Het ontwerp is nu een geregistreerde inbreuk.", messages.SUCCESS)
            elif act == "notify":
                sent = breach_notify(breach=breach, actor=actor)
                self.message_user(request, f"{len(sent)} melding(en) verstuurd.", messages.SUCCESS)
            elif act == "update":
                sent = breach_update_notify(breach=breach, update=form.cleaned_data["text"], actor=actor)
                self.message_user(request, f"{len(sent)} aanvulling(en) verstuurd.", messages.SUCCESS)
            elif act == "close":
                breach_close(breach=breach, reason=form.cleaned_data["text"], actor=actor)
                self.message_user(request, "Afgesloten; de inbreuk blijft bewaard.", messages.SUCCESS)
            else:
                raise PermissionDenied
        except ApplicationError as error:
            self.message_user(request, str(error.detail), messages.ERROR)
        return HttpResponseRedirect(back)

    def notice_pdf_view(self, request: HttpRequest, pk: int, notice_id: uuid.UUID) -> HttpResponse:
        breach = self._breach(request, pk, change=False)
        link = BreachNotification.objects.filter(breach=breach, notice_id=notice_id).first()
        if link is None:
            raise PermissionDenied
        notice = agency_notice_for_agency(agency_id=link.agency_id, notice_id=notice_id, actor=request_actor(request))
        response = HttpResponse(notice_pdf(notice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{breach.reference}-fase{link.phase}.pdf"'
        response["Cache-Control"] = "no-store"
        return response


class _TextForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)

    def __init__(self, *args: Any, label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label
