"""Deliveries of meldingen (e-mail, sms), their signed receipts and the consent register: read-only.

Staff see that a message went out, how and how it went, never what it said or to whom (DESIGN
rule 3): the recipient, the payload and the melding's text are not on these pages and are not even
read from the database; the citizen is not named. Both roles may view them (migration
``backoffice.0002_roles_for_capabilities``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from burgerprofiel.agencies.models import Agency
from burgerprofiel.backoffice.admin.base import AuditReadsMixin, ReadOnlyModelAdmin
from burgerprofiel.backoffice.site import site
from burgerprofiel.notifications.models import Delivery, DeliveryReceipt
from burgerprofiel.preferences.models import ConsentEvent


class DeliveryAgencyFilter(admin.SimpleListFilter):
    title = _("instantie")
    parameter_name = "instantie"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(pk), name) for pk, name in Agency.objects.order_by("name").values_list("pk", "name")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(notification__agency_id=value) if value and value.isdigit() else queryset


_DELIVERY_FIELDS = (
    "id",
    "kind",
    "channel",
    "agency",
    "notification_ref",
    "status",
    "attempts",
    "created_at",
    "next_attempt_at",
    "sending_at",
    "final_at",
    "provider_reference",
    "last_error",
)


@admin.register(Delivery, site=site)
class NotificationDeliveryAdmin(AuditReadsMixin, ReadOnlyModelAdmin):
    list_display = ["created_at", "kind", "channel", "agency", "status", "attempts", "final_at"]
    list_filter = ["status", "channel", "kind", DeliveryAgencyFilter]
    date_hierarchy = "created_at"
    search_fields = ["id__exact", "provider_reference__exact"]
    search_help_text = _("Exacte id van de verzending of referentie van de provider.")
    ordering = ["-created_at"]
    fields = _DELIVERY_FIELDS
    readonly_fields = _DELIVERY_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return (
            super()
            .get_queryset(request)
            .select_related("notification__agency")
            # The citizen's id (never shown) only to name them in the read's audit event.
            .only(*_DELIVERY_DB_FIELDS, "citizen", "notification__id", "notification__agency__name")
        )

    def audit_agency_id(self, obj: Any) -> int | None:
        return int(obj.notification.agency_id) if obj.notification is not None else None

    @admin.display(description=_("instantie"))
    def agency(self, delivery: Delivery) -> str:
        return delivery.notification.agency.name if delivery.notification is not None else "–"

    @admin.display(description=_("melding"))
    def notification_ref(self, delivery: Delivery) -> str:
        return str(delivery.notification_id) if delivery.notification_id else "–"


_DELIVERY_DB_FIELDS = (
    "id",
    "kind",
    "channel",
    "notification",
    "status",
    "attempts",
    "created_at",
    "next_attempt_at",
    "sending_at",
    "final_at",
    "provider_reference",
    "last_error",
)

_RECEIPT_FIELDS = ("id", "agency", "delivery_ref", "notification_id", "channel", "status", "created_at", "signed")


@admin.register(DeliveryReceipt, site=site)
class DeliveryReceiptAdmin(AuditReadsMixin, ReadOnlyModelAdmin):
    list_display = ["created_at", "agency", "channel", "status", "notification_id"]
    list_filter = ["status", "channel", "agency"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    fields = _RECEIPT_FIELDS
    readonly_fields = _RECEIPT_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeliveryReceipt]:
        return super().get_queryset(request).select_related("agency")

    def audit_citizen_ids(self, rows: list[Any]) -> dict[Any, int]:
        """A receipt belongs to the citizen of its delivery: one query for the page's receipts."""
        citizens = dict(Delivery.objects.filter(pk__in=[r.delivery_id for r in rows]).values_list("pk", "citizen_id"))
        return {r.pk: int(citizens[r.delivery_id]) for r in rows if citizens.get(r.delivery_id) is not None}

    @admin.display(description=_("verzending"))
    def delivery_ref(self, receipt: DeliveryReceipt) -> str:
        return str(receipt.delivery_id)


_CONSENT_FIELDS = (
    "id",
    "recorded_at",
    "agency",
    "ipdc_product",
    "channel",
    "action",
    "method",
    "text_version",
    "text_sha256",
    "request_id",
)


@admin.register(ConsentEvent, site=site)
class ConsentEventAdmin(AuditReadsMixin, ReadOnlyModelAdmin):
    """The consent register as evidence: who (which agency) got or lost which consent, when and how; not the citizen."""

    list_display = ["recorded_at", "agency", "ipdc_product", "channel", "action", "method", "text_version"]
    list_filter = ["action", "channel", "method", "agency"]
    date_hierarchy = "recorded_at"
    search_fields = ["ipdc_product", "request_id__exact"]
    search_help_text = _("IPDC-product (een deel van de naam) of exacte request-id.")
    ordering = ["-recorded_at", "-pk"]
    fields = _CONSENT_FIELDS
    readonly_fields = _CONSENT_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConsentEvent]:
        return super().get_queryset(request).select_related("agency")
