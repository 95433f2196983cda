"""Instructions and disclosures required by law in the back-office (charter 3, 10).

An operator registers an instruction received in writing from an authorised contact person (the
service refuses anyone else), flags one as contrary to law with the reason (the agency is told at
once, 3.4), registers a disclosure the law requires (the agency is told beforehand unless the law
forbids it) and, when such a ban lifts, sends the notice. Every write goes through
``compliance.instructions.services``, which audits it; nothing is deleted here. Opening the list or an
instruction's page is audited through the same services as ``burgerprofiel instructions list|show``
(``instruction.listed``: per agency shown, with the count; never a subject or a text).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from burgerprofiel.agencies.models import ContactPerson
from burgerprofiel.backoffice.admin.base import AuditReadsMixin, adopt_saved, request_actor
from burgerprofiel.backoffice.site import site
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.compliance.instructions.models import Instruction, LegalDisclosure
from burgerprofiel.compliance.instructions.services import (
    instruction_flag_unlawful,
    instruction_read,
    instruction_register,
    instructions_shown,
    legal_disclosure_ban_lift,
    legal_disclosure_register,
)


class _ReasonForm(forms.Form):
    text = forms.CharField(label="Reden", widget=forms.Textarea(attrs={"rows": 6}), max_length=10000)


class _ServiceAdmin(admin.ModelAdmin):
    """Adds through a service; afterwards read-only; never deleted; one act per object."""

    change_form_template = "backoffice/instructions/change_form.html"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return [f.name for f in self.model._meta.fields if f.name != "id"]

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

    def _object_for_act(self, request: HttpRequest, pk: int) -> Any:
        obj = self.model._default_manager.filter(pk=pk).first()
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def _back(self, obj: Any) -> HttpResponseRedirect:
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))


class InstructionForm(forms.ModelForm):
    contact = forms.ModelChoiceField(
        label="gemachtigde contactpersoon",
        queryset=ContactPerson.objects.select_related("agency").order_by("agency__name", "pk"),
        help_text="Van wie de schriftelijke instructie komt; enkel wie vandaag gemachtigd is, wordt aanvaard.",
    )

    class Meta:
        model = Instruction
        fields = ["agency", "contact", "subject", "text"]


@admin.register(Instruction, site=site)
class InstructionAdmin(AuditReadsMixin, _ServiceAdmin):
    form = InstructionForm
    list_display = ["received_at", "agency", "contact_role", "channel", "flagged_unlawful_at"]
    list_filter = ["channel", "agency"]
    ordering = ["-received_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return  # read-only after registration
        saved = instruction_register(
            agency=form.cleaned_data["agency"],
            contact_id=form.cleaned_data["contact"].pk,
            subject=form.cleaned_data["subject"],
            text=form.cleaned_data["text"],
            channel=Instruction.Channel.BACKOFFICE,
            actor=request_actor(request),
        )
        adopt_saved(obj, saved)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if obj is not None and obj.flagged_unlawful_at is None:
            context.update(
                can_act=self.has_change_permission(request, obj),
                act_url=reverse("admin:instructions_instruction_flag", args=[obj.pk]),
                act_label="Melden als in strijd met de wet (charter 3.4)",
                act_post=False,
            )
        return super().change_view(request, object_id, form_url, context)

    # The mixin's hooks, audited through the domain's read services as `burgerprofiel instructions
    # list|show` are (``instruction.listed`` per agency shown, with the count; never a subject or a text).
    def audit_list(self, request: HttpRequest, rows: list[Any]) -> None:
        instructions_shown(instructions=rows, actor=request_actor(request))

    def audit_view(self, request: HttpRequest, obj: Any) -> None:
        instruction_read(instruction_id=obj.pk, actor=request_actor(request))

    def get_urls(self) -> list[Any]:
        return [
            path("<int:pk>/flag/", self.admin_site.admin_view(self.flag_view), name="instructions_instruction_flag"),
            *super().get_urls(),
        ]

    def flag_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        instruction = self._object_for_act(request, pk)
        form = _ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                instruction_flag_unlawful(
                    instruction=instruction, reason=form.cleaned_data["text"], actor=request_actor(request)
                )
                self.message_user(request, "Gemeld aan de instantie.", messages.SUCCESS)
            except ApplicationError as error:
                self.message_user(request, str(error.detail), messages.ERROR)
            return self._back(instruction)
        return TemplateResponse(
            request,
            "backoffice/reason_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "object": instruction,
                "form": form,
                "title": "Instructie melden als in strijd met de wet",
                "button": "Melden aan de instantie",
                "consequence": "De instantie krijgt meteen een kennisgeving met deze reden (e-mail aan haar "
                "gemachtigden en DPO, webhook, API).",
            },
        )


class LegalDisclosureForm(forms.ModelForm):
    class Meta:
        model = LegalDisclosure
        fields = ["agency", "legal_basis", "recipient", "description", "planned_for", "notice_banned", "ban_reason"]


@admin.register(LegalDisclosure, site=site)
class LegalDisclosureAdmin(AuditReadsMixin, _ServiceAdmin):
    form = LegalDisclosureForm
    list_display = ["registered_at", "agency", "planned_for", "notice_banned", "notified_at"]
    list_filter = ["notice_banned", "agency"]
    ordering = ["-registered_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return
        data = form.cleaned_data
        saved = legal_disclosure_register(
            agency=data["agency"],
            legal_basis=data["legal_basis"],
            recipient=data["recipient"],
            description=data["description"],
            planned_for=data["planned_for"],
            notice_banned=data["notice_banned"],
            ban_reason=data["ban_reason"],
            actor=request_actor(request),
        )
        adopt_saved(obj, saved)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if obj is not None and obj.notice_banned and obj.ban_lifted_at is None:
            context.update(
                can_act=self.has_change_permission(request, obj),
                act_url=reverse("admin:instructions_legaldisclosure_lift", args=[obj.pk]),
                act_label="Het verbod is opgeheven: nu melden",
                act_post=True,
            )
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/lift-ban/",
                self.admin_site.admin_view(self.lift_view),
                name="instructions_legaldisclosure_lift",
            ),
            *super().get_urls(),
        ]

    def lift_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        disclosure = self._object_for_act(request, pk)
        if request.method == "POST":
            try:
                legal_disclosure_ban_lift(disclosure=disclosure, actor=request_actor(request))
                self.message_user(request, "Gemeld aan de instantie.", messages.SUCCESS)
            except ApplicationError as error:
                self.message_user(request, str(error.detail), messages.ERROR)
        return self._back(disclosure)
