"""Pull sources: registration by staff, and the live pull of "Uw gegevens" for one citizen.

Design note (charter 1.1, Bijlage 1 "Uw gegevens"): each source is asked only after the order
check for its agency (component ``uw_gegevens``) and the SSRF guard passed; each is sent a JWT
that names the citizen (``rrn``) and the source (``aud``). An answer about another person is an
incident: it is shown to no one and recorded in the audit trail. Every pull, whatever came of it,
leaves one audit event on the citizen (``citizens.Citizen`` / citizen id), which is what the
citizen's access log ("Wie bekeek mijn gegevens") reads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from burgerprofiel.agencies.models import Agency
from burgerprofiel.agencies.order_check import OrderRefused, order_check
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor, citizen_actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import Conflict, NotFound, ValidationError
from burgerprofiel.common.outbound import UnsafeUrl, url_check
from burgerprofiel.crypto.fields import decrypt_bytes, encrypt_bytes
from burgerprofiel.crypto.services import KeyUnavailable
from burgerprofiel.personal_data import pull
from burgerprofiel.personal_data.models import PullSource

log = logging.getLogger(__name__)

THEMES = [
    "U en uw gezin",
    "Groeipakket",
    "Woonst en vastgoed",
    "Mobiliteit",
    "Werk en pensioen",
    "Onderwijs",
    "Gezondheid",
    "Belastingen",
    "Andere",
]
MAX_ITEMS = 200


def pull_source_add(
    *,
    agency_id: int,
    component: str,
    url: str,
    actor: Actor,
    theme: str = "",
    timeout_seconds: float | None = None,
    loket_url: str = "",
) -> PullSource:
    """Register a pull source for an agency (staff only: the CLI or the back-office)."""
    if component not in PullSource.Component.values:
        raise ValidationError(f"Onbekende component '{component}': kies uw_gegevens of attesten.")
    if component == PullSource.Component.UW_GEGEVENS and theme not in THEMES:
        raise ValidationError(f"Onbekend thema '{theme}'. Kies uit: {', '.join(THEMES)}.")
    timeout = settings.PULL_TIMEOUT_SECONDS if timeout_seconds is None else float(timeout_seconds)
    if not 0 < timeout <= 30:
        raise ValidationError("De time-out moet tussen 0 en 30 seconden liggen.")
    url_check(url)
    if loket_url and not loket_url.startswith(("https://", "http://")):
        raise ValidationError("De loket-URL moet met https:// beginnen.")
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound(f"Instantie {agency_id} bestaat niet.")
    if PullSource.objects.filter(agency=agency, component=component, url=url.rstrip("/")).exists():
        raise Conflict("Deze bron is al geregistreerd voor deze instantie.")
    with transaction.atomic():
        source = PullSource.objects.create(
            agency=agency,
            component=component,
            theme=theme,
            url=url.rstrip("/"),
            timeout_seconds=timeout,
            loket_url=loket_url,
        )
        audit_record(
            actor=actor,
            action=AuditAction.PULL_SOURCE_ADDED,
            agency_id=agency.pk,
            target=source,
            detail={"component": component, "theme": theme, "timeout_seconds": timeout},
        )
    return source


# -- the live pull -----------------------------------------------------------------------------


@dataclass
class Item:
    id: str
    label: str
    value: str
    category: str
    updated_at: dt.date | None


@dataclass
class SourceResult:
    source_id: int
    agency_name: str
    theme: str
    loket_url: str
    status: str  # ok | empty | unavailable
    message: str = ""
    items: list[Item] = field(default_factory=list)
    agency_id: int = 0  # the owning agency (an error report on an item goes to it)


@dataclass
class Theme:
    name: str
    results: list[SourceResult]


@dataclass
class Checked:
    source: PullSource
    order_version_id: int | None
    refused: str = ""  # why the source was not asked, if it was not


# What a pull carries, by Bijlage 1: the INSZ goes out; data or documents come back.
PULL_CATEGORIES: dict[str, list[str]] = {
    PullSource.Component.UW_GEGEVENS: ["insz", "persoonsgegevens"],
    PullSource.Component.ATTESTEN: ["insz", "document", "documenttype", "geldigheidsdatum"],
}


def _order_allows(*, actor: Actor, agency_id: int, component: str) -> int | None:
    """The id of the order version that lets the agency's source serve ``component`` now, else None."""
    try:  # not inside a transaction of ours: a refusal's audit event must stay
        version = order_check(
            actor=actor, agency_id=agency_id, component=component, categories=PULL_CATEGORIES[component]
        )
    except OrderRefused:
        return None
    return version.pk


