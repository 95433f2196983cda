"""Back-office for agencies, their contact persons, API clients and processing orders.

Writes that the domain owns go through its services (onboarding, API clients, order versions,
suspension); ``AuditedModelAdmin`` adds the back-office audit event to each. Nothing here deletes
an agency, a client or an order: they end by termination or deactivation and keep their history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from burgerprofiel.agencies.catalogue import Component, is_built
from burgerprofiel.agencies.models import Agency, ApiClient, ContactPerson, ProcessingOrder, ProcessingOrderVersion
from burgerprofiel.agencies.order_diff import validity_text
from burgerprofiel.agencies.services import (
    ORDER_TRANSITIONS,
    agency_onboard,
    api_client_create,
    api_client_secret_rotate,
    processing_order_change,
    processing_order_create,
    processing_order_transition,
)
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.backoffice.admin.base import (
    AuditedModelAdmin,
    AuditReadsMixin,
    ReadOnlyTabularInline,
    adopt_saved,
    request_actor,
)
from burgerprofiel.backoffice.admin.confirm import SecretOnce, confirm_page, refusal_record, refuse, secret_once_page
from burgerprofiel.backoffice.admin.forms import (
    AgencyChangeForm,
    AgencyOnboardForm,
    ApiClientAddForm,
    ApiClientChangeForm,
    ConfirmForm,
    ContactPersonForm,
    ProcessingOrderForm,
    SecretRotateForm,
    SuspendForm,
    TerminateForm,
    categories_field_name,
    retention_field_name,
)
from burgerprofiel.backoffice.admin.order_display import (
    HISTORY_PAGE_PARAM,
    categories_html,
    components_html,
    history_page,
    retention_html,
    text_or_empty,
)
from burgerprofiel.backoffice.site import site
from burgerprofiel.common.errors import ApplicationError


def _with_current_version(queryset: QuerySet[ProcessingOrder]) -> QuerySet[ProcessingOrder]:
    latest = ProcessingOrderVersion.objects.filter(order=OuterRef("pk")).order_by("-number")
    return queryset.annotate(
        current_number=Subquery(latest.values("number")[:1]),
        current_state=Subquery(latest.values("state")[:1]),
        current_valid_until=Subquery(latest.values("valid_until")[:1]),
    )


def _state_label(value: str | None) -> str:
    return ProcessingOrderVersion.State(value).label if value else "-"


def _no_add_another(formfield: Any) -> Any:
    # Adding an agency must go through onboarding (and show its secret), not through a popup.
    if formfield is not None and hasattr(formfield.widget, "can_add_related"):
        formfield.widget.can_add_related = False
    return formfield


_CLIENT_INLINE_FIELDS = ("client_id", "name", "is_active", "created_at")
_ORDER_INLINE_FIELDS = ("order", "state", "created_at")
# The read-only summary of the version in force, for whoever may not make a new one.
_SUMMARY_FIELDS = (
    "components_summary",
    "categories_summary",
    "retention_summary",
    "validity_summary",
    "legal_basis_summary",
    "dpia_summary",
)


# -- agencies -----------------------------------------------------------------------------------


class ContactPersonInline(admin.TabularInline):
    model = ContactPerson
    form = ContactPersonForm
    extra = 0
    fields = ["name", "email", "phone", "role", "authorised_from", "authorised_until"]

    def _key_destroyed(self, obj: Agency | None) -> bool:
        return obj is not None and obj.pk is not None and obj.data_key.is_destroyed

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # With the agency's key shredded the values are unreadable: nothing left to edit.
        return not self._key_destroyed(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._key_destroyed(obj) and super().has_add_permission(request, obj)


class ApiClientInline(ReadOnlyTabularInline):
    model = ApiClient
    fields = _CLIENT_INLINE_FIELDS
    readonly_fields = _CLIENT_INLINE_FIELDS
    show_change_link = True


class ProcessingOrderInline(ReadOnlyTabularInline):
    model = ProcessingOrder
    fields = _ORDER_INLINE_FIELDS
    readonly_fields = _ORDER_INLINE_FIELDS
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProcessingOrder]:
        return _with_current_version(super().get_queryset(request))

    @admin.display(description="opdracht")
    def order(self, obj: ProcessingOrder) -> str:
        return f"Verwerkingsopdracht {obj.pk} v{getattr(obj, 'current_number', '?')}"

    @admin.display(description="status")
    def state(self, obj: ProcessingOrder) -> str:
        return _state_label(getattr(obj, "current_state", None))


@admin.register(Agency, site=site)
class AgencyAdmin(AuditReadsMixin, AuditedModelAdmin):
    # The page decrypts the DPO and the contact persons' names, e-mail addresses and phone numbers.
    view_audit_action = AuditAction.BACKOFFICE_AGENCY_VIEWED
    list_display = ["name", "kbo_display", "municipality", "created_at"]
    search_fields = ["name", "kbo"]
    search_help_text = "Zoek op naam of KBO-nummer (tien cijfers)."
    ordering = ["name"]
    readonly_fields = ["data_key", "created_at"]

    add_fieldsets = [
        (None, {"fields": ["name", "kbo"]}),
        ("Functionaris voor gegevensbescherming", {"fields": ["dpo_name", "dpo_email"]}),
        ("Adres", {"fields": ["street", "postcode", "municipality"]}),
        (
            "Eerste verwerkingsopdracht",
            {"fields": ["components", "valid_from", "valid_until", "legal_basis", "dpia_reference"]},
        ),
        ("Eerste API-client", {"fields": ["jwks"]}),
    ]
    change_fieldsets = [
        (None, {"fields": ["name", "kbo", "created_at"]}),
        ("Functionaris voor gegevensbescherming", {"fields": ["dpo_name", "dpo_email"]}),
        ("Adres", {"fields": ["street", "postcode", "municipality"]}),
        ("Sleutel", {"fields": ["data_key"]}),
    ]

    @admin.display(description="KBO-nummer", ordering="kbo")
    def kbo_display(self, obj: Agency) -> str:
        return obj.kbo_display

    def audit_agency_id(self, obj: Any) -> int | None:
        return int(obj.pk) if isinstance(obj, Agency) and obj.pk else super().audit_agency_id(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an agency ends through termination of its orders (charter 12), not here

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.change_fieldsets if obj else self.add_fieldsets

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = AgencyChangeForm if obj else AgencyOnboardForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [ContactPersonInline, ApiClientInline, ProcessingOrderInline] if obj else [ContactPersonInline]

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        if change:
            return super().perform_save(request, obj, form, change)
        data = form.cleaned_data
        onboarded = agency_onboard(
            name=data["name"],
            kbo=data["kbo"],
            components=data["components"],
            valid_from=data.get("valid_from"),
            valid_until=data.get("valid_until"),
            jwks=data.get("jwks"),
            dpo_name=data.get("dpo_name", ""),
            dpo_email=data.get("dpo_email", ""),
            street=data.get("street", ""),
            postcode=data.get("postcode", ""),
            municipality=data.get("municipality", ""),
            legal_basis=data.get("legal_basis", ""),
            dpia_reference=data.get("dpia_reference", ""),
            actor=request_actor(request),
        )
        adopt_saved(obj, onboarded.agency)
        obj._secret_once = SecretOnce(onboarded.client, onboarded.client_secret)
        messages.success(
            request,
            f"Instantie {onboarded.agency} is aangemaakt met verwerkingsopdracht {onboarded.order_version.order_id} "
            f"en API-client {onboarded.client.client_id}.",
        )
        return None

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        # The list shows the KBO as 0207.012.351; searching for it as shown finds it.
        digits = search_term.replace(".", "").replace(" ", "")
        if digits.isdigit() and digits != search_term.strip():
            search_term = digits
        return super().get_search_results(request, queryset, search_term)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        return secret_once_page(self, request, obj, title="Instantie aangemaakt")


# -- API clients ----------------------------------------------------------------------------------


@admin.register(ApiClient, site=site)
class ApiClientAdmin(AuditedModelAdmin):
    list_display = ["client_id", "name", "agency", "auth_methods", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["client_id", "name", "agency__name", "agency__kbo"]
    list_select_related = ["agency"]
    actions = ["rotate_secret"]

    @admin.display(description="authenticatie")
    def auth_methods(self, obj: ApiClient) -> str:
        methods = [
            label for present, label in ((obj.secret_hash, "client secret"), (obj.jwks, "private_key_jwt")) if present
        ]
        return ", ".join(methods) or "geen"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the audit trail names clients by client_id

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["agency", "name", "jwks", "with_secret"]
        return ["client_id", "agency", "name", "is_active", "jwks", "auth_methods", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["client_id", "agency", "auth_methods", "created_at"] if obj else []

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = ApiClientChangeForm if obj else ApiClientAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return _no_add_another(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        if change:
            return super().perform_save(request, obj, form, change)
        data = form.cleaned_data
        created = api_client_create(
            agency=data["agency"],
            name=data.get("name", ""),
            jwks=data.get("jwks"),
            with_secret=bool(data.get("with_secret")),
            actor=request_actor(request),
        )
        adopt_saved(obj, created.client)
        obj._secret_once = SecretOnce(created.client, created.client_secret)
        kind = "" if created.client_secret else " (private_key_jwt)"
        messages.success(request, f"API-client {created.client.client_id} is aangemaakt{kind}.")
        return None

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        return secret_once_page(self, request, obj, title="API-client aangemaakt")

    @admin.action(description="Nieuw geheim genereren (met reden)", permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(
                request, "Kies precies één API-client om een nieuw geheim te genereren.", messages.WARNING
            )
            return None
        client = queryset.get()
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:agencies_apiclient_rotate", args=[client.pk]))

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.rotate_view)
        return [path("<path:object_id>/nieuw-geheim/", view, name="agencies_apiclient_rotate"), *super().get_urls()]

    def rotate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Confirmation (consequence, required reason), then a new secret shown once in a copy field."""
        client = self.get_object(request, object_id)
        if client is None:
            raise Http404("Deze API-client bestaat niet.")
        if not admin.ModelAdmin.has_change_permission(self, request, client):
            refuse(request, client, "secret_rotate")
        change_url = reverse(f"{self.admin_site.name}:agencies_apiclient_change", args=[client.pk])
        if not client.secret_hash:
            self.message_user(
                request,
                f"API-client {client.client_id} gebruikt geen client secret (enkel private_key_jwt).",
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)
        form = SecretRotateForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    secret = api_client_secret_rotate(
                        client=client, actor=request_actor(request), reason=form.cleaned_data["reason"]
                    )
                    self.audit(request, client, "secret_rotated", fields=["secret_hash"])
            except ApplicationError as error:
                self.message_user(request, error.detail, messages.WARNING)
                return HttpResponseRedirect(change_url)
            messages.success(request, f"Nieuw geheim voor {client.client_id}. Het vorige geheim werkt niet meer.")
            client._secret_once = SecretOnce(client, secret)
            return secret_once_page(self, request, client, title="Nieuw geheim gegenereerd")
        return confirm_page(
            self,
            request,
            title=f"Nieuw geheim voor API-client {client.client_id}",
            subject=f"API-client {client.client_id} ({client.agency})",
            consequence=f"Het huidige client secret van {client.client_id} werkt meteen niet meer: elke aanvraag van "
            f"{client.agency} met het oude geheim wordt geweigerd tot het nieuwe bij de instantie ingesteld is. Het "
            "nieuwe geheim wordt één keer getoond. De reden komt in de audit.",
            form=form,
            button="Nieuw geheim genereren",
            cancel_url=change_url,
        )


