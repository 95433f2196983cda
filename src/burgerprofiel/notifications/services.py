"""Writes on meldingen: accept a notification (with its outbox rows), mark read, purge content.

Design note (DESIGN rule 4, "nothing accepted is lost"): ``notification_create`` validates, then in
one transaction stores the melding, one ``Delivery`` per channel the citizen consented to for this
agency and product *and* has a verified address for, and the audit event. Nothing is sent in the
request; the worker (``notifications.dispatch``) sends from the outbox. The dispatch task is only
a wake-up: if it is lost, the periodic sweep finds the due rows anyway.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django_tasks.backends.immediate import ImmediateBackend

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.agencies.models import Agency, ProcessingOrderVersion
from burgerprofiel.agencies.selectors import agencies_not_processing, current_order_version
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_counted, audit_event_build, audit_insert_per_row, audit_record
from burgerprofiel.citizens.insz import insz_index, insz_normalise
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.common.errors import NotFound, ValidationError
from burgerprofiel.common.queries import StatementGuard, fetchone_prepared
from burgerprofiel.crypto.fields import encrypted_field
from burgerprofiel.crypto.models import DataKey
from burgerprofiel.crypto.services import PRIME_COLUMNS, data_key_select, data_keys_prime
from burgerprofiel.notifications import selectors
from burgerprofiel.notifications.models import Delivery, DeliveryReceipt, DeliveryStatus, Notification
from burgerprofiel.preferences.models import Channel, Consent, ContactPreference, Verification
from burgerprofiel.preferences.selectors import consented_channels, verified_address
from burgerprofiel.preferences.services import (
    VerificationMessage,
    email_verification_create,
    mobile_verification_create,
)


@dataclass(frozen=True)
class NotificationInput:
    insz: str
    message: str
    ipdc_product: str
    dossier_id: str = ""
    action_required: bool = False
    action_url: str = ""
    responsible_org: str = ""


def _text(value: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(f"Het veld {field} is verplicht.", extra={"field": field})
    if len(text) > max_length:
        raise ValidationError(f"Het veld {field} is te lang (hoogstens {max_length} tekens).", extra={"field": field})
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise ValidationError(f"Het veld {field} bevat stuurtekens.", extra={"field": field})
    return text


def notification_validate(item: NotificationInput) -> NotificationInput:
    """A clean copy of the input, or a ValidationError naming the field (nothing is stored yet)."""
    action_url = _text(item.action_url, field="action_url", max_length=2000)
    if action_url:
        try:
            parts = urlsplit(action_url)
        except ValueError:  # a bracket without its pair, a character NFKC turns into / ? # @ or :
            raise ValidationError("action_url moet een http(s)-adres zijn.", extra={"field": "action_url"}) from None
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValidationError("action_url moet een http(s)-adres zijn.", extra={"field": "action_url"})
    return NotificationInput(
        insz=insz_normalise(item.insz),
        message=_text(
            item.message, field="message", max_length=settings.NOTIFICATIONS_MESSAGE_MAX_LENGTH, required=True
        ),
        ipdc_product=_text(item.ipdc_product, field="ipdc_product", max_length=200, required=True),
        dossier_id=_text(item.dossier_id, field="dossier_id", max_length=200),
        action_required=bool(item.action_required),
        action_url=action_url,
        responsible_org=_text(item.responsible_org, field="responsible_org", max_length=200),
    )


def _retention_days(agency_id: int, version: ProcessingOrderVersion | None = None) -> int:
    """The order's retention for meldingen; ``version``: the one the caller's order check found (no query)."""
    version = version or current_order_version(agency_id=agency_id)
    days = version.retention_for(Component.NOTIFICATIES) if version else 0
    return days or settings.NOTIFICATIONS_DEFAULT_RETENTION_DAYS


def delivery_queue(
    *,
    citizen: Citizen,
    channel: str,
    kind: str,
    recipient: str,
    payload: dict[str, Any] | None = None,
    notification: Notification | None = None,
    now: dt.datetime | None = None,
) -> Delivery:
    """One outbox row. Call inside the transaction of the act that causes the send."""
    now = now or timezone.now()
    delivery = Delivery(  # type: ignore[misc]  # payload is an EncryptedJSONField: JSON, not text
        kind=kind,
        channel=channel,
        notification=notification,
        citizen=citizen,
        recipient=recipient,
        payload=payload,
        next_attempt_at=now,
        created_at=now,
    )
    delivery.save(force_insert=True)
    _wake_on_commit()
    return delivery


def _wake_on_commit() -> None:
    """Wake the dispatcher once the current transaction commits (at once in autocommit): one wake-up
    per atomic block, however many rows it queues (a campaign queues thousands). Nothing is
    registered when the wake-up would do nothing (``_wake_dispatcher``: the worker drains the outbox
    on its own): a callback per push that only returned cost the push API a tenth of a millisecond."""
    if not _wake_wanted():
        return
    conn = transaction.get_connection()
    current = set(conn.savepoint_ids)
    if not any(sids == current and func is _wake_dispatcher for sids, func, *_ in conn.run_on_commit):
        transaction.on_commit(_wake_dispatcher)


def verification_message_queue(*, citizen: Citizen, message: VerificationMessage) -> Delivery:
    """Queue the mail or SMS that carries a contact verification's secret (``preferences``)."""
    return delivery_queue(
        citizen=citizen,
        channel=message.channel,
        kind=message.kind,
        recipient=message.recipient,
        payload=message.payload,
    )


