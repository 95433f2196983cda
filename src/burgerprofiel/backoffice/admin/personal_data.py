"""Back-office for pull sources: staff register them through the service (SSRF guard, audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from burgerprofiel.backoffice.admin.base import AuditedModelAdmin, adopt_saved, request_actor
from burgerprofiel.backoffice.site import site
from burgerprofiel.common.outbound import url_check
from burgerprofiel.personal_data.models import PullSource
from burgerprofiel.personal_data.services import pull_source_add


@admin.register(PullSource, site=site)
class PullSourceAdmin(AuditedModelAdmin):
    list_display = ["agency", "component", "theme", "url", "timeout_seconds", "active"]
    list_filter = ["component", "active", "theme"]
    search_fields = ["agency__name", "url"]
    fields = ["agency", "component", "theme", "url", "timeout_seconds", "loket_url", "active"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A registered source keeps its agency, component and URL: register a new one instead.
        return ["agency", "component", "url"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the audit trail refers to the source

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        if change:
            url_check(obj.url)
            return super().perform_save(request, obj, form, change)
        data = form.cleaned_data
        source = pull_source_add(
            agency_id=data["agency"].pk,
            component=data["component"],
            url=data["url"],
            theme=data.get("theme", ""),
            timeout_seconds=data.get("timeout_seconds"),
            loket_url=data.get("loket_url", ""),
            actor=request_actor(request),
        )
        adopt_saved(obj, source)
        return None
