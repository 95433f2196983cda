"""The overview after login: what needs action, recent dossiers, counts.

Each capability contributes a ``Section`` through a provider registered with
``overview_register`` (from its AppConfig.ready); the portal itself contributes the dossiers and
meldingen sections below for as long as those apps expose the selectors it reads. A provider
reads only through its app's citizen-scoped selectors and returns at most a handful of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from burgerprofiel.audit.selectors import audit_events_about_count
from burgerprofiel.citizens.models import Citizen


@dataclass
class Entry:
    text: str
    url: str = ""
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    count: int
    action_needed: int = 0  # how many of ``count`` ask something of the citizen
    entries: list[Entry] = field(default_factory=list)
    url: str = ""


Provider = Callable[[Citizen], "Section | None"]
PROVIDERS: list[Provider] = []


def overview_register(provider: Provider) -> Provider:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)
    return provider


def _dossiers(citizen: Citizen) -> Section | None:
    try:
        from burgerprofiel.dossiers.selectors import DossierFilter, dossiers_for_citizen
        from burgerprofiel.dossiers.services import dossier_list_view_record
    except ImportError:
        return None
    dossiers = dossiers_for_citizen(citizen=citizen, state=DossierFilter.OPEN)
    needing = [d for d in dossiers if d.action_needed]
    recent = sorted(dossiers, key=lambda d: d.current_modified_at, reverse=True)[:5]
    dossier_list_view_record(citizen=citizen, dossiers=recent, detail={"where": "overview"})
    return Section(
        key="dossiers",
        title=_("Uw dossiers"),
        count=len(dossiers),
        action_needed=len(needing),
        entries=[Entry(d.name, note=_("Actie vereist") if d.action_needed else d.current_code) for d in recent],
    )


def _meldingen(citizen: Citizen) -> Section | None:
    try:
        from burgerprofiel.notifications.selectors import unread_count
    except ImportError:
        return None
    unread = unread_count(citizen=citizen)
    return Section(key="meldingen", title=_("Ongelezen meldingen"), count=unread, action_needed=unread)


def _access(citizen: Citizen) -> Section:
    since = timezone.now() - dt.timedelta(days=30)
    count = audit_events_about_count(target=citizen, since=since)
    return Section(key="toegang", title=_("Raadplegingen van uw gegevens (30 dagen)"), count=count)


def overview_for_citizen(*, citizen: Citizen) -> list[Section]:
    sections = [s for s in (_dossiers(citizen), _meldingen(citizen)) if s is not None]
    for provider in PROVIDERS:
        section = provider(citizen)
        if section is not None:
            sections.append(section)
    sections.append(_access(citizen))
    return sections
