"""The worker side: claim due deliveries in batches, send each once, record the outcome.

Design note ("each send carries a unique id so that a retry after a crash never delivers a second
copy"). A batch is *leased* (``lease_until``/``leased_by``; ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL) without changing its status, so a worker killed while holding a lease loses nothing:
the lease runs out and another worker takes the rows. Just before a message goes on the wire its
row is committed as ``sending``; just after, as its outcome. A row found in ``sending`` later is
the one message a crash interrupted between those two commits: the server may or may not have it,
so the sweeper never sends it again but ends it as ``technical-failure`` (as GOV.UK Notify does).
Only a refusal that proves nothing was handed over (connection refused, an SMTP 4xx, SMPP
throttling) becomes ``temporary-failure`` and is retried, every NOTIFICATIONS_RETRY_SECONDS, until
NOTIFICATIONS_MAX_ATTEMPTS, then ``technical-failure``. The Delivery UUID is the e-mail's
Message-ID, so a receiving system can also see that two copies (if ever) are one message.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import get_urlconf, reverse
from django.utils import timezone
from django.utils.html import escape

from burgerprofiel.agencies.models import Agency
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.queries import fetchall_prepared
from burgerprofiel.crypto import pins
from burgerprofiel.crypto.models import DataKey, SigningKey
from burgerprofiel.crypto.services import PRIME_COLUMNS, data_key_select, data_keys_prime
from burgerprofiel.crypto.signing import jwt_signer, sign_jwt
from burgerprofiel.notifications.models import (
    FINAL_STATUSES,
    Delivery,
    DeliveryReceipt,
    DeliveryStatus,
    Notification,
)
from burgerprofiel.notifications.senders import (
    ConnectionLost,
    PermanentFailure,
    SmppSender,
    SmtpSender,
    TemporaryFailure,
    mail_envelope_from,
    mail_from,
)
from burgerprofiel.preferences.models import Channel
from burgerprofiel.preferences.services import unsubscribe_token

log = logging.getLogger(__name__)

DUE_STATUSES = (DeliveryStatus.CREATED, DeliveryStatus.TEMPORARY_FAILURE)
RECEIPT_TYP = "delivery-receipt+jwt"


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def _public(path: str) -> str:
    return settings.PUBLIC_URL.rstrip("/") + path


def deliveries_claim(
    *, channel: str, worker: str, limit: int, retries_due_by: dt.datetime | None = None
) -> list[Delivery]:
    """Lease up to ``limit`` due rows: new ones, and retries due by ``retries_due_by`` (default: now).
    Each comes with its citizen and its melding's agency: sending needs the address (the citizen's
    key) and the agency's name, nothing else sealed. The rest is not read, so not decrypted (it was
    four decryptions per message, and INSZ and message text in the worker's memory for nothing)."""
    lease_start = timezone.now()
    retries_due_by = retries_due_by or lease_start
    lease_until = lease_start + dt.timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)
    if db_connection.vendor == "postgresql":
        return _claim_statement(channel, worker, limit, lease_start, retries_due_by, lease_until)
    ids = _claim_orm(channel, worker, limit, lease_start, retries_due_by, lease_until)
    if not ids:
        return []
    return list(
        Delivery.objects.filter(pk__in=ids, leased_by=worker)
        .select_related("citizen", "notification__agency")
        .defer(*(f"{relation}__{name}" for relation, names in _NOT_FOR_SENDING.items() for name in names))
        .order_by("next_attempt_at")
    )


# What sending does not read, per related row: left deferred (and so never decrypted).
_NOT_FOR_SENDING = {
    "citizen": ("insz",),
    "notification": ("message",),
    "notification__agency": ("dpo_name", "dpo_email"),
}


@dataclass(frozen=True)
class _ReadPart:
    """One model's columns in the claim statement's rows: the fields read (in the model's order,
    the deferred ones left out) and each one's converters, as the ORM applies them."""

    model: type[Any]
    fields: tuple[Any, ...]
    attnames: tuple[str, ...]
    converters: tuple[tuple[Callable[..., Any], ...], ...]
    expressions: tuple[Any, ...]


