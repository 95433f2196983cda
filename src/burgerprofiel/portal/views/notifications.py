"""Portal pages "Meldingen": the list (active ones first), one melding, marking read."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from burgerprofiel.agencies.selectors import AgencyDataSuspended
from burgerprofiel.common.errors import NotFound
from burgerprofiel.notifications import selectors
from burgerprofiel.notifications.services import notification_list_read, notification_mark_read, notification_open
from burgerprofiel.portal.auth import citizen_of, citizen_request_actor, citizen_required


@require_GET
@citizen_required
def notification_list(request: HttpRequest) -> HttpResponse:
    items = notification_list_read(citizen=citizen_of(request), actor=citizen_request_actor(request))
    return render(
        request,
        "notifications/list.html",
        {
            "active": [n for n in items if n.action_required],
            "passive": [n for n in items if not n.action_required],
            "unread": sum(1 for n in items if n.read_at is None),
            "suspended": selectors.notification_agencies_suspended_for_citizen(citizen=citizen_of(request)),
        },
    )


@require_GET
@citizen_required
def notification_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    try:
        notification = notification_open(
            citizen=citizen_of(request), notification_id=pk, actor=citizen_request_actor(request)
        )
    except AgencyDataSuspended as exc:
        return render(request, "portal/suspended.html", {"message": exc.detail}, status=exc.status)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "notifications/detail.html", {"notification": notification})


@require_POST
@citizen_required
def notification_read(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    citizen = citizen_of(request)
    try:  # another citizen's melding is not found, as one that does not exist (DESIGN rule 6)
        selectors.notification_for_citizen(citizen=citizen, notification_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    notification_mark_read(citizen=citizen, notification_ids=[pk], actor=citizen_request_actor(request))
    return HttpResponseRedirect(reverse("notifications:list"))


@require_POST
@citizen_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notification_mark_read(
        citizen=citizen_of(request), notification_ids=None, actor=citizen_request_actor(request)
    )
    messages.success(request, f"{count} melding(en) als gelezen gemarkeerd.")
    return HttpResponseRedirect(reverse("notifications:list"))
