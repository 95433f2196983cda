"""What both ways of filing share: an upload read back from the queue, the values it will write,
and the evidence it leaves.

Design note. Filing runs in one of two ways (``filing``): the whole batch set-based
(``filing_batch``), or, when that cannot be used, one upload at a time. Both start from the same
``Claimed`` row and ``FilingValues``, write the outbox the same way and audit through the same
builder (``processed_event`` on ``audit_event_build``; DESIGN rule 2), so an upload leaves the same
rows and the same evidence whichever way filed it. Nothing here queries per upload.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone
from pydantic import ValidationError as PydanticValidationError

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_event_build
from burgerprofiel.citizens.insz import insz_index
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.copy import copy_rows
from burgerprofiel.crypto.fields import blind_index
from burgerprofiel.dossiers.models import Dossier, DossierOwner, DossierStatusChange, DossierUpload, Phase
from burgerprofiel.dossiers.schemas import RAADPLEGER, DossierUploadIn


class DosisProcessingError(Exception):
    """An accepted upload that could not be filed; the agency reads why at /resultaten/fouten."""


@dataclass(frozen=True)
class Claimed:
    """A queued upload as the worker claimed it: ids and the payload (decrypted by its field), no ORM
    instance: a batch of them is read in one statement."""

    pk: int
    agency_id: int
    source_id: int
    dossier_number: str
    client_id: str
    order_version_id: int | None
    payload: Any

    @property
    def key(self) -> tuple[int, str]:
        """The dossier it names."""
        return (self.source_id, self.dossier_number)


def actor_of(upload: Claimed) -> Actor:
    """The client that sent the upload, under the order version it was accepted under."""
    return Actor(
        kind="agency_client",
        id=upload.client_id,
        agency_id=upload.agency_id,
        order_version_id=upload.order_version_id,
    )


def processed_event(actor: Actor, *, outcome: str, filed: Sequence[tuple[int, int]]) -> AuditEvent:
    """``dossier.upload_processed`` for uploads of one client filed with one outcome, as (dossier id,
    upload id) pairs: ids only, no personal data. Both ways of filing build their evidence here, so a
    batch is covered at one event per client and outcome, and an upload filed alone gets the same event."""
    return audit_event_build(
        actor=actor,
        action=AuditAction.DOSSIER_UPLOAD_PROCESSED,
        target=Dossier,
        object_id=filed[0][0] if len(filed) == 1 else "",
        detail={
            "outcome": outcome,
            "count": len(filed),
            "dossiers": [dossier_id for dossier_id, _ in filed],
            "uploads": [upload_id for _, upload_id in filed],
        },
    )


def uploads_finish(upload_ids: list[int], *, state: str, outcome: str = "", errors: list[str] | None = None) -> None:
    # An update, not save(): the payload goes (set to NULL), nothing is re-encrypted.
    DossierUpload.objects.filter(pk__in=upload_ids).update(
        state=state,
        outcome=outcome,
        errors=[{"Omschrijving": e} for e in (errors or [])],
        processed_at=timezone.now(),
        payload=None,
    )


# One outbox row: (dossier id, owner id, status id, agency id, owner kind, owner key).
OutboxRow = tuple[int, int, int, int, str, str]


def outbox_notifiable(rows: Sequence[OutboxRow]) -> list[OutboxRow]:
    """The rows whose owner a melding can reach: a citizen the platform knows (one query for the
    whole batch). An organisation (KBO) owner, or an INSZ no citizen has (never logged in, never
    sent a melding), gets no melding (``notifications.dosis``), so no row is written for it: most
    owners of a first bulk load are such, and each row cost an INSERT with its foreign-key checks
    and indexes, then the consumer's claim and UPDATE. They see the change in "Mijn dossiers"."""
    wanted = {key for *_, kind, key in rows if kind == DossierOwner.Kind.INSZ}
    if not wanted:
        return []
    known = set(Citizen.objects.filter(insz_index__in=wanted).values_list("insz_index", flat=True))
    return [row for row in rows if row[4] == DossierOwner.Kind.INSZ and row[5] in known]


def outbox_append(rows: Sequence[OutboxRow]) -> None:
    """Outbox rows for the notifications capability: one per owner a melding can reach
    (``outbox_notifiable``), in the transaction of the change."""
    notifiable = outbox_notifiable(rows)
    if not notifiable:
        return
    if connection.vendor == "postgresql":
        now = timezone.now()
        copy_rows(
            DossierStatusChange,
            ("dossier_id", "owner_id", "status_id", "agency_id", "created_at"),
            ((*row[:4], now) for row in notifiable),
        )
        return
    DossierStatusChange.objects.bulk_create(
        [
            DossierStatusChange(dossier_id=dossier, owner_id=owner, status_id=status, agency_id=agency)
            for dossier, owner, status, agency, _, _ in notifiable
        ]
    )


