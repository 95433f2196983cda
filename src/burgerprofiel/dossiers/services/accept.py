"""Accepting DOSIS uploads: parse, validate, check the order's categories, queue.

Design note. What an agency waits for is this module, so it does only what must happen before
the answer (DESIGN rule 4: validated and persisted, then answered). A single upload is queued
(its payload encrypted once, as ciphertext) and the worker files it (``filing``). A bulk request
holds enough uploads to file them set-based in its own transaction, so it files its lines as it
accepts them and queues only those that must wait their turn (``filing_inline``). Bad input is
refused whole, in DOSIS's own error format, with nothing stored (rule 5); a payload carrying a
data category the order does not allow is refused by the order check (rule 1). In a bulk request
each line is answered on its own, but the accepted lines are stored only after the whole stream
was read: a stream that breaks off (too large, too many lines) stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django_tasks.backends.immediate import ImmediateBackend
from pydantic import ValidationError as PydanticValidationError

from burgerprofiel.agencies.order_check import OrderRefused, order_check
from burgerprofiel.common.errors import ApplicationError
from burgerprofiel.common.queries import StatementGuard
from burgerprofiel.common.randomness import random_uuid
from burgerprofiel.common.text import UnstorableText, check_storable, may_hold_unstorable
from burgerprofiel.crypto.fields import Sealers
from burgerprofiel.dossiers.models import Phase
from burgerprofiel.dossiers.schemas import DossierUploadIn, payload_categories
from burgerprofiel.dossiers.services.caller import COMPONENT, Caller
from burgerprofiel.dossiers.services.filing_inline import Line, bulk_file_at_acceptance
from burgerprofiel.dossiers.services.queue import (
    QueuedUpload,
    queue_upload_prepare,
    queue_upload_write,
    queue_uploads_write,
)
from burgerprofiel.dossiers.services.sources import UnknownSource, source_ids_of
from burgerprofiel.dossiers.tasks import dosis_uploads_process


class DosisValidationError(ApplicationError):
    """A synchronous validation failure, answered in DOSIS's own format (wire compatibility)."""

    code = "VALIDATIE_FOUT"
    status = 400
    title = "Ongeldige upload"

    def __init__(self, errors: list[dict[str, Any]], detail: str = "De upload bevat ongeldige velden.") -> None:
        super().__init__(detail)
        self.errors = errors

    def as_dosis(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.title,
            "description": f"{self.detail} Er werd niets opgeslagen.",
            "errors": self.errors,
        }


class BulkTooLarge(ApplicationError):
    code = "payload-too-large"
    status = 413
    title = "Aanvraag te groot"


# --- validation -----------------------------------------------------------------------------------

_MESSAGES = {
    "missing": "Verplicht veld ontbreekt.",
    "enum": "Ongeldige waarde.",
    "literal_error": "Ongeldige waarde.",
    "string_too_short": "Te kort of leeg.",
    "string_too_long": "Te lang.",
    "too_short": "Te weinig elementen.",
    "too_long": "Te veel elementen.",
    "string_type": "Moet tekst zijn.",
    "bool_type": "Moet true of false zijn.",
    "bool_parsing": "Moet true of false zijn.",
    "datetime_type": "Moet een datum en tijd zijn (ISO 8601).",
    "datetime_parsing": "Moet een datum en tijd zijn (ISO 8601).",
    "datetime_from_date_parsing": "Moet een datum en tijd zijn (ISO 8601).",
    "list_type": "Moet een lijst zijn.",
    "model_type": "Moet een object zijn.",
    "model_attributes_type": "Moet een object zijn.",
    "dict_type": "Moet een object zijn.",
    "string_pattern_mismatch": "Ongeldig formaat.",
    "json_invalid": "Geen geldige JSON.",
}


def dosis_errors(raw_errors: Iterable[dict[str, Any]], *, strip: int = 0) -> list[dict[str, Any]]:
    """pydantic errors as DOSIS ``errors[]``: code, Dutch message, description, field path.

    Only the message and the type: pydantic's ``input`` would echo an INSZ back.
    """
    result = []
    for error in raw_errors:
        loc = [str(p) for p in list(error.get("loc", ()))[strip:]]
        kind = str(error.get("type", "invalid"))
        description = str(error.get("msg", ""))
        if kind == "value_error":
            description = description.removeprefix("Value error, ")
            message = description
        elif kind == "enum" and loc[-1:] == ["VlaamsFase"]:
            message = f"Fase moet een van {', '.join(Phase.values)} zijn."
        else:
            message = _MESSAGES.get(kind, "Ongeldige waarde.")
        result.append(
            {
                "code": kind,
                "message": message,
                "description": description,
                "field": ".".join(loc) or None,
            }
        )
    return result


def dosis_upload_storable(upload: DossierUploadIn) -> None:
    """``DosisValidationError`` when a field the upload keeps holds a NUL or a lone surrogate (no
    database stores those; the fields DOSIS ignores may hold anything)."""
    try:
        check_storable(upload.model_dump(mode="json"))
    except UnstorableText:
        raise DosisValidationError(
            [
                {
                    "code": "text_unstorable",
                    "message": "Tekst met een NUL-teken of een losse surrogaat wordt niet aanvaard.",
                    "description": "NUL characters and lone surrogates cannot be stored.",
                    "field": None,
                }
            ]
        ) from None


