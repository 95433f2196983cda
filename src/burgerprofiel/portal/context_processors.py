from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from burgerprofiel.notifications.selectors import unread_count
from burgerprofiel.portal.auth import SESSION_NAME, current_citizen, page_citizen, session_unseal


def portal(request: HttpRequest) -> dict[str, Any]:
    """The logged-in citizen's display name and the language switch, for the base layout."""
    if request.path.startswith(("/api/", "/backoffice/", "/oauth/")):
        return {}
    citizen = current_citizen(request)
    return {
        "portal_citizen": citizen,
        "portal_name": session_unseal(request.session.get(SESSION_NAME)) if citizen else "",
        "portal_languages": settings.LANGUAGES,
    }


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """``bp_unread_notifications`` for the portal header, on the pages of a logged-in citizen."""
    citizen = page_citizen(request)
    if citizen is None:
        return {}
    return {"bp_unread_notifications": unread_count(citizen=citizen)}