def email_verification_start(*, citizen: Citizen, email: str, actor: Actor) -> Verification:
    """Send a link to the address; it becomes the citizen's address only when the link is used.
    The pending verification, its audit event and the mail's outbox row commit together."""
    with transaction.atomic():
        message = email_verification_create(citizen=citizen, email=email, actor=actor)
        verification_message_queue(citizen=citizen, message=message)
    return message.verification


def mobile_verification_start(*, citizen: Citizen, mobile: str, actor: Actor) -> Verification:
    """Send a code to the number by SMS; as ``email_verification_start``."""
    with transaction.atomic():
        message = mobile_verification_create(citizen=citizen, mobile=mobile, actor=actor)
        verification_message_queue(citizen=citizen, message=message)
    return message.verification


# Wake-ups waiting in the task queue beyond which another adds nothing: a dispatch run keeps claiming
# until nothing is due, so a waiting one will see every row committed before it starts.
PENDING_WAKEUPS_ENOUGH = 2


def _wake_dispatcher() -> None:
    """Have the queued sends dispatched. ``burgerprofiel worker`` drains the delivery outbox on its own
    (every NOTIFICATIONS_DRAIN_INTERVAL_MS when idle), so with a task backend whose tasks it runs
    nothing is enqueued per request (NOTIFICATIONS_WAKE_TASKS off, the default); otherwise (tasks run
    inline, or workers that only run tasks) a wake-up task is queued, at most two waiting."""
    from burgerprofiel.notifications.tasks import deliveries_dispatch_task  # lazy: tasks imports this module

    try:
        if not _wake_wanted():
            return
        if _pending_wakeups(deliveries_dispatch_task) >= PENDING_WAKEUPS_ENOUGH:
            return
        deliveries_dispatch_task.enqueue()
    except Exception:  # the rows are committed; the periodic sweep dispatches them if this wake-up is lost
        logging.getLogger(__name__).exception("could not enqueue the delivery dispatch")


def _wake_wanted() -> bool:
    """Whether a wake-up task is how queued sends get dispatched: tasks run inline, or
    NOTIFICATIONS_WAKE_TASKS (workers that only run tasks). Otherwise the worker's drain finds them."""
    from burgerprofiel.notifications.tasks import deliveries_dispatch_task  # lazy: tasks imports this module

    try:
        inline = isinstance(deliveries_dispatch_task.get_backend(), ImmediateBackend)
    except Exception:  # a misconfigured backend: let the wake-up try, and log, after the commit
        return True
    return inline or settings.NOTIFICATIONS_WAKE_TASKS


