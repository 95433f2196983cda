"""The processor's notices to agencies in the back-office: read-only, what was sent to whom and when,
whether the e-mails arrived and whether the agency acknowledged. Sending goes through the services
that have a reason to (breaches, instructions, order transitions), never from here."""

from __future__ import annotations

from django.contrib import admin

from burgerprofiel.backoffice.admin.base import AuditReadsMixin, ReadOnlyModelAdmin, ReadOnlyTabularInline
from burgerprofiel.backoffice.site import site
from burgerprofiel.compliance.notices.models import AgencyNotice, NoticeMail

_NOTICE_FIELDS = (
    "id",
    "agency",
    "kind",
    "subject",
    "body",
    "object_type",
    "object_id",
    "event_id",
    "created_at",
    "created_by",
    "mail_status",
    "acknowledged_at",
    "acknowledged_by",
)


class NoticeMailInline(ReadOnlyTabularInline):
    model = NoticeMail
    fields = ("role", "status", "attempts", "sent_at", "last_error")
    readonly_fields = fields
    verbose_name = "e-mail"
    verbose_name_plural = "e-mails (adressen niet getoond)"


@admin.register(AgencyNotice, site=site)
class AgencyNoticeAdmin(AuditReadsMixin, ReadOnlyModelAdmin):
    list_display = ["created_at", "agency", "kind", "subject", "mail_status", "acknowledged_at"]
    list_filter = ["kind", "mail_status", "agency"]
    ordering = ["-created_at"]
    fields = _NOTICE_FIELDS
    readonly_fields = _NOTICE_FIELDS
    inlines = [NoticeMailInline]
    show_full_result_count = False
