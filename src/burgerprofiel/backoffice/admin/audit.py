"""The audit trail in the back-office: a browser for auditors, read-only for everyone, superusers included.

The database refuses UPDATE and DELETE on these tables anyway (migration 0002); the admin does
not offer them either, so nobody is led to try.

The browser (issue 16): by date (a date hierarchy that reads only the first and last event, never
every row), filters by kind of action, action, agency, staff member, kind of actor and outcome,
usernames and agency names instead of ids, a search that understands the Dutch words of an action
as well as its code, the detail pretty-printed with a link to the object it is about, and a button
that runs ``audit verify`` as a task (its result is an ``audit.verified`` event, shown above the
list together with the latest signed tree head).
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.models import AuditEvent, TreeHead
from burgerprofiel.audit.selectors import audit_last_verification, tree_head_latest
from burgerprofiel.audit.tasks import audit_verify_task
from burgerprofiel.backoffice.admin.base import AUDIT_OBJECT_KEYS, EstimatedCountPaginator, ReadOnlyModelAdmin
from burgerprofiel.backoffice.site import site

# The kinds of action (the code before the first dot), as a person names them.
ACTION_GROUPS: dict[str, Any] = {
    "agency": _("Instanties"),
    "api_client": _("API-clients"),
    "contact_person": _("Contactpersonen"),
    "processing_order": _("Verwerkingsopdrachten"),
    "order_check": _("Controle tegen de verwerkingsopdracht"),
    "oauth": _("Aanmelding van API-clients"),
    "api": _("API"),
    "audit": _("Auditlog"),
    "backoffice": _("Backoffice"),
    "crypto": _("Sleutels"),
    "portal": _("Portaal"),
    "dosis_source": _("DOSIS-bronnen"),
    "dossier": _("Dossiers"),
    "notification": _("Meldingen"),
    "preferences": _("Contactvoorkeuren en toestemmingen"),
    "pull_source": _("Bronnen (live opvraging)"),
    "pull": _("Live opvraging"),
    "personal_data": _("Uw gegevens"),
    "documents": _("Documenten"),
    "webhook_endpoint": _("Webhook-eindpunten"),
    "webhook_delivery": _("Webhook-verzendingen"),
    "webhook_events": _("Webhook-gebeurtenissen"),
    "payment": _("Betalingen"),
    "error_report": _("Foutmeldingen"),
    "requestable_service": _("Aanvraagbare diensten"),
    "service_request": _("Aanvragen"),
}

ACTOR_TYPES: dict[str, Any] = {
    "staff": _("Medewerker"),
    "agency_client": _("Systeem van een instantie"),
    "citizen": _("Burger"),
    "system": _("Platform"),
    "anonymous": _("Anoniem"),
}


def action_group(code: str) -> str:
    return code.split(".", 1)[0]


def action_group_label(group: str) -> str:
    return str(ACTION_GROUPS.get(group, group))


def object_type_label(object_type: str) -> str:
    """The Dutch name of the kind of object an event is about (``agencies.Agency`` → "Instantie")."""
    model = _model_of(object_type)
    return str(capfirst(model._meta.verbose_name)) if model is not None else object_type


def _model_of(object_type: str) -> Any:
    if "." not in object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_admin_url(object_type: str, object_id: str) -> str | None:
    """The back-office page of the object an event names, if the back-office shows that kind of object."""
    model = _model_of(object_type)
    if model is None or model not in site._registry or not object_id:
        return None
    opts = model._meta
    key = AUDIT_OBJECT_KEYS.get(opts.label)
    if key is not None:
        pk = model._default_manager.filter(**{key: object_id}).values_list("pk", flat=True).first()
        if pk is None:
            return None
        object_id = str(pk)
    try:
        return reverse(f"{site.name}:{opts.app_label}_{opts.model_name}_change", args=[object_id])
    except NoReverseMatch:
        return None


def actor_label(actor_type: str, actor_id: str, username: str | None = None) -> str:
    """Who acted, in words: a staff member by username, the CLI by its OS user, never a citizen's identity."""
    if actor_type == "staff":
        if username:
            return username
        if actor_id.startswith("cli:"):
            return _g("%(who)s (CLI)") % {"who": actor_id.removeprefix("cli:")}
        if actor_id.isdigit():
            return _g("medewerker %(id)s (niet meer bekend)") % {"id": actor_id}
        return actor_id
    kind = str(ACTOR_TYPES.get(actor_type, actor_type))
    return f"{kind} {actor_id}".strip()