def _pending_wakeups(task: Any) -> int:
    """Dispatch tasks queued and not yet started (database backend only; 0 for any other backend)."""
    # lazy: the database task backend is one choice (TASKS_BACKEND); its models exist only when installed
    from django_tasks_db.backend import DatabaseBackend

    if not isinstance(task.get_backend(), DatabaseBackend):
        return 0
    from django_tasks.base import TaskResultStatus  # lazy: as above
    from django_tasks_db.models import DBTaskResult  # lazy: as above

    return DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=task.module_path).count()


def _store(
    *, agency: Agency, item: NotificationInput, retention: dt.timedelta, now: dt.datetime
) -> tuple[Notification, int]:
    """The melding and its sends; returns it with how many sends were queued."""
    citizen = citizen_get_or_create(insz=item.insz)
    notification = Notification(
        agency=agency,
        citizen=citizen,
        ipdc_product=item.ipdc_product,
        dossier_id=item.dossier_id,
        message=item.message,
        action_required=item.action_required,
        action_url=item.action_url,
        responsible_org=item.responsible_org,
        created_at=now,
        purge_after=now + retention,
    )
    notification.save(force_insert=True)
    channels = consented_channels(citizen=citizen, agency_id=agency.pk, ipdc_product=item.ipdc_product)
    queued = 0
    for channel in (Channel.EMAIL, Channel.SMS):
        if channel not in channels:
            continue
        address = verified_address(citizen=citizen, channel=channel)
        if address is None:
            continue
        queued += 1
        delivery_queue(
            citizen=citizen,
            channel=channel,
            kind=Delivery.Kind.NOTIFICATION,
            recipient=address,
            notification=notification,
            now=now,
        )
    return notification, queued


def notification_create(
    *,
    agency: Agency,
    insz: str,
    message: str,
    ipdc_product: str,
    actor: Actor,
    dossier_id: str | None = None,
    action_required: bool = False,
    action_url: str | None = None,
    responsible_org: str | None = None,
    order_version: ProcessingOrderVersion | None = None,
) -> Notification:
    """Store a melding for the citizen and queue the sends they consented to (also for DOSIS events).
    ``order_version``: the version the caller's order check found, if any (saves reading it again)."""
    item = notification_validate(
        NotificationInput(
            insz=insz,
            message=message,
            ipdc_product=ipdc_product,
            dossier_id=dossier_id or "",
            action_required=action_required,
            action_url=action_url or "",
            responsible_org=responsible_org or "",
        )
    )
    now = timezone.now()
    retention = dt.timedelta(days=_retention_days(agency.pk, order_version))
    with transaction.atomic():
        notification, queued = _store(agency=agency, item=item, retention=retention, now=now)
        audit_record(
            actor=actor,
            action=AuditAction.NOTIFICATION_CREATED,
            agency_id=agency.pk,
            target=notification,
            detail={"deliveries": queued, "action_required": item.action_required},
        )
    return notification


@dataclass(frozen=True)
class AcceptedNotification:
    """What the push API answers: the melding's id and, per channel queued, its delivery's state."""

    id: uuid.UUID
    deliveries: list[dict[str, Any]]


def delivery_states(deliveries: Iterable[Delivery]) -> list[dict[str, Any]]:
    """Per delivery, by channel: its channel, status, attempts and when it became final (the API's answer)."""
    return [
        {"channel": d.channel, "status": d.status, "attempts": d.attempts, "final_at": d.final_at}
        for d in sorted(deliveries, key=lambda d: d.channel)
    ]