@functools.cache
def _claim_plan() -> tuple[str, tuple[_ReadPart, ...]]:
    """PostgreSQL: the lease and the read of what sending needs as one statement (built once per
    process, run prepared): its SQL and how its rows become instances.

    Design note. Under a steady load a drain thread claims a few rows per poll, and the ORM read
    after the lease (its SQL built anew, four tables joined and planned anew) cost more than
    sending them. Here the UPDATE's RETURNING rows are joined to the citizen, the melding and its
    agency in the same statement; the instances are made as the ORM makes them (``from_db``, the
    fields' converters, so encrypted values are decrypted with their row by ``post_init``) and
    tied together as ``select_related`` ties them. A test compares them with the ORM's. The
    citizen's data key comes along and is cached before the instances are made
    (``data_keys_prime``): decrypting the address looked each key up with a query of its own, one
    per message to a citizen the worker had not written to within DATA_KEY_CACHE_SECONDS."""
    quote = db_connection.ops.quote_name
    table = Delivery._meta.db_table
    parts = []
    selects = []
    for alias, model, deferred in (
        ("claimed", Delivery, ()),
        ("c", Citizen, _NOT_FOR_SENDING["citizen"]),
        ("n", Notification, _NOT_FOR_SENDING["notification"]),
        ("a", Agency, _NOT_FOR_SENDING["notification__agency"]),
    ):
        fields = tuple(f for f in model._meta.concrete_fields if f.name not in deferred)
        expressions = tuple(f.get_col(alias) for f in fields)
        converters = tuple(
            tuple(db_connection.ops.get_db_converters(e) + e.get_db_converters(db_connection)) for e in expressions
        )
        parts.append(_ReadPart(model, fields, tuple(f.attname for f in fields), converters, expressions))
        selects += [f"{alias}.{quote(f.column)}" for f in fields]
    # The citizen's data key as the key cache keeps it (``data_keys_prime``): the address decrypts
    # without a lookup of its own.
    selects.append(data_key_select("k"))
    returning = ", ".join(quote(f.column) for f in parts[0].fields)
    sql = (
        f"WITH claimed AS (UPDATE {table} SET lease_until = %s, leased_by = %s WHERE id IN ("  # noqa: S608 - the models' tables and columns
        f"SELECT id FROM {table} WHERE channel = %s "
        "AND ((status = %s AND next_attempt_at <= %s) OR (status = %s AND next_attempt_at <= %s)) "
        "AND (lease_until IS NULL OR lease_until < %s) "
        f"ORDER BY next_attempt_at LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING {returning}) "
        f"SELECT {', '.join(selects)} FROM claimed "
        f"JOIN {quote(Citizen._meta.db_table)} c ON c.id = claimed.citizen_id "
        f"LEFT JOIN {quote(DataKey._meta.db_table)} k ON k.id = c.data_key_id "
        f"LEFT JOIN {quote(Notification._meta.db_table)} n ON n.id = claimed.notification_id "
        f"LEFT JOIN {quote(Agency._meta.db_table)} a ON a.id = n.agency_id "
        "ORDER BY claimed.next_attempt_at"
    )
    return sql, tuple(parts)


def _claim_statement(
    channel: str, worker: str, limit: int, lease_start: dt.datetime, retries_due_by: dt.datetime, until: dt.datetime
) -> list[Delivery]:
    """PostgreSQL: pick (``FOR UPDATE SKIP LOCKED``), lease and read in one statement, one round trip."""
    sql, parts = _claim_plan()
    rows = fetchall_prepared(
        sql,
        [
            until,
            worker,
            channel,
            DeliveryStatus.CREATED.value,
            lease_start,
            DeliveryStatus.TEMPORARY_FAILURE.value,
            retries_due_by,
            lease_start,
            limit,
        ],
    )
    alias = db_connection.alias
    keys = len(PRIME_COLUMNS)
    data_keys_prime(row[-keys:] for row in rows)
    claimed = []
    for row in rows:
        instances: list[Any] = []
        start = 0
        for part in parts:
            values = list(row[start : start + len(part.fields)])
            start += len(part.fields)
            if values[0] is None:  # no melding (a verification message): no melding, no agency
                instances.append(None)
                continue
            for i, converters in enumerate(part.converters):
                for convert in converters:
                    values[i] = convert(values[i], part.expressions[i], db_connection)
            instances.append(part.model.from_db(alias, part.attnames, values))
        delivery, citizen, notification, agency = instances
        delivery.citizen = citizen
        if notification is not None:
            notification.agency = agency
        delivery.notification = notification
        claimed.append(delivery)
    return claimed


def _claim_orm(
    channel: str, worker: str, limit: int, lease_start: dt.datetime, retries_due_by: dt.datetime, until: dt.datetime
) -> list[Any]:
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(channel=channel)
            .filter(
                Q(status=DeliveryStatus.CREATED, next_attempt_at__lte=lease_start)
                | Q(status=DeliveryStatus.TEMPORARY_FAILURE, next_attempt_at__lte=retries_due_by)
            )
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=lease_start))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids).update(lease_until=until, leased_by=worker)
    return ids


