"""Back-office for pull sources: staff register them through the service (SSRF guard, audit)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from burgerprofiel.backoffice.admin.base import AuditedModelAdmin, adopt_saved, request_actor
from burgerprofiel.backoffice.site import site
from burgerprofiel.common.outbound import url_check
from burgerprofiel.compliance.subprocessors.services import pull_source_register
from burgerprofiel.personal_data.models import PullSource


class PullSourceForm(forms.ModelForm):
    country = forms.CharField(
        label="land van de bron",
        max_length=2,
        initial="BE",
        help_text="ISO-landcode. Buiten de EER enkel als de verwerkingsopdracht die doorgifte toelaat (charter 10).",
    )

    class Meta:
        model = PullSource
        fields: list[str] = []  # the admin's ``fields`` decide (with its formfield_overrides)


@admin.register(PullSource, site=site)
class PullSourceAdmin(AuditedModelAdmin):
    form = PullSourceForm
    list_display = ["agency", "component", "theme", "url", "timeout_seconds", "active"]
    list_filter = ["component", "active", "theme"]
    search_fields = ["agency__name", "url"]
    fields = ["agency", "component", "theme", "url", "country", "timeout_seconds", "loket_url", "active"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A registered source keeps its agency, component and URL: register a new one instead.
        return ["agency", "component", "url"] if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        return [f for f in fields if f != "country"] if obj is not None else fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the audit trail refers to the source

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        if change:
            url_check(obj.url)
            return super().perform_save(request, obj, form, change)
        data = form.cleaned_data
        source = pull_source_register(
            agency_id=data["agency"].pk,
            country=data.get("country") or "BE",
            component=data["component"],
            url=data["url"],
            theme=data.get("theme", ""),
            timeout_seconds=data.get("timeout_seconds"),
            loket_url=data.get("loket_url", ""),
            actor=request_actor(request),
        )
        adopt_saved(obj, source)
        return None