def dosis_upload_parse(raw: bytes | str) -> DossierUploadIn:
    """One upload from JSON text, or ``DosisValidationError`` in DOSIS's format."""
    try:
        upload = DossierUploadIn.model_validate_json(raw)
    except PydanticValidationError as exc:
        raise DosisValidationError(dosis_errors([dict(e) for e in exc.errors(include_input=False)])) from None
    if may_hold_unstorable(raw if isinstance(raw, bytes) else raw.encode()):
        dosis_upload_storable(upload)
    return upload


def _categories_check(*, caller: Caller, upload: DossierUploadIn, guard: StatementGuard | None = None) -> None:
    """The order check for the categories this payload carries (403 naming them, audited). With a
    ``guard`` (the caller's own check, folded into the queue statement), a refusal of the guard's
    comes first, as it would if the guard were checked before the upload is read."""
    carried = payload_categories(upload)
    if not caller.allowed_categories.issuperset(carried):
        if guard is not None:
            guard.explain()
        order_check(actor=caller.actor, agency_id=caller.agency_id, component=COMPONENT, categories=carried)


# --- one upload -----------------------------------------------------------------------------------


def dossier_upload_accept(*, caller: Caller, upload: DossierUploadIn, guard: StatementGuard | None = None) -> str:
    """Check, store and queue one upload, audited; returns its UploadId. A worker files it.

    ``guard``: a condition of the caller's (a citizen's restriction of the agency) that the queue
    statement checks as it writes (``queue_upload_write``); its refusal is raised as it would be
    had it been checked first."""
    _categories_check(caller=caller, upload=upload, guard=guard)
    queued = QueuedUpload.of(upload=upload, caller=caller, sealers=Sealers())
    queue_upload_write(queue_upload_prepare(caller=caller, bron=upload.Identificatie.Bron, queued=queued, guard=guard))
    dosis_processing_kick()
    return queued.upload_id


def dosis_processing_kick() -> None:
    """Have what was just queued filed. ``burgerprofiel worker`` drains the queue on its own (every
    ``DOSIS_DRAIN_INTERVAL_MS`` when idle), so nothing is enqueued per upload; a task backend
    that runs tasks inline (tests, one-off scripts) files them now. Call it after the queue rows
    were written (outside their transaction)."""
    if isinstance(dosis_uploads_process.get_backend(), ImmediateBackend):
        dosis_uploads_process.enqueue()


# --- many uploads (NDJSON) ------------------------------------------------------------------------


@dataclass
class BulkResult:
    lines: list[dict[str, Any]] = field(default_factory=list)
    accepted: int = 0
    refused: int = 0


NDJSON_CHUNK_BYTES = 256 * 1024


def ndjson_lines(stream: Any, *, max_bytes: int, max_lines: int) -> Iterator[bytes]:
    """The non-empty lines of an NDJSON stream, read a chunk at a time; refuses beyond the limits.

    At most one chunk and one line are held at once, whatever the body's size.
    """
    read = 0
    count = 0
    pending = b""
    while True:
        chunk = stream.read(min(NDJSON_CHUNK_BYTES, max_bytes - read + 1))
        read += len(chunk)
        if read > max_bytes:
            raise BulkTooLarge(f"De body is groter dan {max_bytes} bytes.", extra={"max_bytes": max_bytes})
        if not chunk:
            lines = [pending]
        else:
            *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            count += 1
            if count > max_lines:
                raise BulkTooLarge(f"Meer dan {max_lines} uploads in één bulkaanvraag.", extra={"max_lines": max_lines})
            yield line
        if not chunk:
            return


def dossier_uploads_accept_bulk(*, caller: Caller, lines: Iterable[bytes]) -> BulkResult:
    """Many uploads in one request: each line is checked on its own and answered on its own; the
    valid lines are written together, with one audit event naming them, once the stream was read:
    filed as they are accepted where they can be (``filing_inline``, with
    ``DOSIS_BULK_FILE_AT_ACCEPTANCE``), queued for the worker otherwise."""
    result = BulkResult()
    rows: list[Line] = []
    sources = source_ids_of(agency_id=caller.agency_id)
    for number, line in enumerate(lines, start=1):
        try:
            upload = dosis_upload_parse(line)
            _categories_check(caller=caller, upload=upload)
            source_id = sources.get(upload.Identificatie.Bron)
            if source_id is None:
                raise UnknownSource("Onbekende bron voor uw instantie.")
        except DosisValidationError as exc:
            result.lines.append({"Lijn": number, "Status": "FOUT", **exc.as_dosis()})
            result.refused += 1
            continue
        except (OrderRefused, UnknownSource) as exc:
            result.lines.append(
                {"Lijn": number, "Status": "FOUT", "code": exc.code, "message": exc.title, "description": exc.detail}
            )
            result.refused += 1
            continue
        upload_id = upload.UploadId or str(random_uuid())
        rows.append((source_id, upload, upload_id))
        result.lines.append({"Lijn": number, "Status": "OK", "UploadId": upload_id})
        result.accepted += 1
    if rows:
        if settings.DOSIS_BULK_FILE_AT_ACCEPTANCE:
            bulk_file_at_acceptance(caller=caller, lines=rows, refused=result.refused)
        else:
            sealers = Sealers()
            queue_uploads_write(
                caller=caller,
                rows=[
                    (source_id, QueuedUpload.of(upload=upload, caller=caller, sealers=sealers, upload_id=upload_id))
                    for source_id, upload, upload_id in rows
                ],
                refused=result.refused,
            )
        dosis_processing_kick()  # the queued ones, and the meldingen of what was filed
    return result
