"""Filing a bulk request's uploads as it accepts them: what is answered is filed.

Design note (issue 14). Queued, a bulk upload cost the machine its acceptance (the payload sealed
and written to the queue) and then, in the worker, a claim, the payload read back and decrypted,
its filing and an UPDATE of the queue row: the worker fell behind what the API accepted, and a
parent waited for the worker. A bulk request holds hundreds of uploads, enough to file them
set-based (``filing_batch``) inside its own transaction, at the cost of a handful of statements
per request. So the request files its lines as it accepts them, by the same plan, with the same
sealing and the same evidence as the worker; each upload's row is written once, already done
with its outcome, and no payload is queued (DESIGN rule 4 still holds: the answer comes after
the commit of everything, filed or queued).

The queue stays for what is not the common case; those lines are queued exactly as before and
the worker files them with its careful path where needed:

- a dossier that already has uploads in the queue (an earlier single upload, or a line of an
  earlier request that was queued): filing this one now would overtake them, so it waits its turn;
- the order no longer allows processing (suspended while the request was read): the worker answers
  them failed, with the reason and its audit event, as for any upload accepted before a suspension;
- anything that stops the set-based filing (another request or worker created one of the batch's
  new dossiers a moment ago, a deadlock): rolled back to the savepoint, the whole request is queued.

A citizen's restriction of the agency (GDPR art. 18) is checked for every line before any is
accepted (``api.routers.dosis_v2``), as before. On SQLite (the embedded default, one writer) the
rows are written queued first and the filing marks them done, as the worker would.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.utils import timezone

from burgerprofiel.agencies.models import Agency
from burgerprofiel.agencies.order_check import OrderRefused, order_check
from burgerprofiel.common.copy import next_ids
from burgerprofiel.common.randomness import random_uuid
from burgerprofiel.crypto.fields import Sealers
from burgerprofiel.dossiers.models import DossierUpload
from burgerprofiel.dossiers.schemas import DossierUploadIn
from burgerprofiel.dossiers.services.caller import COMPONENT, Caller
from burgerprofiel.dossiers.services.filing_batch import BatchConflict, batch_file
from burgerprofiel.dossiers.services.filing_parts import Claimed, DosisProcessingError, FilingValues, filing_values
from burgerprofiel.dossiers.services.queue import (
    QueuedUpload,
    queue_accepted_append,
    queue_rows_copy,
    queue_uploads_write,
)

log = logging.getLogger(__name__)

# One accepted line: (source id, the validated upload, its UploadId as answered).
Line = tuple[int, DossierUploadIn, str]


def bulk_file_at_acceptance(*, caller: Caller, lines: list[Line], refused: int) -> dict[int, str]:
    """Write the accepted ``lines`` of one bulk request, filed where they can be (see the design
    note), queued otherwise, with the request's acceptance event, in one transaction. Returns the
    outcome of each filed upload by its row id (the queued ones are not in it)."""
    waiting = _keys_queued({(source_id, upload.Identificatie.DossierNummer) for source_id, upload, _ in lines})
    if connection.vendor != "postgresql":
        return _file_after_queueing(caller=caller, lines=lines, refused=refused, waiting=waiting)
    now = timezone.now()
    with transaction.atomic():
        ids = next_ids(DossierUpload, len(lines))
        queue_accepted_append(caller=caller, ids=ids, refused=refused)
        candidates = [(pk, source_id, upload) for pk, (source_id, upload, _) in zip(ids, lines, strict=True)]
        outcomes = _file(caller=caller, candidates=candidates, waiting=waiting, finish=False)
        sealers = Sealers()
        queue_rows_copy(
            caller=caller,
            rows=[
                (
                    pk,
                    source_id,
                    _filed(upload, upload_id)
                    if pk in outcomes
                    else QueuedUpload.of(upload=upload, caller=caller, sealers=sealers, upload_id=upload_id),
                    outcomes.get(pk),
                )
                for pk, (source_id, upload, upload_id) in zip(ids, lines, strict=True)
            ],
            now=now,
        )
    return outcomes


def _filed(upload: DossierUploadIn, upload_id: str) -> QueuedUpload:
    """The row of an upload filed already: its identification, no payload to keep."""
    return QueuedUpload(
        dossier_number=upload.Identificatie.DossierNummer, upload_id=upload_id, payload="", seal_id=random_uuid()
    )


def _file_after_queueing(
    *, caller: Caller, lines: list[Line], refused: int, waiting: set[tuple[int, str]]
) -> dict[int, str]:
    """SQLite: the rows queued as before (``queue_uploads_write``), then filed and marked done."""
    sealers = Sealers()
    with transaction.atomic():
        ids = queue_uploads_write(
            caller=caller,
            rows=[
                (source_id, QueuedUpload.of(upload=upload, caller=caller, sealers=sealers, upload_id=upload_id))
                for source_id, upload, upload_id in lines
            ],
            refused=refused,
        )
        candidates = [(pk, source_id, upload) for pk, (source_id, upload, _) in zip(ids, lines, strict=True)]
        return _file(caller=caller, candidates=candidates, waiting=waiting, finish=True)


def _keys_queued(keys: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """The dossiers (source id, number) among ``keys`` that have uploads waiting in the queue."""
    if not keys:
        return set()
    if connection.vendor == "postgresql":
        # The request's keys joined to the pending rows (the queue's partial index, or the dossier
        # index): one probe per key. The ORM's two IN lists were a scan of the table, 0.1 s a request.
        sources, numbers = zip(*keys, strict=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT u.source_id, u.dossier_number FROM {DossierUpload._meta.db_table} u "  # noqa: S608
                "JOIN unnest(%s::bigint[], %s::text[]) AS k(source_id, number) "
                "ON u.source_id = k.source_id AND u.dossier_number = k.number WHERE u.state = %s",
                [list(sources), list(numbers), DossierUpload.State.PENDING.value],
            )
            return {(source_id, number) for source_id, number in cursor.fetchall()}
    found = DossierUpload.objects.filter(
        state=DossierUpload.State.PENDING,
        source_id__in={source_id for source_id, _ in keys},
        dossier_number__in={number for _, number in keys},
    ).values_list("source_id", "dossier_number")
    return set(found) & keys


def _file(
    *,
    caller: Caller,
    candidates: list[tuple[int, int, DossierUploadIn]],
    waiting: set[tuple[int, str]],
    finish: bool,
) -> dict[int, str]:
    """File what can be filed now, set-based, in a savepoint; the outcomes by upload row id, or
    nothing filed at all ({}) when the savepoint had to be rolled back."""
    readable: list[tuple[Claimed, FilingValues]] = []
    for pk, source_id, upload in candidates:
        claimed = Claimed(
            pk=pk,
            agency_id=caller.agency_id,
            source_id=source_id,
            dossier_number=upload.Identificatie.DossierNummer,
            client_id=caller.client_id,
            order_version_id=caller.order_version.pk,
            payload=upload.model_dump(mode="json"),  # the document the queue would have sealed
        )
        if claimed.key in waiting:
            continue
        try:
            readable.append((claimed, filing_values(claimed)))
        except DosisProcessingError:  # not expected of a validated upload; the worker answers it with the reason
            waiting.add(claimed.key)
    readable = [(claimed, values) for claimed, values in readable if claimed.key not in waiting]
    if not readable:
        return {}
    try:
        with transaction.atomic():
            # Filing is processing: the order is checked again, in the transaction that files (charter 2.3).
            order_check(actor=caller.actor, agency_id=caller.agency_id, component=COMPONENT)
            agencies = Agency.objects.in_bulk([caller.agency_id])
            return batch_file(readable, agencies=agencies, finish=finish)
    except (OrderRefused, BatchConflict):
        return {}
    except Exception:  # rolled back to the savepoint: the worker files them, carefully where it must
        log.exception("DOSIS bulk filing at acceptance fell back to the queue for %s uploads", len(readable))
        return {}
