"""The parts of the agency API, one class each: DOSIS, notifications, contact preferences, service
requests, payments, the agency itself, the audit trail."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from burgerprofiel_client import merkle
from burgerprofiel_client.errors import ProofError
from burgerprofiel_client.models.agency import ContactPerson, Me, OrderCheck
from burgerprofiel_client.models.audit import AuditEvent, ConsistencyProof, InclusionProof, TreeHead, WitnessedHead
from burgerprofiel_client.models.dosis import BulkAnswer, BulkResult, DossierUpload, UploadAccepted, UploadResult
from burgerprofiel_client.models.notifications import (
    BulkAccepted,
    Notification,
    NotificationAccepted,
    NotificationStatus,
    Receipt,
)
from burgerprofiel_client.models.payments import Payment, PaymentRequest, PaymentStatusName, Refund
from burgerprofiel_client.models.preferences import ContactPreferences
from burgerprofiel_client.models.service_requests import ServiceRequest, ServiceRequestPage
from burgerprofiel_client.ndjson import ndjson_chunks
from burgerprofiel_client.parsing import parse
from burgerprofiel_client.witness import WitnessReport, WitnessStore, witness

if TYPE_CHECKING:
    from burgerprofiel_client.client import AgencyClient


NDJSON = "application/x-ndjson"
# The platform's defaults: DOSIS_BULK_MAX_BODY_BYTES is 32 MiB and 10,000 lines; a smaller body
# costs less to send again when a connection drops.
DOSIS_BULK_MAX_BYTES = 8 * 1024 * 1024
DOSIS_BULK_MAX_LINES = 10_000
# Other API bodies are bounded by API_MAX_BODY_BYTES (1 MiB by default); a little room is kept.
API_MAX_BYTES = 1_000_000
NOTIFICATIONS_BULK_MAX_ITEMS = 10_000


def _chunk_key(base: str | None, index: int) -> str:
    """The ``Idempotency-Key`` of one request of a multi-request upload: stable per request, for retries."""
    return f"{base or uuid.uuid4()}-{index}"


class Dosis:
    """DOSIS: dossier statuses pushed by the agency (v2 upload), filed asynchronously; results and deletion."""

    def __init__(self, client: AgencyClient) -> None:
        self._client = client

    def upload(self, upload: DossierUpload, *, idempotency_key: str | None = None) -> UploadAccepted:
        """Upload one dossier status. Accepted is not yet filed: see :meth:`results_for_upload`."""
        return self._client.post(
            "/api/v2/dosis/dossiers", UploadAccepted, json=upload.wire(), idempotency_key=idempotency_key
        )

    def upload_bulk(
        self,
        uploads: Iterable[DossierUpload],
        *,
        max_bytes: int = DOSIS_BULK_MAX_BYTES,
        max_lines: int = DOSIS_BULK_MAX_LINES,
        idempotency_key: str | None = None,
    ) -> BulkResult:
        """Upload many statuses as NDJSON, read lazily from ``uploads`` and sent in as many requests as
        the limits need. Each line is answered on its own (``result.lines``, numbered over the whole
        stream); a refused line does not stop the others. Every request has its own Idempotency-Key
        (``{idempotency_key}-{n}`` when given), so a retried request never files its lines twice."""
        result = BulkResult()
        wires = (u.wire() for u in uploads)
        for index, chunk in enumerate(ndjson_chunks(wires, max_bytes=max_bytes, max_lines=max_lines)):
            response = self._client.request(
                "POST",
                "/api/v2/dosis/dossiers/bulk",
                content=chunk.body,
                content_type=NDJSON,
                idempotency_key=_chunk_key(idempotency_key, index),
            )
            answer = parse(BulkAnswer, response)
            result.accepted += answer.Aanvaard
            result.refused += answer.Geweigerd
            offset = chunk.first_line - 1
            result.lines.extend(line.model_copy(update={"Lijn": line.Lijn + offset}) for line in answer.Resultaten)
            result.requests += 1
        return result

    def results(self, *, bron: str, dossier_nummer: str) -> list[UploadResult]:
        """Every upload's processing result for one dossier."""
        return self._client.get(
            "/api/v1/dosis/resultaten", list[UploadResult], params={"bron": bron, "dossierNummer": dossier_nummer}
        )

    def results_for_upload(self, upload_id: str) -> list[UploadResult]:
        return self._client.get(
            "/api/v1/dosis/resultaten/perUploadId", list[UploadResult], params={"uploadId": upload_id}
        )

    def failures(self, *, bron: str) -> list[UploadResult]:
        """Uploads of ``bron`` that failed."""
        return self._client.get("/api/v1/dosis/resultaten/fouten", list[UploadResult], params={"bron": bron})

    def wait_for_results(
        self, upload_ids: Iterable[str], *, timeout: float = 30.0, interval: float = 0.25
    ) -> dict[str, UploadResult]:
        """Poll until every upload is processed; their results by UploadId. ``TimeoutError`` if not in time.

        One request per waiting upload per round: meant for a handful. After a large bulk upload, read
        :meth:`failures` of the source instead."""
        waiting = list(dict.fromkeys(upload_ids))
        done: dict[str, UploadResult] = {}
        deadline = time.monotonic() + timeout
        while True:
            for upload_id in list(waiting):
                found = [r for r in self.results_for_upload(upload_id) if not r.pending]
                if found:
                    done[upload_id] = found[-1]
                    waiting.remove(upload_id)
            if not waiting:
                return done
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{len(waiting)} upload(s) still waiting after {timeout} s")
            time.sleep(interval)

    def delete(self, *, bron: str, dossier_nummer: str) -> None:
        """Remove a dossier from the platform at once."""
        self._client.request("DELETE", "/api/v1/dosis/dossiers", params={"bron": bron, "dossierNummer": dossier_nummer})

    def sources(self) -> list[str]:
        """The DOSIS sources (``Bron`` URIs) registered for this agency."""
        return self._client.get("/api/v2/dosis/bronnen/uris", list[str])


