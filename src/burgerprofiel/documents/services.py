"""Certificates ("Attesten"): the existing certificates-source contract, spoken exactly (DESIGN.md).

Design note (charter 1.1, Bijlage 1 "Attesten"): the list is asked of every ``attesten`` source in
parallel (``GET {source}/v1/certificates/{insz}?page=N&limit=L``, HAL+JSON, paging under ``page``
or ``pageMetadata``), merged, then filtered by theme and type and searched by title. A download
(``GET {source}/v1/certificates/{insz}/{year}/{lang}/download`` → ``{"contentType", "attest"}``)
is decoded and handed to the citizen at once; nothing is stored. Only PDF is passed on, and only
when the bytes really are a PDF. Every list and every download is audited on the citizen.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import citizen_actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import ApplicationError, NotFound
from burgerprofiel.personal_data import pull
from burgerprofiel.personal_data.models import PullSource
from burgerprofiel.personal_data.services import UNAVAILABLE, pull_calls, sources_checked

PAGE_SIZE = 20
MAX_PAGES = 5  # at most 100 certificates per source per look
ALLOWED_CONTENT_TYPES = ("application/pdf",)
LANG = re.compile(r"^[a-z]{2}$")


@dataclass
class Certificate:
    source_id: int
    agency_name: str
    theme: str
    loket_url: str
    id: str
    name: str
    year: int
    language: str


@dataclass
class SourceStatus:
    source_id: int
    agency_name: str
    theme: str
    available: bool
    message: str = ""


def _page_info(data: dict[str, Any]) -> tuple[int, int]:
    """(current page number, total pages) from ``page`` or ``pageMetadata``."""
    meta = data.get("page") if isinstance(data.get("page"), dict) else data.get("pageMetadata")
    if not isinstance(meta, dict):
        return 0, 1
    try:
        return int(meta.get("number", 0)), int(meta.get("totalPages", 1))
    except (TypeError, ValueError) as exc:
        raise pull.problem("malformed") from exc


def parse_certificates(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        raise pull.problem("malformed")
    embedded = data.get("_embedded", {})
    if not isinstance(embedded, dict):
        raise pull.problem("malformed")
    raw = embedded.get("certificates", [])
    if not isinstance(raw, list):
        raise pull.problem("malformed")
    found = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise pull.problem("malformed")
        try:
            year = int(entry["year"])
            language = str(entry["language"]).lower()
            name = str(entry["name"])[:300]
        except (KeyError, TypeError, ValueError) as exc:
            raise pull.problem("malformed") from exc
        if not LANG.match(language):
            raise pull.problem("malformed")
        found.append(
            {"id": str(entry.get("id", f"{year}-{language}"))[:100], "name": name, "year": year, "language": language}
        )
    return found


def _base(source: PullSource) -> str:
    return source.url.rstrip("/")


def certificates_list(
    *, citizen: Citizen, theme: str = "", kind: str = "", query: str = ""
) -> tuple[list[Certificate], list[SourceStatus]]:
    """Every certificate the ``attesten`` sources hold on ``citizen``, merged; and each source's state."""
    insz = citizen.insz
    checked = sources_checked(citizen=citizen, component=PullSource.Component.ATTESTEN, theme=theme)

    async def fetch(client: httpx.AsyncClient, source: PullSource, token: str) -> Any:
        found: list[dict[str, Any]] = []
        page = 0
        while page < MAX_PAGES:
            status, data = await pull.get_json(
                client,
                f"{_base(source)}/v1/certificates/{insz}",
                token=token,
                max_bytes=settings.PULL_MAX_RESPONSE_BYTES,
                params={"page": page, "limit": PAGE_SIZE},
            )
            if status == 404:  # the contract says empty collection; a 404 is read the same way
                break
            found += parse_certificates(data)
            number, total = _page_info(data)
            if number + 1 >= total:
                break
            page = number + 1
        return found

    outcomes = {o.key: o for o in pull.run_calls(pull_calls(checked, insz=insz, fetch=fetch))}
    certificates: list[Certificate] = []
    statuses: list[SourceStatus] = []
    actor = citizen_actor(citizen)
    with transaction.atomic():
        for entry in checked:
            source = entry.source
            outcome = outcomes.get(source.pk)
            ok = outcome is not None and outcome.problem is None
            statuses.append(SourceStatus(source.pk, source.agency.name, source.theme, ok, "" if ok else UNAVAILABLE))
            if ok and outcome is not None:
                for c in outcome.data:
                    certificates.append(Certificate(source.pk, source.agency.name, source.theme, source.loket_url, **c))
            if entry.refused != "order":
                audit_record(
                    actor=actor,
                    action=AuditAction.DOCUMENTS_LISTED,
                    outcome=AuditEvent.Outcome.SUCCESS if ok else AuditEvent.Outcome.FAILURE,
                    agency_id=source.agency_id,
                    order_version_id=entry.order_version_id,
                    target=citizen,
                    purpose="Attesten: lijst opgevraagd",
                    detail={
                        "source_id": source.pk,
                        "problem": entry.refused or (outcome.problem.kind if outcome and outcome.problem else ""),
                        "count": len(outcome.data) if ok and outcome else 0,
                    },
                )
    if kind:
        certificates = [c for c in certificates if kind.lower() in c.name.lower()]
    if query:
        certificates = [c for c in certificates if query.lower() in c.name.lower()]
    certificates.sort(key=lambda c: (-c.year, c.name))
    return certificates, statuses