# --- what an upload will write --------------------------------------------------------------------


@dataclass
class FilingValues:
    """What an upload will write, computed once (and hashed, to recognise an identical re-upload).
    Plain values: the writers seal the encrypted ones through the fields' own ``stored``."""

    modified_at: dt.datetime
    status_values: dict[str, Any]
    status_hash: str
    dossier_values: dict[str, Any]
    owners: set[tuple[str, str]]
    dossier_hash: str
    current_values: dict[str, Any]


def filing_values(upload: Claimed) -> FilingValues:
    """The values ``upload`` will write (no queries), or ``DosisProcessingError`` when its payload
    cannot be read any more (a destroyed key) or does not validate.

    The queued payload is the document acceptance wrote from the validated upload
    (``DossierUploadIn.model_dump_json``), sealed with AES-GCM: what is read back is exactly what was
    validated, so it is read as that document, without validating it a second time (that cost as
    much as the rest of filing). A payload of any other shape is validated in full first.
    """
    if not isinstance(upload.payload, dict):
        raise DosisProcessingError("De inhoud van de upload is niet meer leesbaar.")
    try:
        values = _values_of(upload.payload)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        try:
            document = DossierUploadIn.model_validate(upload.payload).model_dump(mode="json")
        except PydanticValidationError:
            raise DosisProcessingError("De inhoud van de upload is ongeldig.") from None
        values = _values_of(document)
    if upload.payload["Identificatie"]["DossierNummer"] != upload.dossier_number:
        raise DosisProcessingError("Het dossiernummer van de upload klopt niet.")
    return values


def _values_of(document: dict[str, Any]) -> FilingValues:
    """``FilingValues`` from an upload in the shape ``DossierUploadIn`` dumps (JSON mode)."""
    modified_at = dt.datetime.fromisoformat(document["WijzigingsDatum"])
    if modified_at.tzinfo is None:
        raise ValueError("WijzigingsDatum without an offset is not what acceptance writes")
    status_values = _status_values(document["Status"])
    dossier_values = _dossier_values(document)
    owners = _owners_of(document["Agenten"])
    return FilingValues(
        modified_at=modified_at,
        status_values=status_values,
        status_hash=_hash({**status_values, "modified_at": modified_at.isoformat()}, purpose="dosis-status"),
        dossier_values=dossier_values,
        owners=owners,
        dossier_hash=_hash({**dossier_values, "owners": sorted(owners)}, purpose="dosis-dossier"),
        current_values={
            "current_phase": status_values["phase"],
            "current_code": status_values["code"],
            "current_modified_at": modified_at,
            "action_needed": status_values["action_needed"],
            "closed_at": modified_at if status_values["phase"] == Phase.AFGEROND else None,
        },
    )


def _hash(value: Any, *, purpose: str) -> str:
    return blind_index(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str), purpose=purpose)


def _status_values(status: dict[str, Any]) -> dict[str, Any]:
    actie = status.get("Actie")
    return {
        "phase": Phase(status["VlaamsFase"]).value,
        "code": status["VlaamsCode"],
        "detail": status.get("Detail1") or "",
        "action_needed": bool(actie and actie["ActieNodig"]),
        "action_text": (actie.get("Actie") or "") if actie else "",
    }


def _owners_of(agents: list[dict[str, Any]]) -> set[tuple[str, str]]:
    owners = set()
    for agent in agents:
        if not any(right["Code"] == RAADPLEGER for right in agent["Toegangsrechten"]):
            continue
        identification = agent["Identificatie"]  # normalised when the upload was validated
        if len(identification) == 10:  # a KBO number (AgentIn.is_kbo)
            owners.add((DossierOwner.Kind.KBO.value, identification))
        else:
            owners.add((DossierOwner.Kind.INSZ.value, insz_index(identification)))
    return owners


def _dossier_values(document: dict[str, Any]) -> dict[str, Any]:
    manager = _without_none(document["DossierBeheerder"]) if document.get("DossierBeheerder") else None
    products = document.get("Producten")
    return {
        "name": document["Naam"],
        "ipdc_product": products[0]["Id"] if products else "",
        "type_code": document.get("TypeDossierCode") or "",
        "redirect_url": document.get("Doorverwijzing") or "",
        "manager": manager or None,
    }


def _without_none(value: dict[str, Any]) -> dict[str, Any]:
    """As ``model_dump(exclude_none=True)``: unset fields left out, at every level."""
    return {k: _without_none(v) if isinstance(v, dict) else v for k, v in value.items() if v is not None}
