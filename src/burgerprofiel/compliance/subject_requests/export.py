"""Everything the platform holds on one citizen, across agencies, for the citizen's own download
(GDPR 15, 20; issue 13 item 3).

Design note: completeness comes from the holdings registry (``compliance/holdings.py``), which names
every model holding an agency's data and how to select one citizen's rows in it; a test there fails on
a model nobody registered, so a new table cannot be left out of this export either. To that the
citizen's own profile (contact details), the consent ledger across agencies and the access log from the
audit trail ("Wie bekeek mijn gegevens") are added. Encrypted fields are decrypted; a value whose key was
destroyed is ``null``; file contents (attachments) are named, not inlined.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models
from django.utils import timezone

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.selectors import audit_events_about
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.compliance.holdings import holdings
from burgerprofiel.crypto.fields import UNREADABLE
from burgerprofiel.preferences.models import ConsentEvent, ContactPreference

ACCESS_LOG_MAX = 5000
WHO = {
    "citizen": "U zelf (via het portaal)",
    "agency_client": "Systeem van de instantie",
    "staff": "Medewerker van het platform",
    "system": "Het platform (automatisch)",
}
ROWS_PER_MODEL_MAX = 10_000
# Columns whose value is a file or machine material, not information for the citizen.
SKIPPED_COLUMNS = {"content", "insz_index", "key", "email_index", "mobile_index", "leaf_hash"}


def _plain(value: Any) -> Any:
    if value is UNREADABLE:
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _row(instance: models.Model) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in SKIPPED_COLUMNS or field.name.endswith("_index"):
            continue
        if field.is_relation:
            fields[field.attname] = _plain(getattr(instance, field.attname))
            continue
        fields[field.name] = _plain(getattr(instance, field.attname))
    return {"id": _plain(instance.pk), **fields}


def citizen_export_build(*, citizen: Citizen) -> dict[str, Any]:
    agencies_data = []
    for agency in Agency.objects.order_by("name"):
        per_model: dict[str, list[dict[str, Any]]] = {}
        for holding in holdings():
            if holding.citizen is None or not holding.exported:
                continue
            rows = holding.rows_of_citizen(agency.pk, citizen.insz_index).distinct()[:ROWS_PER_MODEL_MAX]
            exported = [_row(r) for r in rows]
            if exported:
                per_model[f"{holding.component}: {holding.model._meta.verbose_name_plural}"] = exported
        if per_model:
            agencies_data.append(
                {"agency": {"id": agency.pk, "name": agency.name, "kbo": agency.kbo}, "data": per_model}
            )
    contact = ContactPreference.objects.filter(citizen=citizen).first()
    agency_names = dict(Agency.objects.values_list("pk", "name"))
    ledger = [
        {
            "recorded_at": _plain(e.recorded_at),
            "agency": agency_names.get(e.agency_id, ""),
            "product": e.ipdc_product,
            "channel": e.channel,
            "action": e.get_action_display(),
            "text_version": e.text_version,
            "method": e.get_method_display(),
        }
        for e in ConsentEvent.objects.filter(citizen=citizen).order_by("recorded_at", "pk")
    ]
    access_log = [
        {
            "at": _plain(e.occurred_at),
            "who": WHO.get(e.actor_type, e.actor_type),
            "agency": agency_names.get(e.agency_id, "") if e.agency_id else "",
            "what": AuditAction.label_for(e.action),
            "purpose": e.purpose,
            "outcome": e.outcome,
        }
        for e in audit_events_about(target=citizen, limit=ACCESS_LOG_MAX)
    ]
    return {
        "document": "Uitvoer van alle gegevens die Mijn Burgerprofiel over u bewaart",
        "generated_at": _plain(timezone.now()),
        "citizen": {"insz": str(citizen.insz), "known_since": _plain(citizen.created_at)},
        "contact_preferences": _row(contact) if contact else None,
        "consent_ledger": ledger,
        "agencies": agencies_data,
        "access_log": access_log,
        "note": (
            "Gegevens die de instanties live tonen (Uw gegevens, attesten) bewaart het platform niet: die vraagt "
            "u op bij de instantie zelf. De toegangen tot uw gegevens staan in access_log."
        ),
    }