def _mark_sending(delivery: Delivery, worker: str) -> bool:
    """Commit ``sending`` before the message leaves; False if the lease was lost meanwhile."""
    now = timezone.now()
    changed = Delivery.objects.filter(pk=delivery.pk, leased_by=worker, status__in=DUE_STATUSES).update(
        status=DeliveryStatus.SENDING, sending_at=now, attempts=F("attempts") + 1
    )
    delivery.attempts += 1
    return changed == 1


def _receipt(delivery: Delivery, status: str, now: dt.datetime) -> None:
    receipt = _receipt_build(delivery, status, now)
    if receipt is not None:
        receipt.save(force_insert=True)


def _receipt_build(
    delivery: Delivery, status: str, now: dt.datetime, sign: Callable[[dict[str, Any]], str] | None = None
) -> DeliveryReceipt | None:
    """The agency's signed receipt for a melding's delivery (none for a verification message);
    ``sign``: a ``jwt_signer`` made once by a caller that signs many."""
    notification = delivery.notification
    if notification is None:
        return None
    claims = {
        "iss": settings.PUBLIC_URL,
        "sub": f"notification:{notification.pk}",
        "agency_id": notification.agency_id,
        "notification_id": str(notification.pk),
        "delivery_id": str(delivery.pk),
        "channel": delivery.channel,
        "status": status,
        "final_at": now.isoformat(),
        "iat": int(now.timestamp()),
        "jti": str(uuid.uuid4()),
    }
    return DeliveryReceipt(
        agency_id=notification.agency_id,
        delivery=delivery,
        notification_id=notification.pk,
        channel=delivery.channel,
        status=status,
        signed=sign(claims) if sign is not None else sign_jwt(claims, typ=RECEIPT_TYP),
        created_at=now,
    )


def _after_send(write: Callable[[], object]) -> None:
    """Record what happened on the wire, riding out a database restart: the outcome is known only here.

    If the connection dropped (PostgreSQL restarted, a failover), reconnect and try again for about
    half a minute; only then give up and leave the row in ``sending`` for the sweeper.
    """
    for attempt in range(15):
        try:
            write()
            return
        except (OperationalError, InterfaceError):
            if attempt == 14:
                raise
            db_connection.close()
            time.sleep(min(0.2 * 2**attempt, 2.0))


def delivery_finish(delivery: Delivery, *, status: str, reference: str = "", error: str = "") -> None:
    """A final status, the address and payload cleared, and the agency's signed receipt: one transaction."""
    _after_send(lambda: _finish(delivery, status=status, reference=reference, error=error))


def _finish(delivery: Delivery, *, status: str, reference: str, error: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        changed = (
            Delivery.objects.filter(pk=delivery.pk)
            .exclude(status__in=FINAL_STATUSES)
            .update(
                status=status,
                final_at=now,
                provider_reference=reference[:100],
                last_error=error[:200],
                recipient=None,
                payload=None,
                lease_until=None,
            )
        )
        if changed:
            _receipt(delivery, status, now)


def _retry_later(delivery: Delivery, error: str) -> None:
    if delivery.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        delivery_finish(delivery, status=DeliveryStatus.TECHNICAL_FAILURE, error=f"retries exhausted: {error}")
        return
    _after_send(
        lambda: Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.TEMPORARY_FAILURE,
            next_attempt_at=timezone.now() + dt.timedelta(seconds=settings.NOTIFICATIONS_RETRY_SECONDS),
            lease_until=None,
            last_error=error[:200],
        )
    )


def _release(deliveries: Iterable[Delivery], worker: str) -> None:
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries], leased_by=worker, status__in=DUE_STATUSES).update(
        lease_until=None
    )


def _postpone(deliveries: list[Delivery], worker: str, error: str) -> None:
    """The server cannot be reached: nothing was handed over; count an attempt for each and wait."""
    for delivery in deliveries:
        if _mark_sending(delivery, worker):
            _retry_later(delivery, error)


@functools.lru_cache(maxsize=1024)
def _subject(agency_name: str) -> str:
    """A melding's Subject, RFC 2047-encoded once per agency name (the encoder weighs quoted-printable
    against base64 character by character: a fifth of building a message)."""
    return Header(f"Nieuw bericht van {agency_name} in Mijn Burgerprofiel", "utf-8").encode()


