"""The worker side of webhooks: claim due deliveries in batches, send them over one client, record.

Design note (issue 12; DESIGN "tasks"). The delivery rows are the queue: a worker leases a batch
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers on many machines never take the same row;
SQLite serialises writers), sends it over one HTTP client, a few at a time, and records each
outcome. A delivery is claimable only when no earlier event of the same object is still open
(pending or retrying) for the same endpoint: the per-object order holds even while the first one
is retrying for hours. Dead letters do not block (one bad event must not stop an object forever);
a replayed dead letter arrives after later ones, and its sequence number says so.

Outcomes: 2xx is delivered. 4xx is final at once (never retried: the receiver refused this
message), and so is 3xx (redirects are not followed: the guard checked the registered address
only); 410 Gone also disables the endpoint. Network errors, timeouts, 5xx and a refusal by the
SSRF guard (the name may resolve elsewhere again) are retried with exponential backoff and jitter
until the delivery's retry window (at least 24 hours) has passed, then dead-lettered.

Delivery is at least once: a worker that dies after sending and before recording leaves its lease
to run out, and the delivery is sent again with the same ``webhook-id``.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import random
import socket
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from burgerprofiel.agencies.order_check import OrderRefused, order_check
from burgerprofiel.audit.actors import SYSTEM, Actor
from burgerprofiel.common.outbound import UnsafeAddress, UnsafeUrl, guarded_client, url_check
from burgerprofiel.webhooks.events import FAMILY_COMPONENTS
from burgerprofiel.webhooks.models import OPEN_STATUSES, Delivery, DeliveryStatus
from burgerprofiel.webhooks.services import webhook_delivery_dead_letter, webhook_endpoint_disable
from burgerprofiel.webhooks.signing import headers_signed

log = logging.getLogger(__name__)

RESPONSE_READ_LIMIT = 64 * 1024  # what is read of an answer (then the connection is dropped)
USER_AGENT = "Burgerprofiel-Webhooks/1.0"


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: base × 2^(attempts-1), capped, then a random
    part of it dropped (jitter), so that many deliveries failing together do not return together."""
    ceiling = min(settings.WEBHOOKS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), settings.WEBHOOKS_RETRY_MAX_SECONDS)
    return dt.timedelta(seconds=ceiling * random.uniform(0.5, 1.0))  # noqa: S311 - timing, not secrecy


def lease_length(batch: int) -> dt.timedelta:
    """Long enough for the batch's slowest case (every send taking the whole timeout, a few at a
    time), so that no other worker takes a row this one is still sending."""
    rounds = math.ceil(batch / max(settings.WEBHOOKS_CONCURRENCY, 1))
    worst = rounds * settings.WEBHOOKS_TIMEOUT_SECONDS * 2 + 30  # connect and answer may each take the timeout
    return dt.timedelta(seconds=max(settings.WEBHOOKS_LEASE_SECONDS, worst))


def deliveries_claim(*, worker: str, limit: int, now: dt.datetime | None = None) -> list[Delivery]:
    """Lease up to ``limit`` due deliveries, none of which waits for an earlier one of its object."""
    now = now or timezone.now()
    earlier_open = Delivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        object_key=OuterRef("object_key"),
        sequence__lt=OuterRef("sequence"),
        status__in=OPEN_STATUSES,
    )
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .exclude(Exists(earlier_open))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids).update(lease_until=now + lease_length(len(ids)), leased_by=worker)
    return list(
        Delivery.objects.filter(pk__in=ids, leased_by=worker)
        .select_related("event__agency", "endpoint__agency")
        .order_by("next_attempt_at", "pk")
    )


@dataclass
class Attempt:
    delivery: Delivery
    at: dt.datetime
    status_code: int | None = None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def final(self) -> bool:
        """Not worth retrying: the receiver answered, and not with a server error."""
        return self.status_code is not None and 300 <= self.status_code < 500


def delivery_send(client: httpx.Client, delivery: Delivery) -> Attempt:
    """One attempt, signed now; touches no database (runs in the batch's threads)."""
    endpoint, event = delivery.endpoint, delivery.event
    at = timezone.now()
    body = event.body
    if not body:  # the agency's data key was destroyed: the event can never be read again
        return Attempt(delivery, at, status_code=None, error="unreadable: data key destroyed")
    secrets = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and at < endpoint.previous_secret_until:
        secrets.append(endpoint.previous_secret)
    headers = headers_signed(msg_id=str(event.event_id), body=body, signing_secrets=secrets, at=at)
    headers.update({"content-type": "application/json", "user-agent": USER_AGENT})
    try:
        if endpoint.url.startswith("http://"):  # plain http only where every address is allowlisted, now too
            url_check(endpoint.url, https_required=True)
        with client.stream("POST", endpoint.url, content=body.encode(), headers=headers) as response:
            read, deadline = 0, time.monotonic() + settings.WEBHOOKS_TIMEOUT_SECONDS
            for chunk in response.iter_raw():  # the answer's body is not needed: a little is read, then dropped
                read += len(chunk)
                if read > RESPONSE_READ_LIMIT or time.monotonic() > deadline:
                    break
            return Attempt(delivery, at, status_code=response.status_code, error=f"http {response.status_code}")
    except (UnsafeAddress, UnsafeUrl):
        return Attempt(delivery, at, error="unsafe-url: address refused by the SSRF guard")
    except httpx.TimeoutException:
        return Attempt(delivery, at, error="timeout")
    except httpx.HTTPError as exc:
        return Attempt(delivery, at, error=f"network: {type(exc).__name__}")


