"""Which agencies a breach affects, and approximately how many data subjects and records of each.

How it is computed (GDPR 33(3)(a): "approximate number"; charter 8.2):

1. The scope is the breach's window [``window_start``, ``window_end``] and its components (none
   listed: every component). Its data categories narrow what the notice names; they do not narrow
   the count (the platform stores a component's categories together, row by row).
2. From the audit trail: every event in the window that names a citizen as its object
   (``object_type`` ``citizens.Citizen``, the convention of "Wie bekeek mijn gegevens"), carries an
   agency, was not refused (a refused call processed nothing), and whose action belongs to one of
   the components (``ACTION_COMPONENTS``: by the action's prefix; an action of no component, such
   as a portal view, counts only when the breach covers every component). Each such citizen is a
   data subject of that agency; the events are counted as ``accesses``.
3. From the data: the rows each component holds for the agency (``SOURCES``). With exposure
   ``processed``, the rows created or changed within the window; with ``stored``, every row that
   existed at the window's end (created by then and still held). Each row is a record; the citizen
   it belongs to is a data subject (for DOSIS: the dossier's owners with an INSZ).
4. Data subjects are counted once per agency across both: by the citizen's INSZ blind index (the
   same key the DOSIS owners carry), so a citizen met in the audit trail and in the data is one.

It is approximate, and says so in every notice: rows already purged by retention are not counted,
nor are citizens whose row is gone (they count by their id, possibly twice), nor processing that
left no audit event naming a citizen (DOSIS uploads are audited per upload, not per owner; their
rows count under 3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.corrections.models import ErrorReport
from burgerprofiel.dossiers.models import DossierOwner, DossierStatus
from burgerprofiel.notifications.models import Notification
from burgerprofiel.payments.models import Payment
from burgerprofiel.preferences.models import ConsentEvent
from burgerprofiel.service_requests.models import ServiceRequest

CITIZEN_OBJECT = Citizen._meta.label

# The component an audit action belongs to, by the prefix of its stored code.
ACTION_COMPONENTS: dict[str, str] = {
    "personal_data.": Component.UW_GEGEVENS,
    "pull.": Component.UW_GEGEVENS,
    "documents.": Component.ATTESTEN,
    "dossier.": Component.DOSIS,
    "notification.": Component.NOTIFICATIES,
    "preferences.": Component.CONTACTVOORKEUREN,
    "error_report.": Component.FOUTMELDINGEN,
    "service_request.": Component.AANVRAGEN,
    "payment.": Component.BETALINGEN,
}


def component_of_action(action: str) -> str | None:
    for prefix, component in ACTION_COMPONENTS.items():
        if action.startswith(prefix):
            return component
    return None


@dataclass(frozen=True)
class Source:
    """Rows of one component that hold an agency's data about citizens."""

    component: str
    label: str
    rows: Callable[[], QuerySet[Any]]
    changed: str  # the field that dates a change (exposure "processed")
    created: str  # the field that dates the row's creation (exposure "stored")
    subject_keys: Callable[[QuerySet[Any]], Iterable[str]]


def _by_citizen(rows: QuerySet[Any]) -> Iterable[str]:
    return rows.values_list("citizen__insz_index", flat=True).distinct()


def _dossier_owners(rows: QuerySet[Any]) -> Iterable[str]:
    return (
        DossierOwner.objects.filter(kind=DossierOwner.Kind.INSZ, dossier__in=rows.values("dossier_id"))
        .values_list("key", flat=True)
        .distinct()
    )


SOURCES: tuple[Source, ...] = (
    Source(
        Component.DOSIS,
        "dossierstatussen",
        DossierStatus.objects.all,
        "created_at",
        "created_at",
        _dossier_owners,
    ),
    Source(Component.NOTIFICATIES, "meldingen", Notification.objects.all, "created_at", "created_at", _by_citizen),
    Source(
        Component.CONTACTVOORKEUREN,
        "toestemmingen",
        ConsentEvent.objects.all,
        "recorded_at",
        "recorded_at",
        _by_citizen,
    ),
    Source(Component.FOUTMELDINGEN, "foutmeldingen", ErrorReport.objects.all, "updated_at", "created_at", _by_citizen),
    Source(Component.AANVRAGEN, "aanvragen", ServiceRequest.objects.all, "updated_at", "created_at", _by_citizen),
    Source(Component.BETALINGEN, "betalingen", Payment.objects.all, "updated_at", "created_at", _by_citizen),
)