def email_build(delivery: Delivery) -> Message:
    # The compat32 MIME classes: the same wire format as EmailMessage at a fraction of the CPU per message.
    sender, domain = mail_from()
    # No folding below RFC 5322's 998: the one-click URL must stay one unbroken header line.
    message = MIMEMultipart("alternative", policy=compat32.clone(max_line_length=998))
    message["From"] = sender
    message["To"] = str(delivery.recipient)
    message["Message-ID"] = f"<{delivery.pk}@{domain}>"
    message["X-Burgerprofiel-Delivery"] = str(delivery.pk)
    context: dict[str, Any] = {"portal_url": _public("/")}
    if delivery.kind == Delivery.Kind.NOTIFICATION:
        notification = delivery.notification
        assert notification is not None  # noqa: S101 - kind NOTIFICATION rows carry their notification (for mypy)
        agency = notification.agency
        context.update(
            agency=agency.name,
            url=_public(reverse("notifications:detail", args=[notification.pk])),
            preferences_url=_public(reverse("preferences:index")),
        )
        message["Subject"] = _subject(agency.name)
        token = unsubscribe_token(
            citizen_id=delivery.citizen_id,
            agency_id=agency.pk,
            ipdc_product=notification.ipdc_product,
            channel=Channel.EMAIL,
        )
        # RFC 8058: a one-click POST to this URL withdraws the consent this mail was sent under.
        message["List-Unsubscribe"] = f"<{_public(reverse('preferences:unsubscribe', args=[token]))}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        template = "notifications/email/notification"
    else:
        payload = delivery.payload or {}
        context.update(url=payload.get("url", ""), hours=payload.get("hours"))
        message["Subject"] = Header("Bevestig uw e-mailadres voor Mijn Burgerprofiel", "utf-8").encode()
        template = "notifications/email/verify_email"
    message.attach(MIMEText(render_to_string(f"{template}.txt", context), "plain", "utf-8"))
    message.attach(MIMEText(render_to_string(f"{template}.html", context), "html", "utf-8"))
    return message


# Stands for the melding's URL while a mail's bodies are rendered once per agency (a value no
# agency name or template holds: it is new in every process).
_URL_SLOT = f"bp-url-{uuid.uuid4().hex}"
_CRLF = "\r\n"


@dataclass(frozen=True)
class OutgoingMail:
    """A message ready for the wire: the envelope, the bytes (CRLF lines) and its Message-ID."""

    sender: str
    recipient: str
    data: bytes
    message_id: str


@functools.lru_cache(maxsize=256)
def _notification_bodies(agency_name: str, portal_url: str, preferences_url: str) -> tuple[list[str], list[str]]:
    """A melding's text and HTML bodies, rendered by the templates once per agency (and URLs), split
    where the melding's own URL goes: Django's template engine ran twice per message, a third of
    building it."""
    context = {"portal_url": portal_url, "agency": agency_name, "url": _URL_SLOT, "preferences_url": preferences_url}
    template = "notifications/email/notification"
    return (
        render_to_string(f"{template}.txt", context).split(_URL_SLOT),
        render_to_string(f"{template}.html", context).split(_URL_SLOT),
    )


# What reverse() leaves as it is in a path argument: a signed token's and a UUID's characters.
_URL_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:")


def _url_with(name: str, argument: str | None = None) -> str:
    """``_public(reverse(name, args=[argument]))`` with the URL reversed once per process and the
    argument put in its place (reversing costs more than the rest of a message's headers)."""
    if argument is not None and not set(argument) <= _URL_SAFE:
        return _public(reverse(name, args=[argument]))
    before, after = _url_around(name, argument is not None, settings.PUBLIC_URL, settings.ROOT_URLCONF, get_urlconf())
    return before if argument is None else before + argument + after


@functools.lru_cache(maxsize=32)
def _url_around(name: str, with_argument: bool, public_url: str, root: str, urlconf: str | None) -> tuple[str, str]:
    """The public URL of ``name`` split where its one argument goes (a UUID, which every path
    converter that takes an argument here accepts); the settings are the cache's key."""
    if not with_argument:
        return _public(reverse(name)), ""
    slot = str(uuid.UUID(int=0))
    before, _, after = _public(reverse(name, args=[slot])).partition(slot)
    return before, after


def _base64_part(content_type: str, parts: list[str], value: str) -> str:
    """One MIME part as ``MIMEText(..., "utf-8")`` writes it: base64 in lines of 76."""
    encoded = base64.encodebytes(value.join(parts).encode("utf-8")).decode("ascii").replace("\n", _CRLF)
    return (
        f'Content-Type: {content_type}; charset="utf-8"{_CRLF}MIME-Version: 1.0{_CRLF}'
        f"Content-Transfer-Encoding: base64{_CRLF}{_CRLF}{encoded}"
    )