class DownloadFailed(ApplicationError):
    status = 502
    code = "download-failed"
    title = "Het attest kon niet worden opgehaald"


@dataclass
class Download:
    filename: str
    content_type: str
    content: bytes


def certificate_download(*, citizen: Citizen, source_id: int, year: int, language: str) -> Download:
    """Fetch one certificate from its source, check it, and hand it over (never stored)."""
    if not LANG.match(language) or not 1900 <= year <= 2999:
        raise NotFound(_("Dit attest bestaat niet."))
    checked = sources_checked(citizen=citizen, component=PullSource.Component.ATTESTEN, source_id=source_id)
    if not checked:
        raise NotFound(_("Dit attest bestaat niet."))
    entry = checked[0]
    source = entry.source
    if entry.refused:
        raise DownloadFailed(_("De bron van dit attest is tijdelijk niet beschikbaar."))
    insz = citizen.insz
    token = pull.source_token(insz=insz, audience=source.audience)
    max_bytes = settings.PULL_MAX_DOCUMENT_BYTES * 4 // 3 + 4096

    async def fetch(client: Any) -> Any:
        return await pull.get_json(
            client,
            f"{_base(source)}/v1/certificates/{insz}/{year}/{language}/download",
            token=token,
            max_bytes=max_bytes,
        )

    outcome = pull.run_calls([pull.Call(key=source.pk, timeout=max(source.timeout_seconds, 10.0), fetch=fetch)])[0]
    problem_kind = outcome.problem.kind if outcome.problem else ""
    download: Download | None = None
    message = ""
    if outcome.problem is not None:
        message = {
            "oversized": _("Het attest is te groot om te downloaden."),
            "malformed": _("De bron gaf een onleesbaar antwoord."),
            "content-type": _("De bron antwoordde in een onverwacht formaat."),
        }.get(problem_kind, _("De bron van dit attest is tijdelijk niet beschikbaar."))
    else:
        status, data = outcome.data
        try:
            download = _decode(data, status=status, source=source, year=year, language=language)
        except pull.PullProblem as exc:
            problem_kind, message = exc.kind, exc.message
    with transaction.atomic():
        audit_record(
            actor=citizen_actor(citizen),
            action=AuditAction.DOCUMENTS_DOWNLOADED,
            outcome=AuditEvent.Outcome.SUCCESS if download else AuditEvent.Outcome.FAILURE,
            agency_id=source.agency_id,
            order_version_id=entry.order_version_id,
            target=citizen,
            purpose="Attesten: document gedownload",
            detail={"source_id": source.pk, "year": year, "language": language, "problem": problem_kind},
        )
    if download is None:
        raise DownloadFailed(message)
    return download


def _decode(data: Any, *, status: int, source: PullSource, year: int, language: str) -> Download:
    if status == 404:
        raise pull.PullProblem("not-found", _("De bron kent dit attest niet (meer)."))
    if not isinstance(data, dict) or not isinstance(data.get("attest"), str):
        raise pull.PullProblem("malformed", _("De bron gaf een onleesbaar antwoord."))
    content_type = str(data.get("contentType", "")).split(";")[0].strip().lower()
    if content_type not in ALLOWED_CONTENT_TYPES:
        raise pull.PullProblem(
            "content-type", _("Dit attest heeft een bestandstype dat niet wordt doorgegeven (alleen PDF).")
        )
    try:
        content = base64.b64decode(data["attest"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise pull.PullProblem("malformed", _("De bron gaf een onleesbaar attest.")) from exc
    if len(content) > settings.PULL_MAX_DOCUMENT_BYTES:
        raise pull.PullProblem("oversized", _("Het attest is te groot om te downloaden."))
    if not content.startswith(b"%PDF-"):
        raise pull.PullProblem("content-type", _("Het attest is geen geldig PDF-bestand."))
    name = slugify(f"attest {source.agency.name} {year} {language}")[:100] or "attest"
    return Download(filename=f"{name}.pdf", content_type=content_type, content=content)
