"""Back-office for DOSIS sources (Bron): operators register them; dossier content is not shown to staff."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from burgerprofiel.backoffice.admin.base import AuditedModelAdmin, adopt_saved, request_actor
from burgerprofiel.backoffice.site import site
from burgerprofiel.dossiers.models import DosisSource
from burgerprofiel.dossiers.services import dosis_source_register


@admin.register(DosisSource, site=site)
class DosisSourceAdmin(AuditedModelAdmin):
    list_display = ["uri", "agency", "created_at"]
    search_fields = ["uri", "agency__name"]
    fields = ["agency", "uri"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A Bron never moves to another agency: its dossiers and results belong to the first.
        return ["agency", "uri"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the agency deletes its dossiers through the API; the Bron stays for the results

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        data = form.cleaned_data
        source = dosis_source_register(agency=data["agency"], uri=data["uri"], actor=request_actor(request))
        adopt_saved(obj, source)
        return None