def notification_email(delivery: Delivery) -> OutgoingMail | None:
    """A melding's e-mail, written directly as bytes: the same headers, parts and encodings as
    ``email_build`` produces (tests compare the two), without the email package's work per message.
    None for what that builder must handle (not a melding; an address or header outside plain
    ASCII or longer than a header line may be)."""
    notification = delivery.notification
    recipient = str(delivery.recipient or "")
    if (
        delivery.kind != Delivery.Kind.NOTIFICATION
        or notification is None
        or not recipient.isascii()
        or any(c in recipient for c in ' \t\r\n<>,;"()')
    ):
        return None
    agency = notification.agency
    sender, domain = mail_from()
    url = _url_with("notifications:detail", str(notification.pk))
    token = unsubscribe_token(
        citizen_id=delivery.citizen_id,
        agency_id=agency.pk,
        ipdc_product=notification.ipdc_product,
        channel=Channel.EMAIL,
    )
    headers = [
        f"From: {sender}",
        f"To: {recipient}",
        f"Message-ID: <{delivery.pk}@{domain}>",
        f"X-Burgerprofiel-Delivery: {delivery.pk}",
        f"Subject: {_subject(agency.name)}".replace("\n", _CRLF),
        # RFC 8058: a one-click POST to this URL withdraws the consent this mail was sent under.
        f"List-Unsubscribe: <{_url_with('preferences:unsubscribe', token)}>",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
    ]
    if any(len(line) > 998 or not line.isascii() for header in headers for line in header.split(_CRLF)):
        return None  # RFC 5322's longest line: the general builder folds or encodes it
    text, html = _notification_bodies(agency.name, _public("/"), _url_with("preferences:index"))
    # A boundary that base64 can never produce ("=_" is outside its alphabet), unique per message.
    boundary = f"=_bp_{delivery.pk.hex}"
    data = (
        f'Content-Type: multipart/alternative; boundary="{boundary}"{_CRLF}MIME-Version: 1.0{_CRLF}'
        + "".join(header + _CRLF for header in headers)
        + f"{_CRLF}--{boundary}{_CRLF}"
        + _base64_part("text/plain", text, url)
        + f"{_CRLF}--{boundary}{_CRLF}"
        + _base64_part("text/html", html, escape(url))
        + f"{_CRLF}--{boundary}--{_CRLF}"
    )
    return OutgoingMail(
        sender=mail_envelope_from(),
        recipient=recipient,
        data=data.encode("ascii"),
        message_id=f"<{delivery.pk}@{domain}>",
    )


def sms_text(delivery: Delivery) -> str:
    if delivery.kind == Delivery.Kind.NOTIFICATION:
        assert delivery.notification is not None  # noqa: S101 - kind NOTIFICATION rows carry their notification (for mypy)
        return (
            f"Mijn Burgerprofiel: u hebt een nieuw bericht van {delivery.notification.agency.name}. "
            f"Lees het op {_public(reverse('notifications:list'))}"
        )
    payload = delivery.payload or {}
    return (
        f"Uw bevestigingscode voor Mijn Burgerprofiel is {payload.get('code')}. "
        f"Ze is {payload.get('minutes')} minuten geldig."
    )


Sender = SmtpSender | SmppSender


def _sender_settings(channel: str) -> tuple[Any, ...]:
    """What a session was opened with: a kept session is not taken up once these changed."""
    if channel == Channel.EMAIL:
        return (
            channel,
            settings.NOTIFICATIONS_SMTP_HOST,
            settings.NOTIFICATIONS_SMTP_PORT,
            settings.NOTIFICATIONS_SMTP_STARTTLS,
            settings.NOTIFICATIONS_SMTP_USER,
        )
    return (channel, settings.NOTIFICATIONS_SMPP_HOST, settings.NOTIFICATIONS_SMPP_PORT)


class SenderSessions:
    """The sessions one drain thread of ``burgerprofiel worker`` keeps between its batches.

    Design note. Under a steady load each poll of a drain thread claims the few deliveries that came
    in since the last one, so a batch is a handful of messages; opening a session per batch (TCP,
    the greeting, EHLO, with STARTTLS and AUTH where configured, and QUIT after) cost the worker and
    the mail server more than those messages. A session is taken up again while it was last used
    less than NOTIFICATIONS_SESSION_KEEP_SECONDS ago: at once within a second, after a NOOP
    otherwise (``SmtpSender.usable``). An older one, a refused probe, a session the server closed
    (421) or lost, and changed settings: closed, and a new one is opened. Each drain thread has its
    own (an smtplib session is not thread-safe), as it has its own lease name. SMPP binds are
    opened per batch as before (``SmppSender.usable``)."""

    PROBE_AFTER_SECONDS = 1.0

    def __init__(self) -> None:
        self._kept: dict[str, tuple[Sender, float, tuple[Any, ...]]] = {}
        self.opened = 0  # sessions opened through this holder (the tests and benches count them)

    def take(self, channel: str) -> Sender | None:
        """The channel's kept session if it can take a batch now; None (and it closed) otherwise."""
        kept = self._kept.pop(channel, None)
        if kept is None:
            return None
        sender, used_at, opened_with = kept
        idle = time.monotonic() - used_at
        if (
            opened_with == _sender_settings(channel)
            and idle < settings.NOTIFICATIONS_SESSION_KEEP_SECONDS
            and sender.usable(probe=idle >= self.PROBE_AFTER_SECONDS)
        ):
            return sender
        sender.close()
        return None

    def keep(self, channel: str, sender: Sender) -> None:
        self._kept[channel] = (sender, time.monotonic(), _sender_settings(channel))

    def close_idle(self) -> None:
        """Close (QUIT) the sessions idle for NOTIFICATIONS_SESSION_KEEP_SECONDS or longer."""
        now = time.monotonic()
        for channel, (sender, used_at, _) in list(self._kept.items()):
            if now - used_at >= settings.NOTIFICATIONS_SESSION_KEEP_SECONDS:
                del self._kept[channel]
                sender.close()

    def close(self) -> None:
        for sender, _, _ in self._kept.values():
            sender.close()
        self._kept.clear()


