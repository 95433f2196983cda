"""The back-office's front page: what an operator or auditor checks first (issue 16, item 5).

Orders by state, agencies, refusals in the last 24 hours, deliveries waiting or failed (webhooks and
notifications), the last ``audit verify`` and the latest signed tree head, and the newest audit
events instead of Django's "Recente acties" (which only knew edits made through admin forms).
Each figure links to the list it counts. Counts go through indexes: the refusals through the
occurred_at index and a 24-hour range, deliveries through their status indexes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from burgerprofiel.agencies.models import Agency, ProcessingOrder, ProcessingOrderVersion
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.notifications.models import Delivery as NotificationDelivery
from burgerprofiel.notifications.models import DeliveryStatus as NotificationStatus
from burgerprofiel.webhooks.models import Delivery as WebhookDelivery
from burgerprofiel.webhooks.models import DeliveryStatus as WebhookStatus

NOTIFICATION_WAITING = (NotificationStatus.CREATED, NotificationStatus.SENDING, NotificationStatus.TEMPORARY_FAILURE)
NOTIFICATION_FAILED = (NotificationStatus.PERMANENT_FAILURE, NotificationStatus.TECHNICAL_FAILURE)


def _url(name: str, **params: Any) -> str:
    base = reverse(f"backoffice:{name}")
    return f"{base}?{urlencode(params)}" if params else base


def _may_view(request: HttpRequest, app_label: str, model_name: str) -> bool:
    return bool(request.user.has_perm(f"{app_label}.view_{model_name}"))


def orders_by_state() -> list[dict[str, Any]]:
    latest = ProcessingOrderVersion.objects.filter(order=OuterRef("pk")).order_by("-number")
    counts = dict(
        ProcessingOrder.objects.annotate(state=Subquery(latest.values("state")[:1]))
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return [
        {
            "label": label,
            "count": counts.get(value, 0),
            "url": _url("agencies_processingorder_changelist", status=value),
        }
        for value, label in ProcessingOrderVersion.State.choices
    ]


def refusals_since(since: dt.datetime) -> dict[str, Any]:
    refused = AuditEvent.objects.filter(occurred_at__gte=since, outcome=AuditEvent.Outcome.REFUSED)
    top = refused.values("action").annotate(n=Count("pk")).order_by("-n", "action")[:5]
    # The list link filters by the day(s) the window covers and the outcome: the admin's date filter.
    return {
        "count": refused.count(),
        "top": [{"label": AuditAction.label_for(row["action"]), "count": row["n"]} for row in top],
        "url": _url(
            "audit_auditevent_changelist",
            outcome__exact=AuditEvent.Outcome.REFUSED,
            occurred_at__gte=timezone.localtime(since).isoformat(timespec="seconds"),
        ),
    }


def deliveries() -> list[dict[str, Any]]:
    webhook = dict(
        WebhookDelivery.objects.filter(status__in=[WebhookStatus.PENDING, WebhookStatus.RETRYING, WebhookStatus.FAILED])
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    notification = dict(
        NotificationDelivery.objects.filter(status__in=[*NOTIFICATION_WAITING, *NOTIFICATION_FAILED])
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return [
        {
            "label": _("Webhook-verzendingen"),
            "waiting": webhook.get(WebhookStatus.PENDING, 0) + webhook.get(WebhookStatus.RETRYING, 0),
            "failed": webhook.get(WebhookStatus.FAILED, 0),
            "waiting_url": _url("webhooks_delivery_changelist", status__in="pending,retrying"),
            "failed_url": _url("webhooks_delivery_changelist", status__exact=WebhookStatus.FAILED),
            "model": ("webhooks", "delivery"),
        },
        {
            "label": _("Verzendingen van meldingen (e-mail en sms)"),
            "waiting": sum(notification.get(s, 0) for s in NOTIFICATION_WAITING),
            "failed": sum(notification.get(s, 0) for s in NOTIFICATION_FAILED),
            "waiting_url": _url("notifications_delivery_changelist", status__in=",".join(NOTIFICATION_WAITING)),
            "failed_url": _url("notifications_delivery_changelist", status__in=",".join(NOTIFICATION_FAILED)),
            "model": ("notifications", "delivery"),
        },
    ]


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    from burgerprofiel.backoffice.admin.audit import actor_label, verification_context

    context: dict[str, Any] = {"dashboard": True}
    if _may_view(request, "agencies", "processingorder"):
        context["orders_by_state"] = orders_by_state()
    if _may_view(request, "agencies", "agency"):
        context["agency_count"] = Agency.objects.count()
        context["agencies_url"] = _url("agencies_agency_changelist")
    if _may_view(request, "audit", "auditevent"):
        context["refusals"] = refusals_since(timezone.now() - dt.timedelta(hours=24))
        context.update(verification_context())
        recent = list(AuditEvent.objects.order_by("-id")[:10])
        staff_ids = {int(e.actor_id) for e in recent if e.actor_type == "staff" and e.actor_id.isdigit()}
        usernames = {
            str(pk): name
            for pk, name in get_user_model().objects.filter(pk__in=staff_ids).values_list("pk", "username")
        }
        context["recent_events"] = [
            {
                "label": AuditAction.label_for(e.action),
                "when": e.occurred_at,
                "by": actor_label(
                    e.actor_type, e.actor_id, usernames.get(e.actor_id) if e.actor_type == "staff" else None
                ),
                "outcome": e.get_outcome_display(),
                "url": reverse("backoffice:audit_auditevent_change", args=[e.pk]),
            }
            for e in recent
        ]
    context["deliveries"] = [row for row in deliveries() if _may_view(request, *row["model"])]
    return context
