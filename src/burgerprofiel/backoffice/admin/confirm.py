"""Pages shared by the back-office's consequential acts: a confirmation page that names the
consequence (and asks a reason where the act needs one), a page that shows a new secret once in a
copy field, and the audited refusal of an act the staff member may not perform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.backoffice.admin.base import request_actor


@dataclass
class SecretOnce:
    """A client and its new secret, to be shown on the very next page and nowhere else."""

    client: Any  # ApiClient
    secret: str | None


def refusal_record(request: HttpRequest, target: models.Model | type[models.Model], act: str) -> None:
    """Audit that a staff member asked for ``act`` on ``target`` and was refused (nothing changed)."""
    agency_id = getattr(target, "agency_id", None) if isinstance(target, models.Model) else None
    audit_record(
        actor=request_actor(request),
        action=AuditAction.BACKOFFICE_REFUSED,
        target=target,
        agency_id=agency_id,
        outcome=AuditEvent.Outcome.REFUSED,
        detail={"act": act},
    )


def refuse(request: HttpRequest, target: models.Model | type[models.Model], act: str) -> None:
    """Audit the refusal, then answer 403 (raises)."""
    refusal_record(request, target, act)
    refused = PermissionDenied(act)
    refused.audited = True  # type: ignore[attr-defined]  # StaffRefusalMiddleware: recorded already
    raise refused


def confirm_page(
    model_admin: admin.ModelAdmin,  # type: ignore[type-arg]
    request: HttpRequest,
    *,
    title: str,
    subject: str,
    consequence: str,
    form: forms.Form,
    button: str,
    cancel_url: str,
    danger: bool = False,
) -> TemplateResponse:
    request.current_app = model_admin.admin_site.name
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.opts,
        "subject": subject,
        "consequence": consequence,
        "form": form,
        "button": button,
        "cancel_url": cancel_url,
        "danger": danger,
    }
    return TemplateResponse(request, "backoffice/confirm_action.html", context)


def secret_once_page(
    model_admin: admin.ModelAdmin,  # type: ignore[type-arg]
    request: HttpRequest,
    obj: models.Model,
    *,
    title: str,
) -> TemplateResponse:
    """The new client secret in a read-only copy field, rendered in the same response as the write.

    Never in a message (which would be stored in the session or a cookie until shown) and never cached.
    """
    once: SecretOnce | None = getattr(obj, "_secret_once", None)
    opts = obj._meta
    request.current_app = model_admin.admin_site.name
    client = once.client if once is not None else None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "object": obj,
        "client": client,
        "secret": once.secret if once is not None else None,
        "change_url": reverse(
            f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]
        ),
        "client_url": reverse(f"{model_admin.admin_site.name}:agencies_apiclient_change", args=[client.pk])
        if client is not None
        else None,
    }
    response = TemplateResponse(request, "backoffice/secret_once.html", context)
    response["Cache-Control"] = "no-store"
    return response
