"""Back-office for sub-processors (charter 6, Bijlage 2) and transfers outside the EEA (charter 10).

Every write goes through ``compliance.subprocessors.services``: a sub-processor is never added
directly, a change is planned (30 days ahead, every agency told), objections are resolved with an
outcome of 6.3, transfer permissions are granted and revoked on their own records.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from burgerprofiel.agencies.catalogue import CATEGORIES
from burgerprofiel.backoffice.admin.base import AuditedModelAdmin, ReadOnlyTabularInline, adopt_saved, request_actor
from burgerprofiel.backoffice.site import site
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.compliance.subprocessors import services
from burgerprofiel.compliance.subprocessors.models import (
    Objection,
    SubProcessor,
    SubProcessorChange,
    TransferPermission,
)

CATEGORY_CHOICES = sorted({(code, f"{code}: {label}") for cats in CATEGORIES.values() for code, label in cats.items()})
DETAIL_FIELDS = ["name", "identifier", "address", "country", "role", "data_categories", "contract_date", "endpoints"]


class DetailsForm(forms.ModelForm):
    """The fields describing a new sub-processor (a planned appointment, or a replacement)."""

    name = forms.CharField(label="Naam", required=False, max_length=200)
    identifier = forms.CharField(label="KBO- of buitenlands nummer", required=False, max_length=64)
    address = forms.CharField(label="Adres", required=False, max_length=300)
    country = forms.CharField(label="Land (ISO, bv. BE)", required=False, max_length=2)
    role = forms.CharField(label="Rol", required=False, max_length=200)
    data_categories = forms.MultipleChoiceField(
        label="Gegevenscategorieën", required=False, choices=CATEGORY_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    contract_date = forms.DateField(label="Datum overeenkomst", required=False)
    endpoints = forms.CharField(label="Eindpunten (hostnamen, komma's)", required=False)

    def details(self) -> services.SubProcessorDetails | None:
        data = self.cleaned_data
        if not data.get("name"):
            return None
        if data.get("contract_date") is None:
            raise forms.ValidationError("De datum van de overeenkomst is verplicht.")
        return services.SubProcessorDetails(
            name=data["name"],
            identifier=data.get("identifier", ""),
            address=data.get("address", ""),
            country=data.get("country", ""),
            role=data.get("role", ""),
            data_categories=tuple(data.get("data_categories") or ()),
            contract_date=data["contract_date"],
            endpoints=tuple(e for e in (data.get("endpoints") or "").split(",") if e.strip()),
        )


class ChangePlanForm(DetailsForm):
    target = forms.ModelChoiceField(
        label="Te vervangen of stop te zetten onderverwerker",
        required=False,
        queryset=SubProcessor.objects.filter(state=SubProcessor.State.ACTIVE),
    )

    class Meta:
        model = SubProcessorChange
        fields = ["kind", "effective_on", "reason"]


class ObjectionResolveForm(DetailsForm):
    outcome = forms.ChoiceField(
        label="Uitkomst (charter 6.3)",
        choices=[(v, label) for v, label in Objection.Outcome.choices if v != Objection.Outcome.OPEN],
    )

    class Meta:
        model = Objection
        fields = ["resolution_note"]


class ObjectionInline(ReadOnlyTabularInline):
    model = Objection
    fields = ["agency", "reason", "outcome", "submitted_at", "resolved_at"]
    readonly_fields = ["agency", "reason", "outcome", "submitted_at", "resolved_at"]

    @admin.display(description="ingediend op")
    def submitted_at(self, obj: Objection) -> Any:
        return obj.created_at


@admin.register(SubProcessor, site=site)
class SubProcessorAdmin(AuditedModelAdmin):
    list_display = ["name", "identifier", "country", "inside_eea", "role", "state", "effective_from"]
    list_filter = ["state", "country"]
    search_fields = ["name", "identifier"]
    fields = [*DETAIL_FIELDS[:-1], "endpoints_text", "state", "effective_from", "effective_until"]
    readonly_fields = [*DETAIL_FIELDS[:-1], "state", "effective_from", "effective_until"]

    class EndpointsForm(forms.ModelForm):
        endpoints_text = forms.CharField(label="Eindpunten (hostnamen, komma's)", required=False)

        class Meta:
            model = SubProcessor
            fields: list[str] = []

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.initial["endpoints_text"] = ", ".join(self.instance.endpoints or [])

    form = EndpointsForm

    @admin.display(description="Eindpunten (hostnamen, komma's)")
    def endpoints_text(self, obj: SubProcessor) -> str:
        """The endpoints as an auditor (read-only) sees them; the operator edits the form field of that name."""
        return ", ".join(obj.endpoints or []) or "–"

    @admin.display(boolean=True, description="in de EER")
    def inside_eea(self, obj: SubProcessor) -> bool:
        return obj.in_eea

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a new sub-processor is a planned change (charter 6.2)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        endpoints = [e for e in form.cleaned_data.get("endpoints_text", "").split(",") if e.strip()]
        saved = services.subprocessor_endpoints_set(
            subprocessor_id=obj.pk, endpoints=endpoints, actor=request_actor(request)
        )
        adopt_saved(obj, saved)
        return ["endpoints"]


@admin.register(SubProcessorChange, site=site)
class SubProcessorChangeAdmin(AuditedModelAdmin):
    form = ChangePlanForm
    list_display = ["subprocessor", "kind", "effective_on", "state", "open_objections", "created_at"]
    list_filter = ["state", "kind"]
    inlines = [ObjectionInline]
    actions = ["withdraw"]
    add_fieldsets = [
        (None, {"fields": ["kind", "effective_on", "reason", "target"]}),
        ("Nieuwe onderverwerker (toevoegen, vervangen)", {"fields": DETAIL_FIELDS}),
    ]

    @admin.display(description="open bezwaren")
    def open_objections(self, obj: SubProcessorChange) -> int:
        return obj.objections.filter(outcome=Objection.Outcome.OPEN).count()

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        return [(None, {"fields": self.get_readonly_fields(request, obj)})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        return ["kind", "subprocessor", "replaces", "effective_on", "reason", "state", "planned_by", "applied_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)  # the list's action needs the list

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def audit_agency_id(self, obj: Any) -> int | None:
        return None

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        data = form.cleaned_data
        try:
            new_details = form.details()
        except forms.ValidationError as exc:
            raise services.ValidationError(" ".join(exc.messages)) from exc
        target = data.get("target")
        planned = services.subprocessor_change_plan(
            kind=data["kind"],
            effective_on=data["effective_on"],
            details=new_details,
            target_id=target.pk if target else None,
            reason=data.get("reason", ""),
            actor=request_actor(request),
        )
        adopt_saved(obj, planned)
        return ["kind", "effective_on"]

    @admin.action(description="Intrekken (de instanties worden verwittigd)", permissions=["add"])
    def withdraw(self, request: HttpRequest, queryset: QuerySet[SubProcessorChange]) -> None:
        for change in queryset:
            try:
                services.subprocessor_change_withdraw(change_id=change.pk, actor=request_actor(request))
            except ApplicationError as error:
                self.message_user(request, f"{change}: {error.detail}", messages.ERROR)
            else:
                self.message_user(request, f"{change}: ingetrokken.", messages.SUCCESS)


@admin.register(Objection, site=site)
class ObjectionAdmin(AuditedModelAdmin):
    form = ObjectionResolveForm
    list_display = ["agency", "change", "outcome", "created_at", "resolved_at"]
    list_filter = ["outcome"]
    readonly_fields = ["change", "agency", "reason", "created_at", "resolved_at", "resolved_by"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        shown = [(None, {"fields": self.readonly_fields})]
        if obj is not None and obj.outcome == Objection.Outcome.OPEN:
            return [
                *shown,
                ("Beslissing (charter 6.3)", {"fields": ["outcome", "resolution_note"]}),
                ("Vervangende onderverwerker (enkel bij vervangen)", {"fields": DETAIL_FIELDS}),
            ]
        return [*shown, ("Beslissing", {"fields": ["outcome_display", "resolution_note_display"]})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.outcome != Objection.Outcome.OPEN:
            return [*self.readonly_fields, "outcome_display", "resolution_note_display"]
        return self.readonly_fields

    @admin.display(description="uitkomst")
    def outcome_display(self, obj: Objection) -> str:
        return obj.get_outcome_display()

    @admin.display(description="toelichting")
    def resolution_note_display(self, obj: Objection) -> str:
        return obj.resolution_note

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # agencies object over the API (charter 6.3)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.outcome != Objection.Outcome.OPEN:
            return False  # decided: the record stays as it was decided
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        try:
            replacement = form.details()
        except forms.ValidationError as exc:
            raise services.ValidationError(" ".join(exc.messages)) from exc
        resolved = services.objection_resolve(
            objection_id=obj.pk,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data.get("resolution_note", ""),
            replacement=replacement,
            actor=request_actor(request),
        )
        obj.refresh_from_db()
        adopt_saved(obj, resolved)
        return ["outcome"]


@admin.register(TransferPermission, site=site)
class TransferPermissionAdmin(AuditedModelAdmin):
    list_display = ["order", "country", "recipient", "created_at", "revoked_at"]
    list_filter = ["country"]
    fields = ["order", "country", "recipient", "legal_ground"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*self.fields, "created_by", "created_at", "revoked_at"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the record is evidence of what was allowed when

    def audit_agency_id(self, obj: Any) -> int | None:
        return int(obj.order.agency_id) if obj.order_id else None

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        data = form.cleaned_data
        saved = services.transfer_allow(
            order_id=data["order"].pk,
            country=data["country"],
            recipient=data.get("recipient", ""),
            legal_ground=data["legal_ground"],
            actor=request_actor(request),
        )
        adopt_saved(obj, saved)
        return None

    @admin.action(description="Toelating intrekken", permissions=["add"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[TransferPermission]) -> None:
        for permission in queryset:
            services.transfer_revoke(permission_id=permission.pk, actor=request_actor(request))
        self.message_user(request, f"{queryset.count()} toelating(en) ingetrokken.", messages.SUCCESS)