class Notifications:
    """Meldingen: push one, a campaign, or many; their delivery status and signed receipts."""

    def __init__(self, client: AgencyClient) -> None:
        self._client = client
        self._jwks: dict[str, Any] | None = None

    def push(self, notification: Notification, *, idempotency_key: str | None = None) -> NotificationAccepted:
        return self._client.post(
            "/api/v1/notifications", NotificationAccepted, json=notification.wire(), idempotency_key=idempotency_key
        )

    def push_campaign(
        self,
        *,
        recipients: Sequence[str],
        message: str,
        ipdc_product: str,
        dossier_id: str | None = None,
        action_required: bool = False,
        action_url: str | None = None,
        responsible_org: str | None = None,
        max_items: int = NOTIFICATIONS_BULK_MAX_ITEMS,
        idempotency_key: str | None = None,
    ) -> BulkAccepted:
        """One message to many citizens (sent in requests of at most ``max_items`` recipients)."""
        common: dict[str, Any] = {"message": message, "ipdc_product": ipdc_product, "action_required": action_required}
        optional = {"dossier_id": dossier_id, "action_url": action_url, "responsible_org": responsible_org}
        common.update({k: v for k, v in optional.items() if v is not None})
        result = BulkAccepted()
        for index, start in enumerate(range(0, len(recipients), max_items)):
            body = {"recipients": list(recipients[start : start + max_items]), **common}
            self._add(
                result,
                self._client.post(
                    "/api/v1/notifications/bulk",
                    BulkAccepted,
                    json=body,
                    idempotency_key=_chunk_key(idempotency_key, index),
                ),
            )
        return result

    def push_bulk(
        self,
        notifications: Iterable[Notification],
        *,
        max_bytes: int = API_MAX_BYTES,
        max_items: int = NOTIFICATIONS_BULK_MAX_ITEMS,
        idempotency_key: str | None = None,
    ) -> BulkAccepted:
        """Many separate meldingen as NDJSON, in as many requests as the body limits need. One request is
        all or nothing; a stream cut over several requests is not (``result.requests`` says how many)."""
        result = BulkAccepted()
        wires = (n.wire() for n in notifications)
        for index, chunk in enumerate(ndjson_chunks(wires, max_bytes=max_bytes, max_lines=max_items)):
            response = self._client.request(
                "POST",
                "/api/v1/notifications/bulk",
                content=chunk.body,
                content_type=NDJSON,
                idempotency_key=_chunk_key(idempotency_key, index),
            )
            self._add(result, parse(BulkAccepted, response))
        return result

    @staticmethod
    def _add(total: BulkAccepted, part: BulkAccepted) -> None:
        total.count += part.count
        total.ids.extend(part.ids)
        total.requests += 1

    def status(self, notification_id: uuid.UUID | str) -> NotificationStatus:
        return self._client.get(f"/api/v1/notifications/{notification_id}", NotificationStatus)

    def receipts(self, *, after_id: int = 0, limit: int = 100) -> list[Receipt]:
        """Signed receipts of final delivery statuses, oldest first, after ``after_id``."""
        return self._client.get(
            "/api/v1/notifications/receipts", list[Receipt], params={"after_id": after_id, "limit": limit}
        )

    def iter_receipts(self, *, after_id: int = 0, page_size: int = 100) -> Iterator[Receipt]:
        """Every receipt after ``after_id``, page by page; remember the last ``id`` to resume."""
        while page := self.receipts(after_id=after_id, limit=page_size):
            yield from page
            after_id = page[-1].id

    def verify_receipt(self, receipt: Receipt) -> dict[str, Any]:
        """The claims of a receipt whose platform signature verifies (keys from ``/oauth/jwks``)."""
        for refreshed in (False, True):
            if self._jwks is None or refreshed:
                self._jwks = self._client.public_json("/oauth/jwks")
            try:
                token = jwt.decode(receipt.receipt, KeySet.import_key_set(self._jwks), algorithms=["ES256"])  # type: ignore[arg-type]
            except (JoseError, ValueError) as exc:
                if refreshed:
                    raise ProofError(f"receipt {receipt.id} does not verify: {exc}") from exc
                continue
            claims = dict(token.claims)
            if claims.get("notification_id") != str(receipt.notification_id) or claims.get("status") != receipt.status:
                raise ProofError(f"receipt {receipt.id} signs another notification or status")
            return claims
        raise ProofError(f"receipt {receipt.id} does not verify")  # pragma: no cover - the loop returns or raises


