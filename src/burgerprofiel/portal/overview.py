"""The overview after login: what needs action, recent dossiers, counts.

Each capability contributes a ``Section`` through a provider registered with
``overview_register`` (from its AppConfig.ready); the portal itself contributes the dossiers and
meldingen sections below. A provider reads only through its app's citizen-scoped selectors (or
an audited read, when it shows personal data) and returns at most a handful of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from burgerprofiel.audit.selectors import audit_events_about_count
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.compliance.subject_rights.services import restrictions_of_citizen
from burgerprofiel.dossiers.services import dossier_overview_read
from burgerprofiel.notifications.selectors import unread_count


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


def _dossiers(citizen: Citizen) -> Section:
    overview = dossier_overview_read(citizen=citizen)
    return Section(
        key="dossiers",
        title=_("Uw dossiers"),
        count=overview.count,
        action_needed=overview.action_needed,
        entries=[
            Entry(d.name, note=_("Actie vereist") if d.action_needed else d.current_code) for d in overview.recent
        ],
    )


def _meldingen(citizen: Citizen) -> Section:
    unread = unread_count(citizen=citizen)
    return Section(key="meldingen", title=_("Ongelezen meldingen"), count=unread, action_needed=unread)


def _access(citizen: Citizen) -> Section:
    since = timezone.now() - dt.timedelta(days=30)
    count = audit_events_about_count(target=citizen, since=since)
    return Section(key="toegang", title=_("Raadplegingen van uw gegevens (30 dagen)"), count=count)


def _restricted(citizen: Citizen) -> Section | None:
    """The agencies that restricted the processing of this citizen's data (GDPR 18), if any."""
    restricted = restrictions_of_citizen(citizen=citizen)
    if not restricted:
        return None
    return Section(
        key="beperkt",
        title=_("Instanties met beperkte verwerking van uw gegevens"),
        count=len(restricted),
        entries=[
            Entry(name, note=_("verwerking beperkt sinds %(date)s") % {"date": date_format(since, "j F Y")})
            for name, since in restricted
        ],
    )


def overview_for_citizen(*, citizen: Citizen) -> list[Section]:
    sections = [_dossiers(citizen), _meldingen(citizen)]
    restricted = _restricted(citizen)
    if restricted is not None:
        sections.append(restricted)
    for provider in PROVIDERS:
        section = provider(citizen)
        if section is not None:
            sections.append(section)
    sections.append(_access(citizen))
    return sections
