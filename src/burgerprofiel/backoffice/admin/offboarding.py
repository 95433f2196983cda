"""Back-office for the end of an order (charter 12.2): start a return or deletion, follow it, fetch
its signed certificate; place legal holds.

Starting goes through a confirmation page that names the consequence and asks for the agency's
name; the run itself is the worker's (``offboarding_run_task``), since deleting a whole agency does
not fit in a web request. Everything is done by ``compliance.offboarding.services`` (audited there).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from burgerprofiel.agencies.models import Agency, ProcessingOrder
from burgerprofiel.backoffice.admin.base import adopt_saved, request_actor
from burgerprofiel.backoffice.admin.confirm import confirm_page
from burgerprofiel.backoffice.site import site
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.compliance import holdings
from burgerprofiel.compliance.offboarding.models import LegalHold, Offboarding, held_kind
from burgerprofiel.compliance.offboarding.services import (
    certificate_pdf,
    legal_hold_place,
    offboarding_start,
    orders_awaiting_offboarding,
)
from burgerprofiel.compliance.offboarding.tasks import offboarding_run_task

CONSEQUENCE = (
    "Alle gegevens van deze instantie worden {what}, in reeksen, door de worker. Daarna wordt haar "
    "gegevenssleutel vernietigd, ook in de sleutelopslag buiten de databank: ook een reservekopie van de "
    "databank van vóór vandaag kan haar gegevens dan niet meer ontsleutelen. Dit kan niet ongedaan worden "
    "gemaakt. Records onder een juridische bewaarplicht blijven tot hun einddatum. Een ondertekend attest "
    "volgt."
)


class OffboardingStartForm(forms.Form):
    order = forms.ModelChoiceField(
        label="Beëindigde verwerkingsopdracht",
        queryset=ProcessingOrder.objects.none(),
        help_text="Alleen beëindigde opdrachten zonder lopende terugbezorging of verwijdering.",
    )
    mode = forms.ChoiceField(
        label="Keuze van de instantie (charter 12.2)",
        choices=Offboarding.Mode.choices,
        widget=forms.RadioSelect,
    )
    agency_name = forms.CharField(label="Typ ter bevestiging de naam van de instantie", max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = orders_awaiting_offboarding()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        order = data.get("order")
        if order is not None and data.get("agency_name", "").strip() != order.agency.name:
            self.add_error("agency_name", f"Dat is niet de naam van de instantie ({order.agency.name}).")
        return data


OFFBOARDING_FIELDS = (
    "agency",
    "order",
    "mode",
    "state",
    "reason",
    "started_by",
    "started_at",
    "finished_at",
    "key_destroyed_at",
    "counts_display",
    "certificates_display",
)


@admin.register(Offboarding, site=site)
class OffboardingAdmin(admin.ModelAdmin):
    list_display = ["agency", "order", "mode", "state", "started_at", "key_destroyed_at"]
    list_filter = ["mode", "state"]
    fields = OFFBOARDING_FIELDS
    readonly_fields = OFFBOARDING_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # started through the confirmation page below, not a form of its fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the processor's proof

    @admin.display(description="Verwijderd per component")
    def counts_display(self, obj: Offboarding) -> str:
        return format_html_join(", ", "{}: {}", sorted(obj.counts.items())) or "-"

    @admin.display(description="Ondertekende attesten")
    def certificates_display(self, obj: Offboarding) -> str:
        if not obj.certificates:
            return "-"
        name = self.admin_site.name
        return format_html_join(
            mark_safe("<br>"),
            '{} ({}) — <a href="{}">JSON</a> · <a href="{}">PDF</a>',
            (
                (
                    entry["certificate"]["certificate_id"],
                    "definitief" if entry["certificate"]["final"] else "voorlopig: bewaarplicht",
                    reverse(f"{name}:offboarding_certificate", args=[obj.pk, n, "json"]),
                    reverse(f"{name}:offboarding_certificate", args=[obj.pk, n, "pdf"]),
                )
                for n, entry in enumerate(obj.certificates)
            ),
        )

    def get_urls(self) -> list[Any]:
        start = self.admin_site.admin_view(self.start_view)
        certificate = self.admin_site.admin_view(self.certificate_view)
        return [
            path("starten/", start, name="offboarding_start"),
            path("<int:pk>/attest/<int:n>.<str:fmt>", certificate, name="offboarding_certificate"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        start_url = reverse(f"{self.admin_site.name}:offboarding_start")
        return super().changelist_view(request, {**(extra_context or {}), "start_url": start_url})

    def start_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("offboarding.add_offboarding"):  # type: ignore[union-attr]
            raise Http404
        form = OffboardingStartForm(request.POST if request.method == "POST" else None)
        changelist = reverse(f"{self.admin_site.name}:offboarding_offboarding_changelist")
        if request.method == "POST" and form.is_valid():
            actor = request_actor(request)
            try:
                offboarding = offboarding_start(
                    order=form.cleaned_data["order"], mode=form.cleaned_data["mode"], actor=actor
                )
            except ApplicationError as error:
                self.message_user(request, error.detail, messages.WARNING)
                return HttpResponseRedirect(changelist)
            offboarding_run_task.enqueue(offboarding.pk, actor.kind, actor.id)
            self.message_user(
                request,
                f"{offboarding} is gestart; de worker wist in reeksen en reikt daarna het attest uit.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse(f"{self.admin_site.name}:offboarding_offboarding_change", args=[offboarding.pk])
            )
        return confirm_page(
            self,
            request,
            title="Einde opdracht: terugbezorgen of verwijderen",
            subject="Alle persoonsgegevens van een instantie na het einde van haar verwerkingsopdracht",
            consequence=CONSEQUENCE.format(
                what="teruggegeven (een ondertekende bundel, één keer af te halen) of verwijderd"
            ),
            form=form,
            button="Starten",
            cancel_url=changelist,
            danger=True,
        )

    def certificate_view(self, request: HttpRequest, pk: int, n: int, fmt: str) -> HttpResponse:
        offboarding = Offboarding.objects.filter(pk=pk).first()
        if (
            offboarding is None
            or not self.has_view_permission(request, offboarding)
            or n >= len(offboarding.certificates)
        ):
            raise Http404
        entry = offboarding.certificates[n]
        name = f"verwijderingsattest-{entry['certificate']['certificate_id']}"
        if fmt == "json":
            response = HttpResponse(json.dumps(entry, indent=2, ensure_ascii=False), content_type="application/json")
        elif fmt == "pdf":
            response = HttpResponse(certificate_pdf(entry), content_type="application/pdf")
        else:
            raise Http404
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response


class LegalHoldForm(forms.ModelForm):  # type: ignore[type-arg]
    model = forms.ChoiceField(label="Soort record", choices=(), help_text="Per component, zoals het holdings-register.")

    class Meta:
        model = LegalHold
        fields = ["agency", "model", "object_id", "reason", "until"]
        widgets = {"until": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "model" in self.fields:  # the detail page shows a placed hold read-only, without these fields
            self.fields["model"].choices = [(h.label, held_kind(h.label)) for h in holdings.holdings()]  # type: ignore[attr-defined]
        if "agency" in self.fields:
            self.fields["agency"].queryset = Agency.objects.order_by("name")  # type: ignore[attr-defined]


@admin.register(LegalHold, site=site)
class LegalHoldAdmin(admin.ModelAdmin):
    form = LegalHoldForm
    list_display = ["agency", "kind", "object_id", "until", "released_at", "created_by"]
    list_filter = ["released_at"]
    search_fields = ["agency__name", "object_id"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["agency", "kind", "object_id", "reason", "until", "created_by", "created_at", "released_at"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["agency", "model", "object_id", "reason", "until"]
        return self.get_readonly_fields(request, obj)  # "kind" in place of the raw model label

    @admin.display(description="Soort record", ordering="model")
    def kind(self, obj: LegalHold) -> str:
        return held_kind(obj.model)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # it ends on its date (the periodic task), and its record stays

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            hold = legal_hold_place(
                agency=data["agency"],
                model=data["model"],
                object_id=data["object_id"],
                reason=data["reason"],
                until=data["until"],
                actor=request_actor(request),
            )
        except ApplicationError as error:
            raise forms.ValidationError(error.detail) from error
        adopt_saved(obj, hold)