class Preferences:
    """Contactvoorkeuren: a citizen's verified addresses, IBAN and consents, as far as they concern us."""

    def __init__(self, client: AgencyClient) -> None:
        self._client = client

    def lookup(self, insz: str) -> ContactPreferences:
        """The citizen's preferences for us. The INSZ travels in the body of a POST, never in a URL
        (URLs end up in logs and proxies); the platform keeps no copy of the answer."""
        response = self._client.request("POST", "/api/v1/preferences/lookup", json={"insz": insz})
        return parse(ContactPreferences, response)


class ServiceRequests:
    """Requests citizens submitted to this agency (component aanvragen), oldest first, and the answer:
    the DOSIS dossier number the agency opened for one, which links the request to that dossier in the
    citizen's "Mijn dossiers". Another agency's request is ``NotFound``."""

    def __init__(self, client: AgencyClient) -> None:
        self._client = client

    def page(self, *, after: str | None = None, limit: int = 100) -> ServiceRequestPage:
        params: dict[str, Any] = {"limit": limit}
        if after:
            params["after"] = after
        return self._client.get("/api/v1/service-requests", ServiceRequestPage, params=params)

    def iter_all(self, *, after: str | None = None, page_size: int = 100) -> Iterator[ServiceRequest]:
        """Every request after ``after`` (a request id), page by page."""
        while True:
            page = self.page(after=after, limit=page_size)
            yield from page.service_requests
            if not page.has_more or not page.service_requests:
                return
            after = page.next

    def get(self, request_id: str) -> ServiceRequest:
        return self._client.get(f"/api/v1/service-requests/{request_id}", ServiceRequest)

    def answer_with_dossier(
        self, request_id: str, dossier_number: str, *, idempotency_key: str | None = None
    ) -> ServiceRequest:
        """Link the request to the agency's dossier (``Identificatie.DossierNummer``). The same number
        again changes nothing; another number is a ``Conflict``."""
        return self._client.post(
            f"/api/v1/service-requests/{request_id}/dossier",
            ServiceRequest,
            json={"dossier_number": dossier_number},
            idempotency_key=idempotency_key,
        )