def notification_accept(
    *,
    agency_id: int,
    agency_key_id: uuid.UUID,
    item: NotificationInput,
    actor: Actor,
    order_version: ProcessingOrderVersion,
    guard: StatementGuard,
) -> AcceptedNotification:
    """One melding from the push API, as ``notification_create`` stores it (the melding, a delivery
    per channel the citizen consented to and has a verified address for, the audit event, in one
    transaction), under the caller's order check (``order_version``) and ``guard`` (whether the
    citizen restricted the agency: refused 403, audited, nothing stored).

    Design note. On PostgreSQL this is two statements instead of eleven: one read (the citizen,
    their consents for this agency and product, their contact preference, and the guard) and one
    write (the melding, its deliveries and its audit event as CTEs of one INSERT, so they commit
    together without BEGIN/COMMIT round trips). The values are those the ORM would write: the
    message and the address are sealed by their fields' own ``stored``, the event is built by
    ``audit_event_build``. A citizen seen for the first time (who needs a data key made) and a
    guard that failed take ``notification_create``'s path, which checks and records as before.
    """
    found = _recipient_read(agency_id=agency_id, item=item, guard=guard) if connection.vendor == "postgresql" else None
    if found is None:  # not PostgreSQL, a citizen seen for the first time, or the guard failed: the careful path
        guard.explain()
        notification = notification_create(
            agency=Agency.objects.get(pk=agency_id),
            actor=actor,
            order_version=order_version,
            **{f: getattr(item, f) for f in NotificationInput.__dataclass_fields__},
        )
        return AcceptedNotification(id=notification.pk, deliveries=delivery_states(notification.deliveries.all()))
    citizen_id, citizen_key_id, addresses = found
    item = notification_validate(item)
    now = timezone.now()
    retention = dt.timedelta(days=_retention_days(agency_id, order_version))
    notification_id = uuid.uuid4()
    message = encrypted_field(Notification, "message").stored(
        item.message, row={"agency.data_key_id": agency_key_id}, row_id=notification_id
    )
    params = _insert_values(
        Notification,
        id=notification_id,
        agency_id=agency_id,
        citizen_id=citizen_id,
        ipdc_product=item.ipdc_product,
        dossier_id=item.dossier_id,
        message=message,
        action_required=item.action_required,
        action_url=item.action_url,
        responsible_org=item.responsible_org,
        created_at=now,
        purge_after=now + retention,
    )
    recipient_field = encrypted_field(Delivery, "recipient")
    for channel, address in addresses:
        delivery_id = uuid.uuid4()
        params += _insert_values(
            Delivery,
            id=delivery_id,
            kind=Delivery.Kind.NOTIFICATION.value,
            channel=channel,
            notification_id=notification_id,
            citizen_id=citizen_id,
            recipient=recipient_field.stored(address, row={"citizen.data_key_id": citizen_key_id}, row_id=delivery_id),
            payload=None,
            next_attempt_at=now,
            created_at=now,
        )
    event = audit_event_build(
        actor=actor,
        action=AuditAction.NOTIFICATION_CREATED,
        agency_id=agency_id,
        target=Notification,
        object_id=str(notification_id),
        detail={"deliveries": len(addresses), "action_required": item.action_required},
    )
    audit_sql, audit_params = audit_insert_per_row(event, rows_of="stored")
    params += audit_params
    fetchone_prepared(_accept_sql(len(addresses), audit_sql), params)
    audit_counted(event)
    if addresses:
        _wake_on_commit()
    # As ``delivery_states`` answers for the rows just written: each one created, not yet tried.
    states = [
        {"channel": channel, "status": DeliveryStatus.CREATED.value, "attempts": 0, "final_at": None}
        for channel, _ in sorted(addresses)
    ]
    return AcceptedNotification(id=notification_id, deliveries=states)


