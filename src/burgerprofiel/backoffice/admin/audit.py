"""The audit trail in the back-office: read-only for everyone, superusers included.

The database refuses UPDATE and DELETE on these tables anyway (migration 0002); the admin does
not offer them either, so nobody is led to try.
"""

from __future__ import annotations

from django.contrib import admin

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
    "object_type",
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
        "object_type",
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


@admin.register(TreeHead, site=site)
class TreeHeadAdmin(ReadOnlyModelAdmin):
    list_display = ["tree_size", "root_hash", "signed_at", "key_id"]
    ordering = ["-tree_size"]
    fields = _HEAD_FIELDS
    readonly_fields = _HEAD_FIELDS
