"""Webhooks in the back-office: endpoints and deliveries to see, dead letters to replay.

Never a secret and never an event body (it may carry personal data, DESIGN rule 3): staff see
where, what type, when and how it went. Replaying goes through the service, which audits it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from burgerprofiel.backoffice.admin.base import AuditHistoryMixin, ReadOnlyModelAdmin, request_actor
from burgerprofiel.backoffice.site import site
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.webhooks.models import Delivery, DeliveryStatus, Endpoint
from burgerprofiel.webhooks.services import webhook_delivery_replay

_ENDPOINT_FIELDS = (
    "id",
    "agency",
    "url",
    "event_types",
    "description",
    "state",
    "state_reason",
    "previous_secret_until",
    "created_at",
    "updated_at",
)

_DELIVERY_FIELDS = (
    "uuid",
    "agency",
    "endpoint",
    "event_type",
    "event_uuid",
    "object_key",
    "sequence",
    "status",
    "attempts",
    "next_attempt_at",
    "retry_until",
    "last_attempt_at",
    "last_status_code",
    "last_error",
    "created_at",
    "delivered_at",
    "failed_at",
)


@admin.register(Endpoint, site=site)
class EndpointAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "agency", "url", "state", "created_at"]
    list_filter = ["state", "agency"]
    ordering = ["-created_at"]
    fields = _ENDPOINT_FIELDS
    readonly_fields = _ENDPOINT_FIELDS


@admin.register(Delivery, site=site)
class DeliveryAdmin(AuditHistoryMixin, admin.ModelAdmin):
    """Read-only, with one action: replay a dead letter (permission ``webhooks.change_delivery``)."""

    list_display = ["uuid", "agency", "event_type", "status", "attempts", "last_status_code", "created_at", "failed_at"]
    list_filter = ["status", "agency"]
    search_fields = ["uuid__exact"]
    ordering = ["-created_at"]
    fields = _DELIVERY_FIELDS
    readonly_fields = _DELIVERY_FIELDS
    actions = ["replay"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return (
            super()
            .get_queryset(request)
            .select_related("agency", "event", "endpoint")
            .defer("event__body", "endpoint__secret", "endpoint__previous_secret")
        )

    @admin.display(description=_("gebeurtenis"))
    def event_type(self, obj: Delivery) -> str:
        return obj.event.type

    @admin.display(description=_("id van de gebeurtenis"))
    def event_uuid(self, obj: Delivery) -> str:
        return str(obj.event.event_id)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("webhooks.change_delivery"))

    @admin.action(description="Opnieuw versturen (alleen mislukte verzendingen)", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        replayed = 0
        for delivery in queryset.filter(status=DeliveryStatus.FAILED):
            try:
                webhook_delivery_replay(delivery_uuid=delivery.uuid, actor=request_actor(request))
            except ApplicationError as error:
                self.message_user(request, f"{delivery.uuid}: {error.detail}", messages.WARNING)
                continue
            replayed += 1
        skipped = queryset.exclude(status=DeliveryStatus.FAILED).count()
        if skipped:
            self.message_user(request, f"{skipped} verzending(en) overgeslagen: niet mislukt.", messages.WARNING)
        self.message_user(request, f"{replayed} verzending(en) opnieuw in de wachtrij.", messages.SUCCESS)