@functools.cache
def _insert_columns(model: type[models.Model]) -> tuple[tuple[str, ...], tuple[tuple[str, Any], ...]]:
    """A model's columns as an INSERT of ``_accept_sql`` writes them (each value cast to its column's
    type, so the statement can be bound on the server: text as text, the column's own length check
    still applies), and each field's attname with the value the ORM would write when none is given
    (its default; a callable default, such as a UUID primary key, must be given)."""
    placeholders = []
    defaults = []
    for field in model._meta.concrete_fields:
        kind = "text" if isinstance(field, models.CharField | models.TextField) else field.db_type(connection)
        placeholders.append(f"%s::{kind}")
        if field.has_default():
            default = _REQUIRED if callable(field.default) else field.get_default()
        elif field.null or field.empty_strings_allowed:
            default = field.get_default()  # None, or "" for text, as the ORM writes an unset field
        else:
            default = _REQUIRED
        defaults.append((field.attname, default))
    return tuple(placeholders), tuple(defaults)


_REQUIRED = object()


def _insert_values(model: type[models.Model], **given: Any) -> list[Any]:
    """One row's values, in column order, as ``save(force_insert=True)`` would send them on PostgreSQL
    (UUIDs, aware datetimes, text, integers and booleans go as they are; an encrypted field's value
    is what its ``stored`` made). Built without a model instance: ``notification_accept`` is the hot
    path of the push API, and instances with their signals cost more than the statement."""
    values = []
    for attname, default in _insert_columns(model)[1]:
        value = given.pop(attname, default)
        if value is _REQUIRED:
            raise TypeError(f"{model.__name__}.{attname} has no default: give it")
        values.append(value)
    if given:
        raise TypeError(f"{model.__name__} has no columns {sorted(given)}")
    return values


@functools.cache
def _accept_sql(deliveries: int, audit_sql: str) -> str:
    """PostgreSQL: the melding, its ``deliveries`` outbox rows and its audit event in one statement
    (built once per process per delivery count; run prepared on the server)."""
    quote = connection.ops.quote_name

    def insert(model: type[models.Model]) -> str:
        columns = ", ".join(quote(f.column) for f in model._meta.concrete_fields)
        values = ", ".join(_insert_columns(model)[0])
        return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608 - quoted model identifiers; values are parameters

    parts = [f"stored AS ({insert(Notification)} RETURNING id)"]
    parts += [f"queued_{number} AS ({insert(Delivery)})" for number in range(deliveries)]
    parts.append(f"audited AS ({audit_sql})")
    return "WITH " + ", ".join(parts) + " SELECT id FROM stored"  # noqa: S608 - built above from the models; values are parameters


def _recipient_read(
    *, agency_id: int, item: NotificationInput, guard: StatementGuard
) -> tuple[int, uuid.UUID, list[tuple[str, str]]] | None:
    """PostgreSQL, one statement: the citizen's id and data key, and (channel, address) of each
    channel the citizen consented to for this agency and product and has a verified address for,
    in the order ``_store`` queues them; None when the citizen is not known yet or ``guard`` fails."""
    citizen = Citizen._meta.db_table
    preference = ContactPreference._meta.db_table
    consent = Consent._meta.db_table
    # The citizen's data key comes along (``data_keys_prime``): reading the address and sealing it
    # again for the delivery looked it up with a query of its own whenever this process had not used
    # it within DATA_KEY_CACHE_SECONDS, which, among millions of citizens, is nearly every push.
    sql = (
        f"SELECT c.id, c.data_key_id, p.seal_id, p.email, p.email_verified_at, p.mobile, p.mobile_verified_at, "  # noqa: S608 - table names from the models; values are parameters
        f"ARRAY(SELECT channel FROM {consent} WHERE citizen_id = c.id AND agency_id = %s AND ipdc_product = %s "
        f"AND granted), {guard.sql}, {data_key_select('k')} "
        f"FROM {citizen} c LEFT JOIN {preference} p ON p.citizen_id = c.id "
        f"LEFT JOIN {DataKey._meta.db_table} k ON k.id = c.data_key_id WHERE c.insz_index = %s"
    )
    row = fetchone_prepared(sql, [agency_id, item.ipdc_product.strip(), *guard.params, insz_index(item.insz)])
    if row is None or not row[8]:
        return None
    citizen_id, key_id, seal_id, email, email_at, mobile, mobile_at, channels, _ = row[:9]
    data_keys_prime([row[9 : 9 + len(PRIME_COLUMNS)]])
    verified = {
        Channel.EMAIL: (email, email_at, encrypted_field(ContactPreference, "email")),
        Channel.SMS: (mobile, mobile_at, encrypted_field(ContactPreference, "mobile")),
    }
    addresses = []
    for channel in (Channel.EMAIL, Channel.SMS):  # as verified_address reads them
        stored, verified_at, field = verified[channel]
        if channel not in channels or not verified_at or stored is None:
            continue
        address = field.from_stored(stored, seal_id)
        if address:  # UNREADABLE (a destroyed key) is falsy, as for verified_address
            addresses.append((str(channel), str(address)))
    return citizen_id, key_id, addresses