def _send_batch(
    channel: str, batch: list[Delivery], worker: str, sessions: SenderSessions | None = None
) -> dict[str, int]:
    """Send a claimed batch over one connection, a chunk at a time: each chunk is marked ``sending``
    in one commit before its first message leaves, and its outcomes are recorded in one commit after
    its last (NOTIFICATIONS_SENDING_CHUNK; per message this was two commits and a receipt each). A
    crash between the two commits leaves at most one chunk in ``sending``, which the sweeper ends as
    ``technical-failure``: never a second copy. ``sessions``: a drain thread's kept sessions (the
    connection is taken from there and put back after, unless it was lost); without, one per batch."""
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    sender = sessions.take(channel) if sessions is not None else None
    if sender is None:
        sender = SmtpSender() if channel == Channel.EMAIL else SmppSender()
        try:
            sender.open()
        except ConnectionLost as exc:
            log.warning("delivery server unreachable", extra={"channel": channel, "error": str(exc)})
            _postpone(batch, worker, str(exc))
            counts["retry"] += len(batch)
            return counts
        if sessions is not None:
            sessions.opened += 1
    size = max(1, settings.NOTIFICATIONS_SENDING_CHUNK)
    kept = False
    try:
        for start in range(0, len(batch), size):
            chunk, previous = _mark_sending_chunk(batch[start : start + size], worker)
            outcomes: list[tuple[Delivery, str, str]] = []  # (delivery, status or "retry", reference or error)
            lost: ConnectionLost | None = None
            for delivery in chunk:
                try:
                    if isinstance(sender, SmtpSender):
                        mail = notification_email(delivery)
                        if mail is None:
                            reference = sender.send(email_build(delivery))
                        else:
                            reference = sender.send_bytes(
                                sender=mail.sender, recipient=mail.recipient, data=mail.data, reference=mail.message_id
                            )
                    else:
                        reference = sender.send(to=str(delivery.recipient), text=sms_text(delivery))
                except ConnectionLost as exc:
                    lost = exc
                    outcomes.append((delivery, "retry", str(exc)))
                    break
                except TemporaryFailure as exc:
                    outcomes.append((delivery, "retry", str(exc)))
                except PermanentFailure as exc:
                    outcomes.append((delivery, DeliveryStatus.PERMANENT_FAILURE, str(exc)))
                else:
                    outcomes.append((delivery, DeliveryStatus.DELIVERED, reference))
            for key, value in _chunk_finish(outcomes).items():
                counts[key] += value
            if lost is not None:
                # Marked but never put on the wire: back to what they were, for the next run.
                _unmark(chunk[len(outcomes) :], previous)
                _release(batch[start + size :], worker)
                break
        else:
            if sessions is not None:
                sessions.keep(channel, sender)
                kept = True
    finally:
        if not kept:
            sender.close()
    return counts