def _record(attempts: list[Attempt], worker: str) -> dict[str, int]:
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    mine = Delivery.objects.filter(leased_by=worker, status__in=OPEN_STATUSES)
    delivered: dict[int | None, list[int]] = defaultdict(list)
    for attempt in attempts:
        if attempt.delivered:
            delivered[attempt.status_code].append(attempt.delivery.pk)
    now = timezone.now()
    for status_code, ids in delivered.items():
        counts["delivered"] += mine.filter(pk__in=ids).update(
            status=DeliveryStatus.DELIVERED,
            delivered_at=now,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            last_status_code=status_code,
            last_error="",
            lease_until=None,
        )
    for attempt in attempts:
        if attempt.delivered:
            continue
        delivery = attempt.delivery
        count = delivery.attempts + 1
        if not mine.filter(pk=delivery.pk).update(
            attempts=count, last_attempt_at=attempt.at, last_status_code=attempt.status_code, last_error=attempt.error
        ):
            continue  # no longer ours (the lease ran out and another worker took it), or cancelled meanwhile
        delivery.attempts = count
        if attempt.final or attempt.error.startswith("unreadable") or attempt.at >= delivery.retry_until:
            reason = attempt.error if attempt.final else f"retries exhausted: {attempt.error}"
            webhook_delivery_dead_letter(
                delivery=delivery, reason=reason, status_code=attempt.status_code, actor=SYSTEM, now=now
            )
            if attempt.status_code == 410:
                webhook_endpoint_disable(endpoint_id=delivery.endpoint_id, reason="410 Gone", actor=SYSTEM)
            counts["failed"] += 1
            continue
        next_at = min(attempt.at + backoff(count), delivery.retry_until)  # the last try at the window's end
        mine.filter(pk=delivery.pk).update(status=DeliveryStatus.RETRYING, next_attempt_at=next_at, lease_until=None)
        counts["retry"] += 1
    return counts


def _orders_allowing(batch: list[Delivery]) -> tuple[list[Delivery], list[Attempt]]:
    """The deliveries the agency's order allows sending now, and an unsent attempt for each other.

    Sending an agency its events is processing under its order like any call (charter 2.3): while
    the order is suspended, or no longer orders the event's component, nothing goes out; the
    delivery waits as a retry (and is dead-lettered if the order stays shut past its window). One
    order check per agency and component and batch, audited when it refuses. The processor's own
    notices (no component) are the processor's duty to the agency and go out whatever the order's
    state.
    """
    verdicts: dict[tuple[int, str], str] = {}
    allowed: list[Delivery] = []
    held: list[Attempt] = []
    at = timezone.now()
    for delivery in batch:
        agency_id = delivery.event.agency_id
        component = FAMILY_COMPONENTS[delivery.event.type.partition(".")[0]]
        if component is None:
            allowed.append(delivery)
            continue
        if (agency_id, component) not in verdicts:
            actor = Actor(kind="system", id="webhooks", agency_id=agency_id)
            try:
                order_check(actor=actor, agency_id=agency_id, component=component)
                verdicts[agency_id, component] = ""
            except OrderRefused as refused:
                verdicts[agency_id, component] = refused.reason
        refusal = verdicts[agency_id, component]
        if refusal:
            held.append(Attempt(delivery, at, error=f"order-refused: {refusal}"))
        else:
            allowed.append(delivery)
    return allowed, held


def _send_batch(client: httpx.Client, batch: list[Delivery], executor: ThreadPoolExecutor) -> list[Attempt]:
    allowed, held = _orders_allowing(batch)
    return held + list(executor.map(lambda delivery: delivery_send(client, delivery), allowed))


def webhook_deliveries_dispatch(
    *, max_batches: int = 1000, worker: str | None = None, client: httpx.Client | None = None
) -> dict[str, int]:
    """Send everything due, batch by batch over one client; safe to run in many workers at once."""
    worker = worker or worker_id()
    totals = {"delivered": 0, "retry": 0, "failed": 0}
    own_client = client is None
    http = client or guarded_client(
        timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
        limits=httpx.Limits(max_connections=settings.WEBHOOKS_CONCURRENCY * 2),
    )
    try:
        with ThreadPoolExecutor(max_workers=max(settings.WEBHOOKS_CONCURRENCY, 1)) as executor:
            for _ in range(max_batches):
                batch = deliveries_claim(worker=worker, limit=settings.WEBHOOKS_BATCH_SIZE)
                if not batch:
                    break
                for key, value in _record(_send_batch(http, batch, executor), worker).items():
                    totals[key] += value
    finally:
        if own_client:
            http.close()
    if totals["failed"] or totals["retry"]:
        log.info("webhook deliveries", extra=totals)
    return totals