def audit_list_url(**params: Any) -> str:
    from urllib.parse import urlencode

    return f"{reverse(f'{site.name}:audit_auditevent_changelist')}?{urlencode(params)}"


# -- filters --------------------------------------------------------------------------------------


class ActionGroupFilter(admin.SimpleListFilter):
    title = _("soort actie")
    parameter_name = "actiegroep"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        groups = sorted({action_group(a.value) for a in AuditAction}, key=lambda g: action_group_label(g).lower())
        return [(g, action_group_label(g)) for g in groups]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        value = self.value()
        return queryset.filter(action__startswith=f"{value}.") if value else queryset


class ActionFilter(admin.SimpleListFilter):
    """The actions of the chosen kind (shown once a kind is chosen: all of them at once are too many)."""

    title = _("actie")
    parameter_name = "actie"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        group = request.GET.get(ActionGroupFilter.parameter_name) or action_group(request.GET.get("actie", ""))
        if not group:
            return []
        return [(a.value, a.label) for a in AuditAction if action_group(a.value) == group]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        value = self.value()
        return queryset.filter(action=value) if value else queryset


class AgencyFilter(admin.SimpleListFilter):
    title = _("instantie")
    parameter_name = "agency_id"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(pk), name) for pk, name in Agency.objects.order_by("name").values_list("pk", "name")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(agency_id=int(value))
        return queryset


