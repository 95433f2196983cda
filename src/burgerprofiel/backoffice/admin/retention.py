"""Back-office: the retention job's runs (DESIGN rule 7), read-only evidence of what was purged when."""

from __future__ import annotations

from django.contrib import admin

from burgerprofiel.backoffice.admin.base import ReadOnlyModelAdmin
from burgerprofiel.backoffice.site import site
from burgerprofiel.compliance.retention.models import RetentionRun


@admin.register(RetentionRun, site=site)
class RetentionRunAdmin(ReadOnlyModelAdmin):
    list_display = ["scope", "agency_id", "retention_days", "cutoff", "state", "purged", "batches", "started_at"]
    list_filter = ["state", "scope"]
    search_fields = ["scope"]
