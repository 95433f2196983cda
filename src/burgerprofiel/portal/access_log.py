""" "Wie bekeek mijn gegevens": every access to a citizen's data, read from the audit trail.

Convention (for every app that touches a citizen's data): the audit event names the citizen as
its object (``audit_record(..., target=citizen)``), with the agency in ``agency_id`` and the
purpose in ``purpose``. What happened is shown by the action's label (``audit/actions.py``) in the
citizen's language, never the stored code. The citizen sees agency reads and pulls, platform
staff's accesses and their own logins; never another citizen's events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.selectors import audit_events_about
from burgerprofiel.citizens.models import Citizen

MAX_ENTRIES = 200


@dataclass
class AccessEntry:
    occurred_at: dt.datetime
    who: str
    agency: str
    action: str
    purpose: str
    outcome: str


def _who(event: AuditEvent) -> str:
    return {
        "citizen": _("U zelf (via het portaal)"),
        "agency_client": _("Systeem van de instantie"),
        "staff": _("Medewerker van het platform"),
        "system": _("Het platform (automatisch)"),
    }.get(event.actor_type, event.actor_type)


def access_log_for_citizen(*, citizen: Citizen) -> list[AccessEntry]:
    events = audit_events_about(target=citizen, limit=MAX_ENTRIES)
    agencies = dict(
        Agency.objects.filter(pk__in={e.agency_id for e in events if e.agency_id}).values_list("pk", "name")
    )
    return [
        AccessEntry(
            occurred_at=e.occurred_at,
            who=_who(e),
            agency=agencies.get(e.agency_id, "") if e.agency_id else "",
            action=AuditAction.label_for(e.action),
            purpose=e.purpose,
            outcome=e.get_outcome_display(),
        )
        for e in events
    ]
