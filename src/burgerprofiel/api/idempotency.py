"""``Idempotency-Key`` on POST as a service: claim, complete, replay, release, purge.

Design note (DESIGN rule 4, draft-ietf-httpapi-idempotency-key-header): a POST that carries a key
claims it (a record) before the operation runs; the operation and its kept answer commit together
(``IdempotencyMiddleware`` wraps both in one transaction), so a crash leaves neither and a retry
runs the operation once, never twice. A retry within ``IDEMPOTENCY_TTL_HOURS`` gets the first
answer again without anything being done; the same key with another request is refused (422); a
retry while the first still runs gets 409. The kept answer may hold personal data (a contact
person, say): it is encrypted with the agency's data key.

A replay is an access like any other: it passes the order check for the component and data
categories the first request was checked for, which the record keeps (charter 2.3, issue 11 item 7:
a component removed from the order is not served from the cache), and it is audited.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from burgerprofiel.agencies.models import ApiClient
from burgerprofiel.agencies.order_check import order_check
from burgerprofiel.agencies.selectors import client_data_key_id
from burgerprofiel.api.auth import scope_check
from burgerprofiel.api.models import IdempotencyRecord
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import ApplicationError, Conflict
from burgerprofiel.crypto.fields import decrypt_bytes, encrypt_bytes
from burgerprofiel.crypto.services import KeyUnavailable
from burgerprofiel.oauth.services import AgencyPrincipal

IDEMPOTENCY_KEY_MAX_LENGTH = 200
# An Idempotency-Key is a structured-field string: printable ASCII (draft-ietf-httpapi-idempotency-key-header).
_IDEMPOTENCY_KEY = re.compile(rf"^[\x20-\x7e]{{1,{IDEMPOTENCY_KEY_MAX_LENGTH}}}$")
# A claim whose request never finished (the process died) stops blocking retries after this long.
IDEMPOTENCY_CLAIM_TIMEOUT = timedelta(minutes=5)


class InvalidIdempotencyKey(ApplicationError):
    code = "invalid-idempotency-key"
    status = 400
    title = "Ongeldige Idempotency-Key"


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency-key-reused"
    status = 422
    title = "Idempotency-Key hergebruikt"


class IdempotencyInProgress(Conflict):
    code = "idempotency-in-progress"
    title = "Aanvraag nog bezig"


class IdempotencyRecordGone(ApplicationError):
    code = "idempotency-record-gone"
    status = 410
    title = "Antwoord niet meer beschikbaar"


@dataclass(frozen=True)
class KeptAnswer:
    status_code: int
    content_type: str
    body: bytes


def idempotency_key_check(key: str) -> None:
    if not _IDEMPOTENCY_KEY.match(key):
        raise InvalidIdempotencyKey(
            f"Een Idempotency-Key telt 1 tot {IDEMPOTENCY_KEY_MAX_LENGTH} afdrukbare ASCII-tekens."
        )


def request_digest(*, method: str, full_path: str, body: bytes) -> str:
    """What makes two requests "the same" for an Idempotency-Key: method, path with query, and body."""
    return hashlib.sha256(b"\n".join([method.encode(), full_path.encode(), body])).hexdigest()


def idempotency_claim(*, client_id: str, key: str, method: str, path: str, digest: str) -> IdempotencyRecord:
    """Claim the key: a new record (``status_code`` None) to act under, or the finished record to
    replay. Raises ``IdempotencyKeyReused`` (another request) or ``IdempotencyInProgress``.

    A claim of an act that commits in chunks and was interrupted after some (``progress``) is not
    dropped: the retry claims it again (at once when the first ended with an error, ``resumable``;
    after ``IDEMPOTENCY_CLAIM_TIMEOUT`` when its process died) and continues where it stopped."""
    now = timezone.now()
    expired = Q(created_at__lt=now - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS))
    abandoned = Q(status_code__isnull=True, created_at__lt=now - IDEMPOTENCY_CLAIM_TIMEOUT)
    IdempotencyRecord.objects.filter(
        expired | (abandoned & Q(progress__isnull=True)), client_id=client_id, key=key
    ).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                client_id=client_id, key=key, method=method, path=path[:500], request_hash=digest
            )
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(client_id=client_id, key=key).first()
    if existing is None:  # the other claim was released in between: claim again
        return idempotency_claim(client_id=client_id, key=key, method=method, path=path, digest=digest)
    if existing.request_hash != digest:
        raise IdempotencyKeyReused("Deze Idempotency-Key werd al gebruikt voor een andere aanvraag.")
    if existing.status_code is None and existing.progress is not None:
        stale = existing.resumable or existing.created_at < now - IDEMPOTENCY_CLAIM_TIMEOUT
        # One retry takes the interrupted claim over (the filter on what it read: two retries at once, one wins).
        if stale and IdempotencyRecord.objects.filter(
            pk=existing.pk, status_code__isnull=True, resumable=existing.resumable, created_at=existing.created_at
        ).update(resumable=False, created_at=now):
            existing.resumable, existing.created_at = False, now
            return existing
    if existing.status_code is None:
        raise IdempotencyInProgress(
            "Een aanvraag met deze Idempotency-Key wordt nog verwerkt; probeer zo meteen opnieuw."
        )
    return existing


def idempotency_complete(
    *,
    record: IdempotencyRecord,
    client: ApiClient,
    answer: KeptAnswer,
    component: str | None,
    categories: Iterable[str],
) -> None:
    """Keep the answer (encrypted with the agency's key) and what the order check allowed; call it
    inside the transaction of the act, so that both commit or neither does."""
    sealed = encrypt_bytes(answer.body, key_id=client_data_key_id(client), context=_body_context(record))
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=answer.status_code,
        content_type=answer.content_type,
        body=sealed.encode(),
        component=component or "",
        categories=sorted(set(categories)),
        completed_at=timezone.now(),
    )


def _body_context(record: IdempotencyRecord) -> str:
    """The kept answer is bound to its own record: moved to another record, it does not decrypt."""
    return f"{IdempotencyRecord._meta.db_table}.body:{record.pk}"


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Free the key of an act that did not happen (it rolled back, or failed with a 5xx): a retry runs
    it. An act that commits in chunks and stored some keeps its claim, marked for a retry to resume."""
    IdempotencyRecord.objects.filter(pk=record.pk, progress__isnull=True).delete()
    IdempotencyRecord.objects.filter(pk=record.pk, progress__isnull=False).update(resumable=True)


class RecordProgress:
    """``notifications.services.BulkProgress`` on an idempotency record: what a chunked act stored so
    far, kept in the record in each chunk's transaction."""

    def __init__(self, record: IdempotencyRecord) -> None:
        self._record = record

    def stored(self) -> tuple[str | None, list[str]]:
        kept = self._record.progress or {}
        return kept.get("batch"), list(kept.get("ids", []))

    def keep(self, *, batch_id: str, ids: list[str]) -> None:
        self._record.progress = {"batch": batch_id, "ids": ids}
        IdempotencyRecord.objects.filter(pk=self._record.pk).update(progress=self._record.progress)


def idempotency_replay(*, record: IdempotencyRecord, principal: AgencyPrincipal) -> KeptAnswer:
    """The first answer again, while the order still allows what the first request did (else
    ``OrderRefused``, audited by the order check) and this token's scope covers it; the replay
    itself is audited too."""
    version = order_check(
        actor=principal.actor,
        agency_id=principal.agency_id,
        component=record.component or None,
        categories=record.categories or (),
        latest=principal.latest_order_versions,
    )
    scope_check(principal, record.component or None)
    try:
        body = decrypt_bytes(bytes(record.body or b"").decode(), context=_body_context(record))
    except (KeyUnavailable, ValueError):
        raise IdempotencyRecordGone("Het eerste antwoord op deze aanvraag kan niet meer gelezen worden.") from None
    audit_record(
        actor=principal.actor_under(version),
        action=AuditAction.API_IDEMPOTENT_REPLAY,
        target=record,
        detail={"path": record.path, "status": record.status_code},
    )
    return KeptAnswer(status_code=record.status_code or 200, content_type=record.content_type, body=body)


def idempotency_records_purge() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