class BulkProgress(Protocol):
    """Where a bulk under an ``Idempotency-Key`` keeps what it stored so far (the API's idempotency
    record): each chunk's ids are kept in the chunk's own transaction, so a retry of an interrupted
    request stores only what is left and answers as one uninterrupted run would have."""

    def stored(self) -> tuple[str | None, list[str]]:
        """The batch id and the ids of the meldingen stored so far, in item order (None, [] at first)."""
        ...

    def keep(self, *, batch_id: str, ids: list[str]) -> None:
        """Keep the batch id and every id stored so far; called inside the chunk's transaction."""
        ...


def notifications_bulk_create(
    *, agency: Agency, items: Sequence[NotificationInput], actor: Actor, progress: BulkProgress | None = None
) -> list[Notification]:
    """A campaign: every item is validated first (one bad item refuses the whole request and stores
    nothing), then the meldingen are stored in chunks of ``NOTIFICATIONS_BULK_CHUNK_SIZE``, each in
    a transaction of its own with its own audit event (the batch id, the chunk's first index, its
    count).

    Why chunks: one transaction for 10,000 meldingen held the database's write lock for tens of
    seconds (on SQLite every other writer waits: logins, audit events, other agencies' calls).
    What that costs: should the database fail half-way (not the input: that was checked), the
    chunks before the failure stay stored and queued, and their audit events say which; the
    request answers with an error. A request under an ``Idempotency-Key`` is chunked the same way:
    ``progress`` (its idempotency record) keeps each chunk's ids in the chunk's transaction, so a
    retry with the same key resumes after the last stored chunk (nothing stored twice, the same batch
    id) and answers with every id, as the uninterrupted request would have.
    """
    if not items:
        raise ValidationError("Een bulkaanvraag bevat minstens één melding.", extra={"field": "items"})
    if len(items) > settings.NOTIFICATIONS_BULK_MAX_ITEMS:
        raise ValidationError(
            f"Hoogstens {settings.NOTIFICATIONS_BULK_MAX_ITEMS} meldingen per bulkaanvraag.", extra={"field": "items"}
        )
    cleaned: list[NotificationInput] = []
    for index, item in enumerate(items):
        try:
            cleaned.append(notification_validate(item))
        except ValidationError as exc:
            raise ValidationError(f"Melding {index}: {exc.detail}", extra={**exc.extra, "index": index}) from exc
    now = timezone.now()
    retention = dt.timedelta(days=_retention_days(agency.pk))
    kept_batch, kept_ids = progress.stored() if progress is not None else (None, [])
    batch_id = uuid.UUID(kept_batch) if kept_batch else uuid.uuid4()
    size = max(1, settings.NOTIFICATIONS_BULK_CHUNK_SIZE)
    already = Notification.objects.in_bulk([uuid.UUID(pk) for pk in kept_ids])
    notifications: list[Notification] = [already[uuid.UUID(pk)] for pk in kept_ids]
    for start in range(len(notifications), len(cleaned), size):
        with transaction.atomic():
            chunk = [
                _store(agency=agency, item=item, retention=retention, now=now)[0]
                for item in cleaned[start : start + size]
            ]
            audit_record(
                actor=actor,
                action=AuditAction.NOTIFICATION_BULK_CREATED,
                agency_id=agency.pk,
                target=Notification,
                object_id=str(batch_id),
                detail={"count": len(chunk), "first_index": start, "total": len(cleaned)},
            )
            if progress is not None:
                progress.keep(batch_id=str(batch_id), ids=[str(n.pk) for n in (*notifications, *chunk)])
        notifications.extend(chunk)
    return notifications


