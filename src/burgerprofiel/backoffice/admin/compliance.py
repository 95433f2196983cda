"""Back-office pages of the processor's duties: the charter's versions and the terminations under
amendments (charter 14.3), compliance reports, confidentiality statements, independent audits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from burgerprofiel.backoffice.admin.base import AuditedModelAdmin, ReadOnlyModelAdmin, adopt_saved, request_actor
from burgerprofiel.backoffice.site import site
from burgerprofiel.compliance.charter.models import CharterTermination, CharterVersion
from burgerprofiel.compliance.charter.services import AMENDMENT_NOTICE_DAYS, charter_version_publish


class CharterVersionForm(forms.ModelForm):
    class Meta:
        model = CharterVersion
        fields = ["version", "title", "summary", "text", "effective_from"]
        help_texts = {
            "effective_from": f"Minstens {AMENDMENT_NOTICE_DAYS} dagen na vandaag (charter 14.3). Elke instantie met "
            "een actieve verwerkingsopdracht krijgt bij publicatie een notificatie met de samenvatting.",
        }


@admin.register(CharterVersion, site=site)
class CharterVersionAdmin(AuditedModelAdmin):
    """Publishing is the only write: a published version is never changed nor deleted."""

    form = CharterVersionForm
    list_display = ["version", "effective_from", "published_at", "published_by"]
    readonly_fields = ["text_sha256", "published_at", "published_by"]
    search_fields = ["version", "title"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["version", "title", "summary", "text", "effective_from"]
        return ["version", "title", "effective_from", "summary", "text_sha256", "published_at", "published_by", "text"]

    def perform_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> list[str] | None:
        data = form.cleaned_data
        published = charter_version_publish(
            version=data["version"],
            title=data["title"],
            text=data["text"],
            summary=data["summary"],
            effective_from=data["effective_from"],
            actor=request_actor(request),
        )
        adopt_saved(obj, published)
        messages.success(request, f"Versie {published.version} is gepubliceerd en aan de instanties gemeld.")
        return ["version", "effective_from"]


@admin.register(CharterTermination, site=site)
class CharterTerminationAdmin(ReadOnlyModelAdmin):
    list_display = ["agency", "order", "amendment", "when", "takes_effect_on", "filed_at", "executed_at"]
    list_filter = ["when"]
    list_select_related = ["agency", "order", "amendment"]
