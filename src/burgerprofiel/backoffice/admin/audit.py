"""The audit trail in the back-office: read-only for everyone, superusers included.

The database refuses UPDATE and DELETE on these tables anyway (migration 0002); the admin does
not offer them either, so nobody is led to try.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from burgerprofiel.audit.models import AuditEvent, TreeHead
from burgerprofiel.backoffice.admin.base import EstimatedCountPaginator, ReadOnlyModelAdmin
from burgerprofiel.backoffice.site import site

_EVENT_FIELDS = (
    "id",
    "occurred_at",
    "action",
    "outcome",
    "actor_type",
    "actor_id",
    "agency_id",
    "order_version_id",
    "object_kind",
    "object_id",
    "purpose",
    "request_id",
    "detail",
    "leaf_hash",
)

_HEAD_FIELDS = (
    "tree_size",
    "root_hash",
    "signed_at",
    "key_id",
    "signature",
)


def object_type_label(object_type: str) -> str:
    """The Dutch name of the kind of object an event is about (``agencies.Agency`` → "Instantie")."""
    if "." not in object_type:
        return object_type
    try:
        return str(capfirst(apps.get_model(object_type)._meta.verbose_name))
    except (LookupError, ValueError):
        return object_type


@admin.register(AuditEvent, site=site)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = [
        "id",
        "occurred_at",
        "action",
        "outcome",
        "actor_type",
        "actor_id",
        "agency_id",
        "object_kind",
        "object_id",
    ]
    list_filter = ["outcome", "actor_type"]
    # Exact matches only: on the busiest table a substring search would scan every row.
    search_fields = ["action__exact", "object_id__exact", "actor_id__exact", "request_id__exact", "agency_id__exact"]
    search_help_text = "Exacte waarde van actie, object-id, actor-id, request-id of instantie-id."
    ordering = ["-id"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    fields = _EVENT_FIELDS
    readonly_fields = _EVENT_FIELDS

    @admin.display(description=_("soort object"), ordering="object_type")
    def object_kind(self, event: AuditEvent) -> str:
        return object_type_label(event.object_type)


@admin.register(TreeHead, site=site)
class TreeHeadAdmin(ReadOnlyModelAdmin):
    list_display = ["tree_size", "root_hash", "signed_at", "key_id"]
    ordering = ["-tree_size"]
    fields = _HEAD_FIELDS
    readonly_fields = _HEAD_FIELDS