def sources_checked(
    *, citizen: Citizen, component: str, theme: str = "", source_id: int | None = None
) -> list[Checked]:
    """The active sources of ``component`` (of one theme, or the one source), each with its order
    check and SSRF guard done."""
    sources = PullSource.objects.filter(component=component, active=True).select_related("agency")
    if theme:
        sources = sources.filter(theme=theme)
    if source_id is not None:
        sources = sources.filter(pk=source_id)
    actor = citizen_actor(citizen)
    checked = []
    for source in sources:
        version_id = _order_allows(actor=actor, agency_id=source.agency_id, component=component)
        if version_id is None:
            checked.append(Checked(source, None, refused="order"))
            continue
        if pull.breaker_open(source.pk):
            checked.append(Checked(source, version_id, refused="circuit-open"))
            continue
        try:
            url_check(source.url)
        except UnsafeUrl:
            log.warning("pull source refused by the SSRF guard", extra={"source_id": source.pk})
            checked.append(Checked(source, version_id, refused="unsafe-url"))
            continue
        checked.append(Checked(source, version_id))
    return checked


def pull_calls(
    checked: list[Checked], *, insz: str, fetch: Callable[[httpx.AsyncClient, PullSource, str], Awaitable[Any]]
) -> list[pull.Call]:
    """One call per source the checks let through: ``fetch(client, source, token)`` with a short-lived
    token naming that source as its audience."""

    def call(source: PullSource) -> pull.Call:
        token = pull.source_token(insz=insz, audience=source.audience)
        return pull.Call(
            key=source.pk, timeout=source.timeout_seconds, fetch=lambda client: fetch(client, source, token)
        )

    return [call(entry.source) for entry in checked if not entry.refused]


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise pull.problem("malformed")
    return str(value)[:limit]


def parse_items(data: Any, *, insz: str, default_category: str) -> list[Item]:
    """Read a source's answer (the "Uw gegevens" contract, see CONTRACT.md); raise PullProblem."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise pull.problem("malformed")
    if data.get("subject") != insz:
        raise pull.PullProblem("other-subject", "De bron antwoordde over een andere persoon.")
    items = []
    for raw in data["items"][:MAX_ITEMS]:
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("label"):
            raise pull.problem("malformed")
        updated = None
        if raw.get("updatedAt"):
            try:
                updated = dt.date.fromisoformat(str(raw["updatedAt"])[:10])
            except ValueError as exc:
                raise pull.problem("malformed") from exc
        items.append(
            Item(
                id=_text(raw["id"], 100),
                label=_text(raw["label"], 200),
                value=_text(raw.get("value", ""), 2000),
                category=_text(raw.get("category") or default_category, 80),
                updated_at=updated,
            )
        )
    return items


def _cache_key(session_key: str) -> str:
    return "pull:uw_gegevens:" + hashlib.sha256(session_key.encode()).hexdigest()


UNAVAILABLE = "Tijdelijk niet beschikbaar."


def personal_data_forget(*, session_key: str) -> None:
    """Drop a session's cached answers at once (logout), rather than let them expire."""
    if session_key:
        cache.delete(_cache_key(session_key))