class Payments:
    """Payment requests to citizens (component betalingen): make one, read its status, refund.

    The status changes when the citizen pays (``betaling.status_gewijzigd`` arrives as a webhook and in
    the event feed); :meth:`get` reads it at any time. Another agency's payment is ``NotFound``."""

    def __init__(self, client: AgencyClient) -> None:
        self._client = client

    def create(self, payment: PaymentRequest, *, idempotency_key: str | None = None) -> Payment:
        """Ask the citizen to pay; the answer has status ``created`` and the structured reference."""
        return self._client.post("/api/v1/payments", Payment, json=payment.wire(), idempotency_key=idempotency_key)

    def get(self, payment_id: uuid.UUID | str) -> Payment:
        return self._client.get(f"/api/v1/payments/{payment_id}", Payment)

    def list(self, *, status: PaymentStatusName | None = None, limit: int = 100, offset: int = 0) -> list[Payment]:
        """This agency's payment requests, newest first; ``status`` keeps only those in it."""
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if status is not None:
            params["status"] = status
        return self._client.get("/api/v1/payments", list[Payment], params=params)

    def iter_all(self, *, status: PaymentStatusName | None = None, page_size: int = 100) -> Iterator[Payment]:
        offset = 0
        while page := self.list(status=status, limit=page_size, offset=offset):
            yield from page
            if len(page) < page_size:
                return
            offset += len(page)

    def wait_for_final(self, payment_id: uuid.UUID | str, *, timeout: float = 60.0, interval: float = 0.5) -> Payment:
        """Poll until the payment is final (paid, failed or in error); ``TimeoutError`` if not in time.
        A webhook receiver needs no polling: :meth:`get` after ``betaling.status_gewijzigd``."""
        deadline = time.monotonic() + timeout
        while not (payment := self.get(payment_id)).final:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"payment {payment_id} is still {payment.status} after {timeout} s")
            time.sleep(interval)
        return payment

    def refund(
        self,
        payment_id: uuid.UUID | str,
        amount_cents: int,
        *,
        description: str | None = None,
        idempotency_key: str | None = None,
    ) -> Refund:
        """Pay (part of) a paid payment back; never more than was paid and not yet refunded (422)."""
        body: dict[str, Any] = {"amount_cents": amount_cents}
        if description:
            body["description"] = description
        return self._client.post(
            f"/api/v1/payments/{payment_id}/refunds", Refund, json=body, idempotency_key=idempotency_key
        )

    def reconciliation(self, day: dt.date) -> str:
        """The day's payments, refunds and fees as CSV (``;``-separated), for the agency's bookkeeping."""
        response = self._client.request("GET", "/api/v1/payments/reconciliation", params={"date": day.isoformat()})
        return response.text


class Agency:
    """The calling agency: who it is, what its processing order allows, its contact persons."""

    def __init__(self, client: AgencyClient) -> None:
        self._client = client

    def me(self) -> Me:
        return self._client.get("/api/v1/me", Me)

    def order_check(self, component: str, categories: Iterable[str] = ()) -> OrderCheck:
        """Ask beforehand whether the order allows ``component`` with ``categories``; ``Forbidden`` if not."""
        params: dict[str, Any] = {"component": component, "category": list(categories)}
        return self._client.get("/api/v1/me/order-check", OrderCheck, params=params)

    def contact_persons(self) -> list[ContactPerson]:
        return self._client.get("/api/v1/contact-persons", list[ContactPerson])