def notification_for_agency(*, agency_id: int, notification_id: uuid.UUID, actor: Actor) -> Notification:
    notification = (
        Notification.objects.filter(pk=notification_id, agency_id=agency_id).prefetch_related("deliveries").first()
    )
    if notification is None:
        raise NotFound("Deze melding bestaat niet.")
    audit_record(
        actor=actor,
        action=AuditAction.NOTIFICATION_STATUS_READ,
        agency_id=agency_id,
        target=notification,
    )
    return notification


def notification_open(*, citizen: Citizen, notification_id: uuid.UUID, actor: Actor) -> Notification:
    """The citizen opens one of their meldingen: marked read if it was not, and the view recorded.

    Every opening shows the message text again, so every opening is recorded (DESIGN rule 2).
    """
    notification = selectors.notification_for_citizen(citizen=citizen, notification_id=notification_id)
    with transaction.atomic():
        if notification.read_at is None:
            notification_mark_read(citizen=citizen, notification_ids=[notification.pk], actor=actor)
        audit_record(
            actor=actor, action=AuditAction.NOTIFICATION_VIEWED, agency_id=notification.agency_id, target=notification
        )
    return notification


def receipts_read(*, agency_id: int, after_id: int, limit: int, actor: Actor) -> list[DeliveryReceipt]:
    """The agency's signed delivery receipts after ``after_id`` (which channel reached whom, when)."""
    receipts = selectors.receipts_for_agency(agency_id=agency_id, after_id=after_id, limit=limit)
    audit_record(
        actor=actor,
        action=AuditAction.NOTIFICATION_RECEIPTS_LISTED,
        agency_id=agency_id,
        target=DeliveryReceipt,
        detail={"count": len(receipts)},
    )
    return receipts


def notification_mark_read(*, citizen: Citizen, notification_ids: Iterable[uuid.UUID] | None, actor: Actor) -> int:
    """Mark the citizen's own meldingen read (all unread ones when ``notification_ids`` is None)."""
    with transaction.atomic():
        qs = Notification.objects.filter(citizen=citizen, read_at__isnull=True)
        # Meldingen the citizen is not shown (their agency's order is suspended or ended) stay as they are.
        stopped = agencies_not_processing(agency_ids=qs.values_list("agency_id", flat=True).distinct())
        qs = qs.exclude(agency_id__in=list(stopped))
        if notification_ids is not None:
            qs = qs.filter(pk__in=list(notification_ids))
        count = qs.update(read_at=timezone.now())
        if count:
            audit_record(
                actor=actor,
                action=AuditAction.NOTIFICATION_MARKED_READ,
                target=Notification,
                detail={"count": count},
            )
    return count


def notification_list_read(*, citizen: Citizen, actor: Actor) -> list[Notification]:
    """The citizen's meldingen (``selectors.notifications_for_citizen``), their view recorded (DESIGN
    rule 2): one event per agency whose meldingen were shown, so that each agency's DPO finds it, and
    one event for an empty list: that the citizen looked is itself the fact recorded (as for the
    list of dossiers)."""
    notifications = selectors.notifications_for_citizen(citizen=citizen)
    shown: dict[int | None, int] = {}
    for notification in notifications:
        shown[notification.agency_id] = shown.get(notification.agency_id, 0) + 1
    for agency_id, count in shown.items() or [(None, 0)]:
        audit_record(
            actor=actor,
            action=AuditAction.NOTIFICATION_LIST_VIEWED,
            agency_id=agency_id,
            target=Notification,
            detail={"count": count},
        )
    return notifications


