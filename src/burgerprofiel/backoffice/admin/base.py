"""Building blocks shared by every back-office ModelAdmin.

Design note (DESIGN rule 2, charter 5 and 8): everything platform staff change in the
back-office leaves an audit event in the same transaction as the change. Django's admin already
wraps the add/change/delete views in ``transaction.atomic``; ``AuditedModelAdmin`` records
``backoffice.<model>.<added|changed|deleted>`` from ``save_model``, ``save_formset`` (inline rows)
and ``delete_model``/``delete_queryset``. The audit detail names the changed *fields*, never their
values: values can be personal data (contact persons, DPO names) and the audit log is kept far
longer than the data it describes.

Reads are audited too: the admin of a model holding personal data takes ``AuditReadsMixin``, so
opening its list or an object's page records who looked (``backoffice.listed``/``backoffice.viewed``,
a count, no values); ``backoffice/tests/test_read_audit.py`` fails on an admin that forgets it.

Writes that belong to a domain service (onboarding, order versions, secrets) go through that
service from ``perform_save``; the service writes its own audit event with the staff actor, this
module adds the back-office one. A domain error raised after the form validated rolls the whole
request back and comes back as an error message instead of a 500.

Secrets (client secrets) are shown once: the page that shows them is rendered in the same
response as the write, so the message carrying the secret is consumed while rendering and never
lands in the session or a cookie.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.paginator import Paginator
from django.db import connections, models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor, staff_actor
from burgerprofiel.audit.services import audit_event_build, audit_events_append, audit_record
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import ApplicationError

# Objects whose audit events name them by another field than the primary key.
AUDIT_OBJECT_KEYS = {"agencies.ApiClient": "client_id"}


def audit_object_id(obj: models.Model) -> str:
    return str(getattr(obj, AUDIT_OBJECT_KEYS.get(obj._meta.label, "pk")))


def audit_trail_url(obj: models.Model) -> str:
    """The audit list filtered to what concerns ``obj``: an agency's whole trail, any other object's own events."""
    base = reverse("backoffice:audit_auditevent_changelist")
    if obj._meta.label == "agencies.Agency":
        return f"{base}?{urlencode({'agency_id': obj.pk})}"
    return f"{base}?{urlencode({'object_type': obj._meta.label, 'object_id': audit_object_id(obj)})}"


class AuditHistoryMixin:
    """ "Geschiedenis" on an object's page opens the audit trail of that object.

    Django's own history lists only edits made through the admin (its LogEntry), so an order
    suspended from the CLI or an agency onboarded by a command seemed to have none. An admin with
    a history of its own (the order's versions) keeps it and gets an extra "Audittrail" link.
    """

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None) -> Any:
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if obj is not None and request.user.has_perm("audit.view_auditevent"):
            return HttpResponseRedirect(audit_trail_url(obj))
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> Any:
        context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        own_history = type(self).history_view is not AuditHistoryMixin.history_view
        if obj is not None and own_history and request.user.has_perm("audit.view_auditevent"):
            context["audit_trail_url"] = audit_trail_url(obj)
        return super().change_view(request, object_id, form_url, context)  # type: ignore[misc]


def request_actor(request: HttpRequest) -> Actor:
    return staff_actor(request.user)


def agency_id_of(obj: models.Model) -> int | None:
    """The agency an object belongs to, so its events turn up in that agency's audit trail."""
    value = getattr(obj, "agency_id", None)
    return int(value) if value is not None else None


class AuditReadsMixin:
    """Opening the list or an object's page of a model holding personal data is audited (DESIGN rule 2).

    The list records ``list_audit_action`` once per agency whose rows the page shows (filtered and
    paged as shown), with their count; an empty page read nothing and records nothing. An object's
    page (GET) records ``view_audit_action`` on that object. Neither names a value: the detail is a
    count. An admin whose domain has its own read service (instructions) audits through it instead.
    ``backoffice/tests/test_read_audit.py`` opens every admin of a model with personal data and
    fails on one that records nothing.

    A row that belongs to one citizen (``audit_citizen_ids``: a consent event, a delivery and its
    receipt, a subject request) is a look at that citizen's data, so its event names the citizen as
    its object, the convention of "Wie bekeek mijn gegevens" (``portal/access_log.py``), under the
    model's own action ``backoffice.<model>.viewed``/``.listed`` whose words tell the citizen what
    was looked at; the detail names the record kind and ids, no value. A list page records one such
    event per citizen and agency shown: at most a page (``list_per_page``) of events, built in memory
    and written in one statement (``audit_events_append``), the same shape as an agency's reads
    (``audit_reads_per_citizen``). The object's own audit trail then no longer lists these reads; the
    citizen's access log is where a read of personal data has to show.
    """

    list_audit_action: AuditAction = AuditAction.BACKOFFICE_LISTED
    view_audit_action: AuditAction = AuditAction.BACKOFFICE_VIEWED

    def audit_agency_id(self, obj: models.Model) -> int | None:
        return agency_id_of(obj)

    def audit_citizen_ids(self, rows: list[models.Model]) -> dict[Any, int]:
        """The citizen each row belongs to (row pk -> citizen id); rows of no single citizen are left out."""
        citizens = {row.pk: getattr(row, "citizen_id", None) for row in rows}
        return {pk: int(citizen_id) for pk, citizen_id in citizens.items() if citizen_id is not None}

    def citizen_read_action(self, verb: str) -> AuditAction:
        # A citizen-linked model without its two actions in audit/actions.py fails here, in the tests.
        return AuditAction.backoffice(str(self.model._meta.model_name), verb)  # type: ignore[attr-defined]

    def audit_list(self, request: HttpRequest, rows: list[models.Model]) -> None:
        citizens = self.audit_citizen_ids(rows)
        counts: Counter[int | None] = Counter()
        per_citizen: dict[tuple[int, int | None], list[str]] = {}
        for row in rows:
            agency_id = self.audit_agency_id(row)
            citizen_id = citizens.get(row.pk)
            if citizen_id is None:
                counts[agency_id] += 1
            else:
                per_citizen.setdefault((citizen_id, agency_id), []).append(str(row.pk))
        actor = request_actor(request)
        # The page's events, built in memory and written in one statement: the per-agency counts, then
        # one per citizen and agency shown.
        events = [
            audit_event_build(
                actor=actor,
                action=self.list_audit_action,
                target=self.model,  # type: ignore[attr-defined]
                agency_id=agency_id,
                detail={"count": count},
            )
            for agency_id, count in sorted(counts.items(), key=lambda item: (item[0] is None, item[0] or 0))
        ]
        if per_citizen:
            listed = self.citizen_read_action("listed")
            label = self.model._meta.label  # type: ignore[attr-defined]
            events += [
                audit_event_build(
                    actor=actor,
                    action=listed,
                    target=Citizen,
                    object_id=citizen_id,
                    agency_id=agency_id,
                    detail={"record": label, "ids": sorted(ids)},
                )
                for (citizen_id, agency_id), ids in sorted(
                    per_citizen.items(), key=lambda item: (item[0][0], item[0][1] or 0)
                )
            ]
        audit_events_append(events)

    def audit_view(self, request: HttpRequest, obj: models.Model) -> None:
        citizen_id = self.audit_citizen_ids([obj]).get(obj.pk)
        if citizen_id is not None:
            viewed = self.citizen_read_action("viewed")
            audit_record(
                actor=request_actor(request),
                action=viewed,
                target=Citizen,
                object_id=citizen_id,
                agency_id=self.audit_agency_id(obj),
                detail={"record": obj._meta.label, "ids": [str(obj.pk)]},
            )
            return
        audit_record(
            actor=request_actor(request),
            action=self.view_audit_action,
            target=obj,
            object_id=audit_object_id(obj),
            agency_id=self.audit_agency_id(obj),
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if request.method == "GET" and response.status_code == 200 and changelist is not None:
            # The rows of the page shown; iterating caches them, so the template renders these rows.
            self.audit_list(request, list(changelist.result_list))
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> Any:
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        original = (getattr(response, "context_data", None) or {}).get("original")
        if request.method == "GET" and response.status_code == 200 and original is not None:
            self.audit_view(request, original)
        return response


def adopt_saved(target: models.Model, saved: models.Model) -> None:
    """Make the admin's unsaved instance stand for the row a service created.

    The admin keeps working with the instance its form built (inline formsets point at it), so a
    service that creates the row itself hands its result back through this.
    """
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


class AuditedModelAdmin(AuditHistoryMixin, admin.ModelAdmin):
    """Audits every add, change and delete made through this admin (and its inlines)."""

    def audit_agency_id(self, obj: models.Model) -> int | None:
        """The agency an object belongs to, so the event turns up in that agency's audit trail."""
        return agency_id_of(obj)

    def audit(
        self,
        request: HttpRequest,
        obj: models.Model,
        verb: str,
        *,
        fields: Iterable[str] = (),
        object_id: Any = None,
    ) -> None:
        audit_record(
            actor=request_actor(request),
            # A model or verb missing from audit/actions.py fails here, in the tests, not silently.
            action=AuditAction.backoffice(str(obj._meta.model_name), verb),
            target=obj,
            object_id=object_id,
            agency_id=self.audit_agency_id(obj),
            detail={"fields": sorted(fields)},
        )

    # -- writes -----------------------------------------------------------------------------

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        """Save ``obj``; return the names of the fields that changed (None: the form's changed_data)."""
        super().save_model(request, obj, form, change)
        return None

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = self.perform_save(request, obj, form, change)
        if fields is None:
            fields = list(form.changed_data)
        if change and not fields:
            return  # nothing changed, nothing to record
        self.audit(request, obj, "changed" if change else "added", fields=fields)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        changed_by_form = {id(f.instance): list(f.changed_data) for f in formset.forms}
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            self.audit(request, obj, "deleted", object_id=obj.pk)
            obj.delete()
        for obj in instances:
            obj.save()
        formset.save_m2m()
        for obj in formset.new_objects:
            self.audit(request, obj, "added", fields=changed_by_form.get(id(obj), []))
        for obj, changed in formset.changed_objects:
            self.audit(request, obj, "changed", fields=changed)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            self.audit(request, obj, "deleted")
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # The delete_selected action is not wrapped in a transaction by Django; this is.
        with transaction.atomic():
            for obj in queryset:
                self.audit(request, obj, "deleted")
            super().delete_queryset(request, queryset)

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
            # Raised by a service after the form validated; the atomic block has rolled back.
            self.message_user(request, f"Niet bewaard: {error.detail}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    # -- showing a secret once ------------------------------------------------------------

    def secret_once_response(self, request: HttpRequest, obj: models.Model, *, title: str) -> TemplateResponse:
        """A page showing the queued messages (one of which carries a secret) without a redirect."""
        opts = obj._meta
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": opts,
            "object": obj,
            "change_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk], current_app=self.admin_site.name
            ),
        }
        response = TemplateResponse(request, "backoffice/secret_once.html", context)
        response["Cache-Control"] = "no-store"
        return response


class ReadOnlyModelAdmin(AuditHistoryMixin, admin.ModelAdmin):
    """Viewable by whoever holds the view permission; nobody adds, changes or deletes here.

    Not even a superuser: these rows are evidence (audit trail) or key material managed by
    commands that keep their invariants (``keys rewrap``, crypto-shredding).
    """

    actions = None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyTabularInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered list of a very large PostgreSQL table from the planner's estimate.

    The audit table is the busiest one (DESIGN rule 2); ``COUNT(*)`` over it on every page view
    is a full scan. Filtered lists, small tables and SQLite count exactly.
    """

    estimate_above = 100_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                        [queryset.model._meta.db_table],
                    )
                    row = cursor.fetchone()
                if row and row[0] and row[0] > self.estimate_above:
                    return int(row[0])
        return super().count