def _mark_sending_chunk(chunk: list[Delivery], worker: str) -> tuple[list[Delivery], dict[Any, str]]:
    """Commit ``sending`` for the chunk's rows this worker still holds (one commit; on PostgreSQL one
    statement); returns them and the status each had."""
    now = timezone.now()
    ids = [d.pk for d in chunk]
    if db_connection.vendor == "postgresql":
        table = Delivery._meta.db_table
        with db_connection.cursor() as cursor:  # one statement: atomic on its own, no BEGIN and COMMIT
            cursor.execute(
                f"WITH held AS (SELECT id, status FROM {table} WHERE id = ANY(%s) AND leased_by = %s "  # noqa: S608
                "AND status = ANY(%s) FOR UPDATE) "
                f"UPDATE {table} d SET status = %s, sending_at = %s, attempts = d.attempts + 1 "
                "FROM held WHERE d.id = held.id RETURNING d.id, held.status",
                [ids, worker, [str(s) for s in DUE_STATUSES], DeliveryStatus.SENDING.value, now],
            )
            held = dict(cursor.fetchall())
    else:
        with transaction.atomic():
            held = dict(
                Delivery.objects.select_for_update()
                .filter(pk__in=ids, leased_by=worker, status__in=DUE_STATUSES)
                .values_list("pk", "status")
            )
            Delivery.objects.filter(pk__in=held).update(
                status=DeliveryStatus.SENDING, sending_at=now, attempts=F("attempts") + 1
            )
    marked = [d for d in chunk if d.pk in held]
    for delivery in marked:
        delivery.attempts += 1
    return marked, held


def _unmark(deliveries: list[Delivery], previous: dict[Any, str]) -> None:
    for delivery in deliveries:
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
            status=previous[delivery.pk], attempts=F("attempts") - 1, sending_at=None, lease_until=None
        )


def _chunk_finish(outcomes: list[tuple[Delivery, str, str]]) -> dict[str, int]:
    """The chunk's final outcomes in one transaction (statuses, addresses and payloads cleared, the
    agencies' signed receipts); a temporary failure is scheduled for a retry on its own."""
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    final = [(d, status, text) for d, status, text in outcomes if status != "retry"]
    for delivery, status, text in outcomes:
        if status == "retry":
            _retry_later(delivery, text)
            counts["retry"] += 1
        else:
            counts["delivered" if status == DeliveryStatus.DELIVERED else "failed"] += 1
    if final:
        _after_send(lambda: _finish_many(final))
    return counts


def _finish_many(final: list[tuple[Delivery, str, str]]) -> None:
    """The final statuses (only of rows not final already) and their receipts: one transaction; on
    PostgreSQL one statement (an UPDATE and the receipts' INSERT as its CTEs)."""
    now = timezone.now()
    values = []
    for delivery, status, text in final:
        delivered = status == DeliveryStatus.DELIVERED
        values.append((delivery, status, (text if delivered else "")[:100], ("" if delivered else text)[:200]))
    sign = _receipt_signer()
    if db_connection.vendor == "postgresql":
        _finish_statement(values, now, sign)
        return
    with transaction.atomic():
        finished = _finish_orm(values, now)
        receipts = []
        for delivery, status, _, _ in values:
            if delivery.pk not in finished:
                continue
            receipt = _receipt_build(delivery, status, now, sign)
            if receipt is not None:
                receipts.append(receipt)
        DeliveryReceipt.objects.bulk_create(receipts)


_signer: tuple[Any, Callable[[dict[str, Any]], str]] | None = None
_signer_lock = threading.Lock()


def _receipt_signer() -> Callable[[dict[str, Any]], str]:
    """The receipts' ``jwt_signer``, made again whenever the unretired keys or the pins changed (one
    small read per chunk): finding the current key checks each key's pin, a thumbprint, which cost
    more than recording the chunk. A rotation or a retirement takes effect at the next chunk."""
    global _signer
    state = (
        tuple(
            (kid, jwk if isinstance(jwk, str) else json.dumps(jwk, sort_keys=True), kek_id, bytes(wrapped))
            for kid, jwk, kek_id, wrapped in fetchall_prepared(_signing_keys_sql(db_connection.vendor), [])
        ),
        pins.configured_pins(),
        settings.PRODUCTION,
    )
    with _signer_lock:
        cached = _signer
    if cached is not None and cached[0] == state:
        return cached[1]
    sign = jwt_signer(typ=RECEIPT_TYP)
    if state[0]:  # with no key yet, jwt_signer made one: the state it is cached under is the next one read
        with _signer_lock:
            _signer = (state, sign)
    return sign


@functools.cache
def _signing_keys_sql(vendor: str) -> str:
    """The unretired signing keys, newest first, as ``_receipt_signer`` compares them (its SQL built
    once per process and run prepared: the ORM built it anew for every chunk)."""
    rows = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at")
    sql, params = rows.values_list("kid", "public_jwk", "kek_id", "wrapped_private_key").query.sql_with_params()
    if params:
        raise ValueError("the signing keys' query takes no parameters")
    return str(sql)