@dataclass
class AgencyImpact:
    agency_id: int
    agency_name: str
    subject_keys: set[str]
    audit_subjects: int = 0
    data_subjects: int = 0
    accesses: int = 0
    records_by_component: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        records = dict(sorted(self.records_by_component.items()))
        return {
            "agency_id": self.agency_id,
            "agency_name": self.agency_name,
            "subjects": len(self.subject_keys),
            "subjects_from_audit": self.audit_subjects,
            "subjects_from_data": self.data_subjects,
            "records": sum(records.values()),
            "records_by_component": records,
            "accesses": self.accesses,
        }


def _covers(components: list[str], component: str | None) -> bool:
    return not components or (component is not None and component in components)


def affected_compute(
    *, window_start: dt.datetime, window_end: dt.datetime, components: list[str], exposure: str
) -> list[dict[str, Any]]:
    """Per agency (sorted by name): approximate data subjects and records (see the module's note)."""
    impacts: dict[int, AgencyImpact] = {}

    def impact(agency_id: int) -> AgencyImpact:
        if agency_id not in impacts:
            impacts[agency_id] = AgencyImpact(agency_id, "", set())
        return impacts[agency_id]

    # 2. The audit trail.
    events = (
        AuditEvent.objects.filter(
            occurred_at__gte=window_start,
            occurred_at__lte=window_end,
            object_type=CITIZEN_OBJECT,
            agency_id__isnull=False,
        )
        .exclude(outcome=AuditEvent.Outcome.REFUSED)
        .exclude(object_id="")
        .values_list("agency_id", "object_id", "action")
    )
    audit_citizens: dict[int, set[int]] = {}
    for agency_id, object_id, action in events.iterator(chunk_size=5000):
        if agency_id is None or not _covers(components, component_of_action(action)) or not str(object_id).isdigit():
            continue
        impact(int(agency_id)).accesses += 1
        audit_citizens.setdefault(int(agency_id), set()).add(int(object_id))
    all_ids = set().union(*audit_citizens.values()) if audit_citizens else set()
    index_of = dict(Citizen.objects.filter(pk__in=all_ids).values_list("pk", "insz_index")) if all_ids else {}
    for agency_id, ids in audit_citizens.items():
        keys = {index_of.get(pk) or f"citizen:{pk}" for pk in ids}
        impact(agency_id).subject_keys |= keys
        impact(agency_id).audit_subjects = len(keys)

    # 3. The data.
    data_keys: dict[int, set[str]] = {}
    for source in SOURCES:
        if not _covers(components, source.component):
            continue
        if exposure == "stored":
            rows = source.rows().filter(**{f"{source.created}__lte": window_end})
        else:
            rows = source.rows().filter(
                Q(**{f"{source.changed}__gte": window_start}) & Q(**{f"{source.changed}__lte": window_end})
            )
        for agency_id in rows.values_list("agency_id", flat=True).distinct():
            of_agency = rows.filter(agency_id=agency_id)
            count = of_agency.count()
            if not count:
                continue
            entry = impact(int(agency_id))
            entry.records_by_component[source.component] = entry.records_by_component.get(source.component, 0) + count
            keys = {k for k in source.subject_keys(of_agency) if k}
            data_keys.setdefault(int(agency_id), set()).update(keys)
            entry.subject_keys |= keys
    for agency_id, keys in data_keys.items():
        impacts[agency_id].data_subjects = len(keys)

    names = dict(Agency.objects.filter(pk__in=impacts).values_list("pk", "name"))
    for agency_id, entry in impacts.items():
        entry.agency_name = names.get(agency_id, f"Instantie {agency_id}")
    return [e.as_dict() for e in sorted(impacts.values(), key=lambda e: (e.agency_name, e.agency_id))]