def notifications_purge_expired(*, now: dt.datetime | None = None, batch_size: int = 1000) -> int:
    """Drop the content of meldingen past retention (charter: kept as long as relevant), every agency.

    The retention is the order's as it is today (a shorter or longer one counts from the next run),
    not the ``purge_after`` each melding was given when it came in. The row stays without its
    message; recipients and payloads of final deliveries were cleared when they became final, and the
    delivery metadata goes after NOTIFICATIONS_DELIVERY_RETENTION_DAYS (``deliveries_purge_batch``).
    """
    now = now or timezone.now()
    purged = 0
    agency_ids = Notification.objects.filter(content_purged_at__isnull=True).values_list("agency_id", flat=True)
    for agency_id in sorted(set(agency_ids.distinct().order_by())):
        cutoff = now - dt.timedelta(days=notifications_retention_days(agency_id=agency_id))
        while True:
            done = notifications_content_purge_batch(agency_id=agency_id, created_before=cutoff, batch_size=batch_size)
            purged += done
            if done < batch_size:
                break
    return purged


def notifications_retention_days(*, agency_id: int) -> int:
    """How long the agency's order keeps the content of meldingen today."""
    return _retention_days(agency_id)


def notifications_content_purge_batch(*, agency_id: int, created_before: dt.datetime, batch_size: int) -> int:
    """One batch (one transaction): the content of the agency's meldingen created before the cutoff."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.filter(
                agency_id=agency_id, created_at__lte=created_before, content_purged_at__isnull=True
            ).values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return 0
        Notification.objects.filter(pk__in=ids).update(
            message=None, action_url="", dossier_id="", content_purged_at=now
        )
        audit_record(
            actor=Actor(kind="system", id="notifications.purge", agency_id=agency_id),
            action=AuditAction.NOTIFICATION_CONTENT_PURGED,
            agency_id=agency_id,
            target=Notification,
            detail={"count": len(ids), "created_before": created_before.isoformat()},
        )
    return len(ids)


def deliveries_purge_batch(*, final_before: dt.datetime, batch_size: int) -> int:
    """One batch (one transaction): delivery metadata (status, times, signed receipt) of sends that
    became final before the cutoff (platform-own data, NOTIFICATIONS_DELIVERY_RETENTION_DAYS)."""
    with transaction.atomic():
        rows = list(
            Delivery.objects.filter(final_at__lte=final_before)
            .order_by("final_at")
            .values_list("pk", "notification__agency_id")[:batch_size]
        )
        if not rows:
            return 0
        ids = [pk for pk, _ in rows]
        DeliveryReceipt.objects.filter(delivery_id__in=ids).delete()
        Delivery.objects.filter(pk__in=ids).delete()
        per_agency: dict[int | None, int] = {}
        for _, agency_of_row in rows:
            per_agency[agency_of_row] = per_agency.get(agency_of_row, 0) + 1
        for owner, count in per_agency.items():
            audit_record(
                actor=Actor(kind="system", id="retention"),
                action=AuditAction.RETENTION_PURGED,
                agency_id=owner,
                target=Delivery,
                detail={"count": count, "final_before": final_before.isoformat()},
            )
    return len(rows)


__all__ = [
    "DeliveryStatus",
    "NotificationInput",
    "deliveries_purge_batch",
    "delivery_queue",
    "email_verification_start",
    "mobile_verification_start",
    "notification_create",
    "notification_for_agency",
    "notification_list_read",
    "notification_mark_read",
    "notification_open",
    "notifications_bulk_create",
    "notifications_content_purge_batch",
    "notifications_purge_expired",
    "notifications_retention_days",
    "receipts_read",
    "verification_message_queue",
]