def _finish_statement(
    values: list[tuple[Delivery, str, str, str]], now: dt.datetime, sign: Callable[[dict[str, Any]], str]
) -> None:
    """PostgreSQL: every row of the chunk that is not final yet made final and its receipt inserted,
    in one statement (atomic on its own: no BEGIN and COMMIT round trips). Receipts are signed
    beforehand for every row; only those of the rows this UPDATE changed are inserted (a row the
    sweeper ended meanwhile keeps the one it got then)."""
    table = Delivery._meta.db_table
    receipts = [r for d, status, _, _ in values if (r := _receipt_build(d, status, now, sign)) is not None]
    quote = db_connection.ops.quote_name
    names = ("agency", "delivery", "notification_id", "channel", "status", "signed", "created_at")
    by_name = {f.name: f.column for f in DeliveryReceipt._meta.concrete_fields}
    columns = ", ".join(quote(by_name[name]) for name in names)
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"WITH done AS (UPDATE {table} d SET status = v.status, final_at = %s, "  # noqa: S608 - the models' tables
            "provider_reference = v.reference, last_error = v.error, recipient = NULL, payload = NULL, "
            "lease_until = NULL "
            "FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[]) AS v(id, status, reference, error) "
            "WHERE d.id = v.id AND NOT (d.status = ANY(%s)) RETURNING d.id), "
            f"receipts AS (INSERT INTO {quote(DeliveryReceipt._meta.db_table)} ({columns}) "
            "SELECT r.agency_id, r.delivery_id, r.notification_id, r.channel, r.status, r.signed, %s "
            "FROM unnest(%s::bigint[], %s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::text[]) "
            "AS r(agency_id, delivery_id, notification_id, channel, status, signed) "
            "WHERE r.delivery_id IN (SELECT id FROM done)) "
            "SELECT count(*) FROM done",
            [
                now,
                [d.pk for d, *_ in values],
                [str(status) for _, status, _, _ in values],
                [reference for _, _, reference, _ in values],
                [error for *_, error in values],
                [str(s) for s in FINAL_STATUSES],
                now,
                [r.agency_id for r in receipts],
                [r.delivery_id for r in receipts],
                [r.notification_id for r in receipts],
                [str(r.channel) for r in receipts],
                [str(r.status) for r in receipts],
                [r.signed for r in receipts],
            ],
        )


def _finish_orm(values: list[tuple[Delivery, str, str, str]], now: dt.datetime) -> set[Any]:
    still_open = set(
        Delivery.objects.select_for_update()
        .filter(pk__in=[d.pk for d, *_ in values])
        .exclude(status__in=FINAL_STATUSES)
        .values_list("pk", flat=True)
    )
    rows = [
        Delivery(
            pk=delivery.pk,
            status=status,
            final_at=now,
            provider_reference=reference,
            last_error=error,
            recipient=None,
            payload=None,
            lease_until=None,
        )
        for delivery, status, reference, error in values
        if delivery.pk in still_open
    ]
    Delivery.objects.bulk_update(
        rows, ["status", "final_at", "provider_reference", "last_error", "recipient", "payload", "lease_until"]
    )
    return still_open


def deliveries_dispatch(
    *,
    channels: Iterable[str] = (Channel.EMAIL, Channel.SMS),
    max_batches: int = 1000,
    worker: str | None = None,
    sessions: SenderSessions | None = None,
) -> dict[str, int]:
    """Send everything due, batch by batch over one connection each (or over the caller's kept
    ``sessions``: a drain thread's); safe to run in many workers at once."""
    worker = worker or worker_id()
    if sessions is not None:
        sessions.close_idle()
    totals = {"delivered": 0, "retry": 0, "failed": 0}
    # New rows are taken as long as full batches keep coming; retries only if due when the run
    # started, so a row that failed in this run waits for a later one. A batch short of the limit
    # emptied the channel as of its claim: claiming again at once (as this did) mostly found nothing,
    # a statement per run of a drain thread that calls again as soon as it sent something, and a
    # row committed since has its own wake-up (a task), or the drain's next run, to take it.
    started = timezone.now()
    limit = settings.NOTIFICATIONS_BATCH_SIZE
    for channel in channels:
        for _ in range(max_batches):
            batch = deliveries_claim(channel=channel, worker=worker, limit=limit, retries_due_by=started)
            if not batch:
                break
            for key, value in _send_batch(channel, batch, worker, sessions).items():
                totals[key] += value
            if len(batch) < limit:
                break
    return totals


def deliveries_sweep(*, now: dt.datetime | None = None) -> int:
    """End deliveries a crash left in ``sending``: their outcome is unknown, so they are never resent."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS)
    stuck = list(
        Delivery.objects.filter(status=DeliveryStatus.SENDING, sending_at__lt=cutoff).select_related("notification")[
            :1000
        ]
    )
    for delivery in stuck:
        delivery_finish(delivery, status=DeliveryStatus.TECHNICAL_FAILURE, error="interrupted while sending")
    return len(stuck)