# -- processing orders ------------------------------------------------------------------------------

SUSPEND_CONSEQUENCE = (
    "De verwerking stopt vanaf de volgende aanvraag van de instantie (charter 2.3): de API weigert haar "
    "oproepen voor deze opdracht en de burger ziet de gegevens niet meer. Elke opschorting wordt een nieuwe versie "
    "van de opdracht; de reden komt in de historiek en wordt de instantie getoond."
)
TERMINATE_CONSEQUENCE = (
    "Beëindigen is definitief (charter 13): de instantie kan vanaf de volgende aanvraag niets meer verwerken onder "
    "deze opdracht, en de opdracht kan niet meer hervat of gewijzigd worden; een latere overeenkomst wordt een "
    "nieuwe opdracht. De reden komt in de historiek."
)


@dataclass(frozen=True)
class TransitionPage:
    button: str
    audit_verb: str
    consequence: str
    form_class: type[forms.Form]


# The order page's buttons: one per transition of agencies.services.ORDER_TRANSITIONS.
TRANSITION_PAGES: dict[str, TransitionPage] = {
    "activate": TransitionPage(
        "Activeren",
        "activated",
        "Het ontwerp gaat in: de instantie kan vanaf de volgende aanvraag verwerken wat deze opdracht toelaat. "
        "Dat wordt een nieuwe versie van de opdracht, in status actief.",
        ConfirmForm,
    ),
    "suspend": TransitionPage("Opschorten", "suspended", SUSPEND_CONSEQUENCE, SuspendForm),
    "resume": TransitionPage(
        "Hervatten",
        "resumed",
        "De opschorting wordt opgeheven: vanaf de volgende aanvraag verwerkt het platform opnieuw voor de instantie "
        "wat deze opdracht toelaat, en de burger ziet de gegevens weer. Dat wordt een nieuwe versie, in status actief.",
        ConfirmForm,
    ),
    "terminate": TransitionPage("Beëindigen", "terminated", TERMINATE_CONSEQUENCE, TerminateForm),
}


class CurrentStateFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return ProcessingOrderVersion.State.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(current_state=self.value()) if self.value() else queryset


@admin.register(ProcessingOrder, site=site)
class ProcessingOrderAdmin(AuditedModelAdmin):
    form = ProcessingOrderForm
    list_display = ["__str__", "agency", "version", "state", "valid_until", "created_at"]
    list_filter = [CurrentStateFilter]
    search_fields = ["agency__name", "agency__kbo"]
    list_select_related = ["agency"]
    change_form_template = "backoffice/order_change_form.html"
    actions = ["activate_orders", "suspend_orders", "resume_orders", "terminate_orders"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProcessingOrder]:
        return _with_current_version(super().get_queryset(request))

    @admin.display(description="versie", ordering="current_number")
    def version(self, obj: ProcessingOrder) -> Any:
        return getattr(obj, "current_number", None)

    @admin.display(description="status", ordering="current_state")
    def state(self, obj: ProcessingOrder) -> str:
        return _state_label(getattr(obj, "current_state", None))

    @admin.display(description="geldig tot", ordering=F("current_valid_until").asc(nulls_last=True))
    def valid_until(self, obj: ProcessingOrder) -> Any:
        return getattr(obj, "current_valid_until", None) or "onbepaald"

    @admin.display(description="huidige status")
    def current_state_display(self, obj: ProcessingOrder) -> str:
        current = obj.current
        if current is None:
            return "-"
        reason = f": {current.state_reason}" if current.state_reason else ""
        return f"v{current.number}, {current.get_state_display()}{reason}"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # orders are terminated (a new version), never deleted: they are evidence

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        current = obj.current if obj is not None else None
        if current is not None and current.state == ProcessingOrderVersion.State.TERMINATED:
            return False  # a terminated order is history; a new order starts afresh
        return super().has_change_permission(request, obj)

    def _summary(self, obj: ProcessingOrder, render: Any) -> Any:
        current = obj.current
        return render(current) if current is not None else "geen versie"

    @admin.display(description="componenten")
    def components_summary(self, obj: ProcessingOrder) -> Any:
        return self._summary(obj, components_html)

    @admin.display(description="gegevenscategorieën")
    def categories_summary(self, obj: ProcessingOrder) -> Any:
        return self._summary(obj, categories_html)

    @admin.display(description="bewaartermijnen")
    def retention_summary(self, obj: ProcessingOrder) -> Any:
        return self._summary(obj, retention_html)

    @admin.display(description="geldigheid")
    def validity_summary(self, obj: ProcessingOrder) -> Any:
        return self._summary(obj, validity_text)

    @admin.display(description="rechtsgrond")
    def legal_basis_summary(self, obj: ProcessingOrder) -> Any:
        return self._summary(obj, lambda v: text_or_empty(v.legal_basis))

    @admin.display(description="GEB/DPIA-referentie")
    def dpia_summary(self, obj: ProcessingOrder) -> Any:
        return self._summary(obj, lambda v: text_or_empty(v.dpia_reference))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        current = obj.current if obj is not None else None
        ordered = set(current.components) if current is not None else set()
        # One fieldset per built component: its categories from Bijlage 1 as checkboxes, its retention in days.
        grid = [
            (
                f"{label} ({'besteld' if value in ordered else 'niet besteld'})",
                {
                    "fields": [categories_field_name(value), retention_field_name(value)],
                    "classes": ["order-component"] if value in ordered else ["order-component", "collapse"],
                },
            )
            for value, label in Component.choices
            if is_built(value)
        ]
        pick = (
            "Vink de bestelde componenten aan; per component hieronder de toegelaten gegevenscategorieën en de "
            "bewaartermijn."
        )
        valid = ["valid_from", "valid_until", "legal_basis", "dpia_reference"]
        if obj is None:
            return [
                (None, {"fields": ["agency"]}),
                ("Componenten", {"fields": ["components"], "description": pick}),
                *grid,
                ("Geldigheid en rechtsgrond", {"fields": valid}),
            ]
        if not self.has_change_permission(request, obj):
            # Auditors, and everyone on a terminated order: what is in force, readable, no form to save.
            return [
                (None, {"fields": ["agency", "current_state_display"]}),
                ("Versie in voege", {"fields": list(_SUMMARY_FIELDS)}),
            ]
        return [
            (None, {"fields": ["agency", "current_state_display"]}),
            ("Versie in voege", {"fields": list(_SUMMARY_FIELDS), "classes": ["collapse"]}),
            (
                "Nieuwe versie: componenten",
                {
                    "fields": ["components"],
                    "description": "Bewaren maakt een nieuwe versie; de vorige blijft ongewijzigd in de historiek. "
                    "Opschorten, hervatten, beëindigen en een nieuw client secret gaan via de knoppen bovenaan. "
                    + pick,
                },
            ),
            *grid,
            ("Geldigheid en rechtsgrond", {"fields": [*valid, "change_note"]}),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if obj is not None and self.has_view_or_change_permission(request, obj):
            context["history"] = history_page(list(obj.versions.all()), request.GET.get(HISTORY_PAGE_PARAM))
            context["history_param"] = HISTORY_PAGE_PARAM
            context["order_actions"] = self._order_actions(request, obj)
        return super().change_view(request, object_id, form_url, context)

    def _may_act(self, request: HttpRequest, obj: ProcessingOrder) -> bool:
        # The role's right to change orders; has_change_permission also says no for a terminated order.
        return admin.ModelAdmin.has_change_permission(self, request, obj)

    def _order_actions(self, request: HttpRequest, obj: ProcessingOrder) -> list[dict[str, str]]:
        """The buttons the order's current state allows (the state machine's sources), for who may act."""
        if not self._may_act(request, obj):
            return []
        current = obj.current
        state = current.state if current is not None else None
        name = self.admin_site.name
        actions = [
            {
                "url": reverse(f"{name}:agencies_processingorder_transition", args=[obj.pk, verb]),
                "label": page.button,
                "css": "order-action",
            }
            for verb, page in TRANSITION_PAGES.items()
            if state in ORDER_TRANSITIONS[verb].sources
        ]
        if state != ProcessingOrderVersion.State.TERMINATED:
            clients = obj.agency.api_clients.filter(is_active=True).exclude(secret_hash="").order_by("pk")
            actions += [
                {
                    "url": reverse(f"{name}:agencies_apiclient_rotate", args=[client.pk]),
                    "label": f"Nieuw client secret ({client.client_id})",
                    "css": "order-action",
                }
                for client in clients
            ]
        return actions

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.transition_view)
        return [
            path("<path:object_id>/status/<str:verb>/", view, name="agencies_processingorder_transition"),
            *super().get_urls(),
        ]

    def transition_view(self, request: HttpRequest, object_id: str, verb: str) -> HttpResponse:
        """A state change from the order page: confirmation with the consequence, then the state machine."""
        order = self.get_object(request, object_id)
        page = TRANSITION_PAGES.get(verb)
        if order is None or page is None:
            raise Http404("Deze verwerkingsopdracht of overgang bestaat niet.")
        if not self._may_act(request, order):
            refuse(request, order, f"processingorder.{verb}")
        change_url = reverse(f"{self.admin_site.name}:agencies_processingorder_change", args=[order.pk])
        transition = ORDER_TRANSITIONS[verb]
        current = order.current
        if current is None or current.state not in transition.sources:
            state = current.get_state_display().lower() if current is not None else "zonder versie"
            self.message_user(
                request, f"{order} is {state} en kan dus niet {transition.label} worden.", messages.WARNING
            )
            refusal_record(request, order, f"processingorder.{verb}")
            return HttpResponseRedirect(change_url)
        form = page.form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    version = processing_order_transition(
                        order=order,
                        verb=verb,
                        actor=request_actor(request),
                        reason=form.cleaned_data.get("reason", ""),
                    )
                    self.audit(request, order, page.audit_verb, fields=["state", "state_reason"])
            except ApplicationError as error:
                self.message_user(request, error.detail, messages.WARNING)
                return HttpResponseRedirect(change_url)
            self.message_user(request, f"{order} is {transition.label} (versie {version.number}).", messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        return confirm_page(
            self,
            request,
            title=f"{page.button}: {order}",
            subject=f"{order}, nu {current.get_state_display().lower()} (versie {current.number})",
            consequence=page.consequence,
            form=form,
            button=page.button,
            cancel_url=change_url,
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["agency", "current_state_display", *_SUMMARY_FIELDS] if obj else []

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None) -> Any:
        """ "Geschiedenis": the order's versions (every state change and edit, wherever it was made)."""
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            return super().history_view(request, object_id, extra_context)
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": f"Geschiedenis: {obj}",
            "subtitle": None,
            "opts": self.opts,
            "object": obj,
            "history": history_page(list(obj.versions.all()), request.GET.get(HISTORY_PAGE_PARAM)),
            "history_param": HISTORY_PAGE_PARAM,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "backoffice/order_history.html", context)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return _no_add_another(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        actor = request_actor(request)
        if not change:
            fields = form.version_fields
            version = processing_order_create(
                agency=form.cleaned_data["agency"],
                components=fields["components"],
                data_categories=fields["data_categories"],
                retention_days=fields["retention_days"],
                valid_from=fields["valid_from"],
                valid_until=fields["valid_until"],
                legal_basis=fields["legal_basis"],
                dpia_reference=fields["dpia_reference"],
                actor=actor,
            )
            adopt_saved(obj, version.order)
            return ["agency", *sorted(fields)]
        if not form.version_changes:
            messages.warning(request, "Niets gewijzigd: er is geen nieuwe versie gemaakt.")
            return []
        version = processing_order_change(
            order=obj, actor=actor, note=form.cleaned_data["change_note"], **form.version_changes
        )
        messages.info(request, f"Versie {version.number} van de verwerkingsopdracht is gemaakt.")
        return sorted(form.version_changes)

    # Every state action of the list goes through a confirmation page, with the same consequence (and,
    # where the act needs one, the same required reason) as the order page's buttons (TRANSITION_PAGES).
    @admin.action(description="Activeren (een ontwerp laten ingaan)", permissions=["change"])
    def activate_orders(self, request: HttpRequest, queryset: QuerySet[ProcessingOrder]) -> HttpResponse | None:
        return self._confirmed(request, queryset, "activate", title="Verwerkingsopdrachten activeren")

    @admin.action(description="Opschorten (met reden, charter 2.3)", permissions=["change"])
    def suspend_orders(self, request: HttpRequest, queryset: QuerySet[ProcessingOrder]) -> HttpResponse | None:
        return self._confirmed(request, queryset, "suspend", title="Verwerkingsopdrachten opschorten")

    @admin.action(description="Hervatten (opschorting opheffen)", permissions=["change"])
    def resume_orders(self, request: HttpRequest, queryset: QuerySet[ProcessingOrder]) -> HttpResponse | None:
        return self._confirmed(request, queryset, "resume", title="Verwerkingsopdrachten hervatten")

    @admin.action(description="Beëindigen (met reden, definitief)", permissions=["change"])
    def terminate_orders(self, request: HttpRequest, queryset: QuerySet[ProcessingOrder]) -> HttpResponse | None:
        return self._confirmed(request, queryset, "terminate", title="Verwerkingsopdrachten beëindigen")

    def _confirmed(
        self, request: HttpRequest, queryset: QuerySet[ProcessingOrder], verb: str, *, title: str
    ) -> HttpResponse | None:
        """A confirmation page with the consequence (and a required reason where the act needs one); then,
        only after the staff member confirmed it, each selected order through the state machine."""
        page = TRANSITION_PAGES[verb]
        form = page.form_class(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.opts,
                "queryset": queryset,
                "form": form,
                "action": f"{verb}_orders",
                "button": page.button,
                "consequence": page.consequence,
            }
            request.current_app = self.admin_site.name
            return TemplateResponse(request, "backoffice/order_transition.html", context)
        self._transition(
            request, queryset, verb, audit_verb=page.audit_verb, reason=form.cleaned_data.get("reason", "")
        )
        return None

    def _transition(
        self, request: HttpRequest, queryset: QuerySet[ProcessingOrder], verb: str, *, audit_verb: str, reason: str = ""
    ) -> None:
        """Each selected order through the state machine (agencies.services); a refusal is a warning."""
        for order in queryset:
            try:
                with transaction.atomic():
                    version = processing_order_transition(
                        order=order, verb=verb, actor=request_actor(request), reason=reason
                    )
                    self.audit(request, order, audit_verb, fields=["state", "state_reason"])
            except ApplicationError as error:
                self.message_user(request, error.detail, messages.WARNING)
                continue
            label = ORDER_TRANSITIONS[verb].label
            self.message_user(request, f"{order} is {label} (versie {version.number}).", messages.SUCCESS)