class Audit:
    """The agency's own audit events, and proofs (checked locally) that the log holds them unchanged."""

    def __init__(self, client: AgencyClient) -> None:
        self._client = client

    def events(self, *, after_id: int = 0, limit: int = 100) -> list[AuditEvent]:
        return self._client.get("/api/v1/audit/events", list[AuditEvent], params={"after_id": after_id, "limit": limit})

    def iter_events(self, *, after_id: int = 0, page_size: int = 500) -> Iterator[AuditEvent]:
        while page := self.events(after_id=after_id, limit=page_size):
            yield from page
            after_id = page[-1].id

    def tree_head(self) -> TreeHead:
        return self._client.get("/api/v1/audit/tree-heads/latest", TreeHead)

    def inclusion_proof(self, event_id: int, *, tree_size: int | None = None) -> InclusionProof:
        params = {"tree_size": tree_size} if tree_size is not None else None
        return self._client.get(f"/api/v1/audit/events/{event_id}/inclusion-proof", InclusionProof, params=params)

    def consistency_proof(self, first: int, second: int) -> ConsistencyProof:
        return self._client.get(
            "/api/v1/audit/consistency-proof", ConsistencyProof, params={"first": first, "second": second}
        )

    def jwks(self) -> dict[str, Any]:
        """Every key that ever signed a tree head (``/audit/jwks``)."""
        keys: dict[str, Any] = self._client.public_json("/audit/jwks")
        return keys

    def verify_inclusion(self, event_id: int, *, tree_size: int | None = None) -> InclusionProof:
        """Fetch the inclusion proof of one of our events and check it: the Merkle path leads to the root,
        and the platform signed that root. ``ProofError`` otherwise."""
        proof = self.inclusion_proof(event_id, tree_size=tree_size)
        if not proof.verify():
            raise ProofError(f"the inclusion proof of event {event_id} does not lead to the signed root")
        merkle.verify_tree_head(
            proof.signed_tree_head, jwks=self.jwks(), tree_size=proof.tree_size, root_hash=proof.root_hash
        )
        return proof

    def verify_consistency(self, first: int, second: int, *, first_root: str | None = None) -> ConsistencyProof:
        """Fetch and check a consistency proof between two tree sizes, and both tree heads' signatures.

        Pass the root you kept of the first tree as ``first_root``: then the proof shows that the log
        you see now extends the very log you saw then, not merely one the platform says it had."""
        proof = self.consistency_proof(first, second)
        if first_root is not None and proof.first.root_hash != first_root:
            raise ProofError(f"the platform names another root for tree size {first} than the one kept")
        if not proof.verify():
            raise ProofError(f"the tree of size {second} is not an extension of the tree of size {first}")
        jwks = self.jwks()
        for ref in (proof.first, proof.second):
            merkle.verify_tree_head(ref.signed_tree_head, jwks=jwks, tree_size=ref.tree_size, root_hash=ref.root_hash)
        return proof

    def report_head(self, signed_tree_head: str) -> WitnessedHead:
        """Tell the platform we have seen this signed tree head (we keep our own copy: a witness)."""
        return self._client.post(
            "/api/v1/audit/witness/heads", WitnessedHead, json={"signed_tree_head": signed_tree_head}
        )

    def witnessed_heads(self, *, after_size: int = 0, limit: int = 100) -> list[WitnessedHead]:
        """The heads we reported, each with a consistency proof to the latest head (check it against your
        own copy of the root, as :func:`~burgerprofiel_client.witness.witness` does)."""
        return self._client.get(
            "/api/v1/audit/witness/heads", list[WitnessedHead], params={"after_size": after_size, "limit": limit}
        )

    def witness(self, store: WitnessStore, *, jwks: Mapping[str, Any] | None = None) -> WitnessReport:
        """One round of witnessing: see :func:`burgerprofiel_client.witness.witness`."""
        return witness(self, store, jwks=jwks)