def personal_data_pull(*, citizen: Citizen, session_key: str = "", refresh: bool = False) -> list[Theme]:
    """Ask every "Uw gegevens" source about ``citizen`` now; group the answers per theme.

    Kept in the cache for ``PULL_CACHE_SECONDS`` under the session key only (never stored).
    """
    if session_key and not refresh:
        cached = _cache_read(citizen, session_key)
        if cached is not None:
            _cached_withdraw_refused(citizen, cached)
            audit_record(
                actor=citizen_actor(citizen),
                action=AuditAction.PERSONAL_DATA_VIEWED_AGAIN,
                target=citizen,
                purpose="Uw gegevens (kort bewaard antwoord)",
                detail={"themes": len(cached)},
            )
            return cached
    insz = citizen.insz
    checked = sources_checked(citizen=citizen, component=PullSource.Component.UW_GEGEVENS)

    async def fetch(client: httpx.AsyncClient, source: PullSource, token: str) -> Any:
        return await pull.get_json(client, source.url, token=token, max_bytes=settings.PULL_MAX_RESPONSE_BYTES)

    outcomes = {o.key: o for o in pull.run_calls(pull_calls(checked, insz=insz, fetch=fetch))}

    results: list[SourceResult] = []
    actor = citizen_actor(citizen)
    with transaction.atomic():
        for entry in checked:
            source = entry.source
            result = SourceResult(
                source.pk, source.agency.name, source.theme, source.loket_url, "unavailable", agency_id=source.agency_id
            )
            outcome = outcomes.get(source.pk)
            kind = entry.refused
            if outcome is not None:
                if outcome.problem is not None:
                    kind = outcome.problem.kind
                else:
                    status, data = outcome.data
                    try:
                        result.items = (
                            [] if status == 404 else parse_items(data, insz=insz, default_category=source.theme)
                        )
                        result.status = "ok" if result.items else "empty"
                    except pull.PullProblem as exc:
                        kind = exc.kind
            if result.status == "unavailable":
                result.message = UNAVAILABLE
            if kind == "other-subject":
                log.error("pull source answered about another person", extra={"source_id": source.pk})
                audit_record(
                    actor=actor,
                    action=AuditAction.PULL_INCIDENT,
                    outcome=AuditEvent.Outcome.FAILURE,
                    agency_id=source.agency_id,
                    order_version_id=entry.order_version_id,
                    target=citizen,
                    purpose="Uw gegevens: antwoord over een andere persoon geweigerd",
                    detail={"source_id": source.pk, "kind": kind},
                )
            if entry.refused != "order":  # a refusal by the order check is audited by the check itself
                audit_record(
                    actor=actor,
                    action=AuditAction.PERSONAL_DATA_PULLED,
                    outcome=AuditEvent.Outcome.SUCCESS
                    if result.status != "unavailable"
                    else AuditEvent.Outcome.FAILURE,
                    agency_id=source.agency_id,
                    order_version_id=entry.order_version_id,
                    target=citizen,
                    purpose=f"Uw gegevens: {source.theme}",
                    detail={
                        "source_id": source.pk,
                        "status": result.status,
                        "problem": kind,
                        "items": len(result.items),
                    },
                )
            results.append(result)
    themes = [Theme(name, [r for r in results if r.theme == name]) for name in THEMES]
    themes += [Theme(t, [r for r in results if r.theme == t]) for t in sorted({r.theme for r in results} - set(THEMES))]
    grouped = [t for t in themes if t.results]
    if session_key:
        _cache_write(citizen, session_key, grouped)
    return grouped


def _cached_withdraw_refused(citizen: Citizen, cached: list[Theme]) -> None:
    """A kept answer is shown again only for agencies whose order still allows it: a suspension takes
    effect on the next request (charter 2.3), not when the cache expires. The others' data is taken
    out of what is shown (the refusal audited by the order check); nobody is asked anew."""
    shown = [r for theme in cached for r in theme.results if r.items]
    if not shown:
        return
    agency_of = dict(PullSource.objects.filter(pk__in={r.source_id for r in shown}).values_list("pk", "agency_id"))
    actor = citizen_actor(citizen)
    allowed = {
        agency_id: _order_allows(actor=actor, agency_id=agency_id, component=PullSource.Component.UW_GEGEVENS)
        is not None
        for agency_id in set(agency_of.values())
    }
    for result in shown:
        if not allowed.get(agency_of.get(result.source_id, -1), False):
            result.items, result.status, result.message = [], "unavailable", UNAVAILABLE


def _themes_json(grouped: list[Theme]) -> bytes:
    return json.dumps([asdict(theme) for theme in grouped], cls=DjangoJSONEncoder).encode()


def _themes_from_json(data: bytes) -> list[Theme]:
    """The inverse of ``_themes_json``: plain JSON in, the dataclasses out (no code runs on load)."""

    def item(raw: dict[str, Any]) -> Item:
        updated = raw["updated_at"]
        return Item(
            id=raw["id"],
            label=raw["label"],
            value=raw["value"],
            category=raw["category"],
            updated_at=dt.date.fromisoformat(updated) if updated else None,
        )

    def result(raw: dict[str, Any]) -> SourceResult:
        return SourceResult(**{**raw, "items": [item(i) for i in raw["items"]]})

    return [Theme(name=raw["name"], results=[result(r) for r in raw["results"]]) for raw in json.loads(data)]


def _cache_write(citizen: Citizen, session_key: str, grouped: list[Theme]) -> None:
    """The short per-session cache holds the answers as JSON sealed with the citizen's key (it may
    be Redis): data only, never pickle, so a cache whose contents someone could change can at worst
    show wrong answers, never run code."""
    sealed = encrypt_bytes(_themes_json(grouped), key_id=citizen.data_key_id)
    cache.set(_cache_key(session_key), sealed, settings.PULL_CACHE_SECONDS)


def _cache_read(citizen: Citizen, session_key: str) -> list[Theme] | None:
    sealed = cache.get(_cache_key(session_key))
    if not isinstance(sealed, str):
        return None
    try:
        return _themes_from_json(decrypt_bytes(sealed))
    except (KeyUnavailable, ValueError, KeyError, TypeError):  # unreadable or of an older shape: ask again
        return None