class StaffFilter(admin.SimpleListFilter):
    title = _("medewerker")
    parameter_name = "medewerker"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        users = get_user_model().objects.filter(is_staff=True).order_by("username")
        return [(str(pk), username) for pk, username in users.values_list("pk", "username")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        value = self.value()
        return queryset.filter(actor_type="staff", actor_id=value) if value else queryset


class ActorTypeFilter(admin.SimpleListFilter):
    title = _("soort actor")
    parameter_name = "actor_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(ACTOR_TYPES.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        value = self.value()
        return queryset.filter(actor_type=value) if value else queryset


# -- the event list and page ------------------------------------------------------------------------

_EVENT_FIELDS = (
    "id",
    "occurred_at",
    "action_label",
    "outcome",
    "actor",
    "agency",
    "order_version_id",
    "object_link",
    "purpose",
    "request_id",
    "detail_pretty",
    "leaf_hash",
)


@admin.register(AuditEvent, site=site)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "occurred_at", "action_label", "outcome", "actor", "agency", "object_link"]
    list_display_links = ["id", "occurred_at"]
    list_filter = [ActionGroupFilter, ActionFilter, "outcome", AgencyFilter, StaffFilter, ActorTypeFilter]
    date_hierarchy = "occurred_at"
    # get_search_results decides what a term means; search_fields only turns the search box on.
    search_fields = ["action"]
    search_help_text = _(
        "Zoek op woorden of het begin van de code van een actie (bv. 'aangesloten' of 'processing_order'), "
        "de gebruikersnaam van een medewerker, het nummer van een gebeurtenis of een object-id of request-id."
    )
    ordering = ["-id"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    fields = _EVENT_FIELDS
    readonly_fields = _EVENT_FIELDS
    change_list_template = "backoffice/audit/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        users = get_user_model().objects.annotate(pk_text=Cast("pk", CharField())).filter(pk_text=OuterRef("actor_id"))
        agencies = Agency.objects.filter(pk=OuterRef("agency_id"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                staff_username=Subquery(users.values("username")[:1]),
                agency_name=Subquery(agencies.values("name")[:1]),
            )
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AuditEvent], search_term: str
    ) -> tuple[QuerySet[AuditEvent], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        lowered = term.lower()
        match = Q(object_id=term) | Q(request_id=term)
        if term.isdigit():
            match |= Q(pk=int(term))
        else:
            labelled = [a.value for a in AuditAction if lowered in a.label_nl.lower() or lowered in a.label_en.lower()]
            match |= Q(action__startswith=lowered) | Q(action__in=labelled)
            kinds = [
                m._meta.label
                for m in apps.get_models()
                if lowered in str(m._meta.verbose_name).lower() or lowered == m._meta.label.lower()
            ]
            if kinds:
                match |= Q(object_type__in=kinds)
            staff = get_user_model().objects.filter(username__iexact=term).values_list("pk", flat=True)
            match |= Q(actor_type="staff", actor_id__in=[str(pk) for pk in staff])
        return queryset.filter(match), False

    # -- columns and fields ------------------------------------------------------------------

    @admin.display(description=_("actie"), ordering="action")
    def action_label(self, event: AuditEvent) -> SafeString:
        return format_html('{}<br><code class="bo-code">{}</code>', AuditAction.label_for(event.action), event.action)

    @admin.display(description=_("uitgevoerd door"))
    def actor(self, event: AuditEvent) -> str:
        return actor_label(
            event.actor_type,
            event.actor_id,
            getattr(event, "staff_username", None) if event.actor_type == "staff" else None,
        )

    @admin.display(description=_("instantie"), ordering="agency_id")
    def agency(self, event: AuditEvent) -> str:
        if event.agency_id is None:
            return "–"
        return getattr(event, "agency_name", None) or _g("instantie %(id)s") % {"id": event.agency_id}

    @admin.display(description=_("object"))
    def object_link(self, event: AuditEvent) -> SafeString | str:
        if not event.object_type:
            return "–"
        label = f"{object_type_label(event.object_type)} {event.object_id}".strip()
        url = object_admin_url(event.object_type, event.object_id)
        return format_html('<a href="{}">{}</a>', url, label) if url else label

    @admin.display(description=_("details"))
    def detail_pretty(self, event: AuditEvent) -> SafeString | str:
        if not event.detail:
            return "–"
        text = json.dumps(event.detail, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html('<pre class="bo-detail">{}</pre>', text)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        event = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if event is not None:
            context["subtitle"] = _g("Gebeurtenis %(id)s: %(action)s") % {
                "id": event.pk,
                "action": AuditAction.label_for(event.action),
            }
        return super().change_view(request, object_id, form_url, context)

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None) -> Any:
        """An event's "Geschiedenis": the events about the same object."""
        event = self.get_object(request, object_id)
        if event is None or not event.object_type:
            return HttpResponseRedirect(reverse(f"{self.admin_site.name}:audit_auditevent_changelist"))
        return HttpResponseRedirect(audit_list_url(object_type=event.object_type, object_id=event.object_id))

    # -- audit verify as a task --------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        verify = path(
            "controleren/",
            self.admin_site.admin_view(self.verify_view),
            name="audit_auditevent_verify",
        )
        return [verify, *super().get_urls()]

    def verify_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        audit_verify_task.enqueue(requested_by=str(request.user.pk))
        self.message_user(
            request,
            _g("De controle van het auditlog is gestart. Het resultaat staat hieronder zodra ze klaar is."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:audit_auditevent_changelist"))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = {**(extra_context or {}), **verification_context()}
        subject = _filtered_object(request)
        if subject:
            context["filtered_object"] = subject
        return super().changelist_view(request, context)


def verification_context() -> dict[str, Any]:
    """The last ``audit verify`` and the latest signed tree head, for the audit list and the dashboard."""
    last = audit_last_verification()
    head = tree_head_latest()
    context: dict[str, Any] = {"last_verification": None, "latest_head": head}
    if last is not None:
        username = None
        if last.actor_type == "staff" and last.actor_id.isdigit():
            username = get_user_model().objects.filter(pk=int(last.actor_id)).values_list("username", flat=True).first()
        context["last_verification"] = {
            "event": last,
            "ok": last.outcome == AuditEvent.Outcome.SUCCESS,
            "by": actor_label(last.actor_type, last.actor_id, username),
            "events_checked": last.detail.get("events_checked"),
            "tree_heads_checked": last.detail.get("tree_heads_checked"),
            "unsealed_events": last.detail.get("unsealed_events"),
            "problems": last.detail.get("problems", []),
            "url": reverse(f"{site.name}:audit_auditevent_change", args=[last.pk]),
        }
    if head is not None:
        context["latest_head_url"] = reverse(f"{site.name}:audit_treehead_change", args=[head.pk])
    return context


def _filtered_object(request: HttpRequest) -> str:
    object_type, object_id = request.GET.get("object_type", ""), request.GET.get("object_id", "")
    if object_type:
        return f"{object_type_label(object_type)} {object_id}".strip()
    return ""


_HEAD_FIELDS = (
    "tree_size",
    "root_hash",
    "signed_at",
    "key_id",
    "signature",
)


@admin.register(TreeHead, site=site)
class TreeHeadAdmin(ReadOnlyModelAdmin):
    list_display = ["tree_size", "root_hash", "signed_at", "key_id"]
    ordering = ["-tree_size"]
    fields = _HEAD_FIELDS
    readonly_fields = _HEAD_FIELDS
