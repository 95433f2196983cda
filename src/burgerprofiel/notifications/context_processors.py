from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """``bp_unread_notifications`` for the portal header, only when a citizen is logged in."""
    citizen = getattr(request, "citizen", None)
    if citizen is None:
        return {}
    from burgerprofiel.notifications.selectors import unread_count

    return {"bp_unread_notifications": unread_count(citizen=citizen)}
