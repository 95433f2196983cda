"""The audit trail: recording, sealing into a Merkle tree, verifying, proving.

Design note (charter 5, 8, 9; DESIGN rule 2): an event is written in the same transaction as the
act it records, and costs one INSERT with its leaf hash computed in memory. Ordering events into
the tree is done afterwards, in batches, by ``audit_seal``: it appends leaves in id order, extends
the stored frontier (O(log n) per leaf), stores each perfect subtree it completes (``AuditNode``, so
that a proof reads O(log n) rows, not every leaf) and signs a tree head. ``audit_verify`` streams the leaves,
recomputes each event's hash and every signed root, and names the first event that was altered,
removed or moved. The database refuses UPDATE and DELETE on these tables, so tampering needs
someone who can drop triggers, and even they cannot forge a signed tree head.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, Max
from django.utils import timezone
from joserfc import jwk, jws

from burgerprofiel.audit import merkle
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent, AuditLeaf, AuditNode, TreeHead, WitnessedHead
from burgerprofiel.common.copy import copy_rows
from burgerprofiel.common.errors import NotFound, ValidationError
from burgerprofiel.common.metrics import AUDIT_EVENTS
from burgerprofiel.common.requestid import current_request_id
from burgerprofiel.crypto import signing

# What the hash commits to: every column except the id (given by the database) and the hash itself.
HASHED_FIELDS = (
    "occurred_at",
    "actor_type",
    "actor_id",
    "agency_id",
    "order_version_id",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "purpose",
    "request_id",
    "detail",
)


def _json(value: Any) -> str:
    """Canonical JSON text of ``value``: sorted keys, no spaces, numbers written by their value.

    PostgreSQL keeps jsonb numbers as ``numeric`` and hands them back rewritten (``1e16`` comes back
    as the integer ``10000000000000000``, ``-0.0`` as ``0.0``), so an integral number is always
    written as plain digits and any other as Python's shortest float repr. Both sides of the round
    trip then give the same text, and the hash survives the database.
    """
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("an audit event cannot hold NaN or infinity")
        return str(int(Decimal(repr(value)))) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: str(item[0]))
        return "{" + ",".join(f"{_json(str(k))}:{_json(v)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json(v) for v in value) + "]"
    raise TypeError(f"an audit event cannot hold a {type(value).__name__}")


def _canonical(values: dict[str, Any]) -> bytes:
    data = {}
    for name in HASHED_FIELDS:
        value = values[name]
        if isinstance(value, datetime):
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        data[name] = value
    if _holds_float(data):
        return _json(data).encode()
    # Without floats the standard encoder writes exactly what _json writes, several times faster.
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _holds_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        items: Any = value.values()
    elif isinstance(value, list | tuple):
        items = value
    else:
        return False
    # A flat loop: an event may list thousands of ids (a bulk upload names every row it queued).
    for item in items:
        if isinstance(item, float) or (isinstance(item, dict | list | tuple) and _holds_float(item)):
            return True
    return False


def event_leaf_hash(values: dict[str, Any]) -> str:
    return merkle.leaf_hash(_canonical(values)).hex()


# NUL and lone surrogates: PostgreSQL refuses the first, UTF-8 cannot encode the second.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _clean(text: str) -> str:
    return _UNSTORABLE.sub("\ufffd", text)


def _storable(value: Any) -> Any:
    """``value`` as both databases give it back: JSON types only, string keys, storable text.

    An audit event must never make the act it records fail, so text a database would refuse gets
    U+FFFD in place of the offending character, before the hash is computed over what is stored.
    """
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        return {_clean(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def _text(name: str, value: Any) -> str:
    """A text column's value cut to the column's size (SQLite would keep more, PostgreSQL would fail)."""
    return _clean(str(value))[: _max_length(name)]


@functools.cache
def _max_length(name: str) -> int | None:
    column = AuditEvent._meta.get_field(name)
    assert isinstance(column, models.CharField)  # noqa: S101 - an invariant of our own model, for mypy; no input reaches it
    return column.max_length


def object_type_of(target: models.Model | type[models.Model]) -> str:
    """How an event names the kind of object it is about: the model's label (``"dossiers.Dossier"``)."""
    return target._meta.label


def audit_event_build(
    *,
    actor: Actor,
    action: AuditAction,
    target: models.Model | type[models.Model] | None = None,
    object_id: str | int | None = None,
    purpose: str = "",
    agency_id: int | None = None,
    order_version_id: int | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """The event ``audit_record`` appends, not yet saved, with its leaf hash computed.

    ``target`` is what the act touched: a saved instance (its label and pk are recorded) or a model
    class with ``object_id`` (the row is gone, or only its id is at hand).
    """
    if object_id is None and isinstance(target, models.Model):
        object_id = target.pk
    values: dict[str, Any] = {
        # Microsecond precision survives every backend, so the hash recomputes identically.
        "occurred_at": timezone.now(),
        "actor_type": _text("actor_type", actor.kind),
        "actor_id": _text("actor_id", actor.id),
        "agency_id": agency_id if agency_id is not None else actor.agency_id,
        "order_version_id": order_version_id if order_version_id is not None else actor.order_version_id,
        # The stored code (the member's value), never the member's repr: the hash commits to it.
        "action": _text("action", str(action)),
        "outcome": _text("outcome", outcome),
        "object_type": _text("object_type", object_type_of(target) if target is not None else ""),
        "object_id": _text("object_id", object_id if object_id is not None else ""),
        "purpose": _text("purpose", purpose),
        "request_id": _text("request_id", current_request_id() or ""),
        # Through JSON first: tuples become lists and keys strings, as the database will return them.
        "detail": _storable(json.loads(json.dumps(detail or {}, allow_nan=False))),
    }
    return AuditEvent(leaf_hash=event_leaf_hash(values), **values)


def audit_record(
    *,
    actor: Actor,
    action: AuditAction,
    target: models.Model | type[models.Model] | None = None,
    object_id: str | int | None = None,
    purpose: str = "",
    agency_id: int | None = None,
    order_version_id: int | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the transaction of the act it records."""
    event = audit_event_build(
        actor=actor,
        action=action,
        target=target,
        object_id=object_id,
        purpose=purpose,
        agency_id=agency_id,
        order_version_id=order_version_id,
        outcome=outcome,
        detail=detail,
    )
    return audit_append(event)


# Writing built events. Every event is built by ``audit_event_build`` (its values and leaf hash in
# one place); these only write what it built: one event with the ORM, many with COPY, or one folded
# into the statement of the act it records. None of them computes a value of its own.


def audit_append(event: AuditEvent) -> AuditEvent:
    """Append one built event. Call it inside the transaction of the act it records."""
    event.save(force_insert=True)
    audit_counted(event)
    return event


def audit_events_append(events: list[AuditEvent]) -> None:
    """Append many built events in one write (COPY on PostgreSQL, one multi-row INSERT elsewhere),
    for the batch paths that record several events at once. Same transaction rule; the events get
    no id back on PostgreSQL (nothing reads it: an event is found by what it names)."""
    if not events:
        return
    if connection.vendor == "postgresql":
        columns = [f.column for f in _event_fields()]
        copy_rows(AuditEvent, columns, (_event_row(event) for event in events))
    else:
        AuditEvent.objects.bulk_create(events)
    for event in events:
        audit_counted(event)


def audit_counted(event: AuditEvent) -> None:
    """Count an appended event in the metrics (the functions above do this themselves)."""
    AUDIT_EVENTS.labels(event.action).inc()


def audit_insert_per_row(event: AuditEvent, *, rows_of: str) -> tuple[str, list[Any]]:
    """SQL appending ``event`` once for each row of ``rows_of`` (a CTE of the same statement), and its
    parameters: the audit INSERT folded into the statement of the act it records (PostgreSQL), so
    both commit together in one round trip. The act's CTE must yield one row, or none. Count the
    event (``audit_counted``) once the statement has written it. Each value is cast to its column's
    type, so the statement may also be bound on the server (``common.queries.fetchone_prepared``);
    the SQL is built once per CTE name."""
    return _insert_per_row_sql(connection.vendor, rows_of), _event_row(event)


@functools.cache
def _insert_per_row_sql(vendor: str, rows_of: str) -> str:
    quote = connection.ops.quote_name
    fields = _event_fields()
    columns = ", ".join(quote(f.column) for f in fields)
    # Text goes as text (the column's own length check still applies on assignment; a cast to
    # varchar(n) would cut it silently).
    placeholders = ", ".join(
        f"%s::{'text' if isinstance(f, models.CharField) else f.db_type(connection)}" for f in fields
    )
    # Identifiers come from the model and the caller's own CTE name; every value is a parameter.
    return f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) SELECT {placeholders} FROM {rows_of}"  # noqa: S608 - quoted model identifiers; values are parameters


@functools.cache
def _event_fields() -> tuple[models.Field[Any, Any], ...]:
    return tuple(f for f in AuditEvent._meta.concrete_fields if not f.primary_key)


# Fields whose database value on PostgreSQL is the built event's own value (text, integers or None,
# an aware datetime): their preparation would return it unchanged.
_AS_BUILT = (models.CharField, models.BigIntegerField, models.DateTimeField)


def _event_row(event: AuditEvent) -> list[Any]:
    """A built event's column values as the database stores them, in ``_event_fields`` order."""
    if connection.vendor == "postgresql":
        values = [(f, getattr(event, f.attname)) for f in _event_fields()]
        return [value if type(f) in _AS_BUILT else f.get_db_prep_save(value, connection) for f, value in values]
    return [f.get_db_prep_save(getattr(event, f.attname), connection) for f in _event_fields()]


def _sign_head(tree_size: int, root_hash: str, signed_at: datetime) -> tuple[str, str]:
    payload = json.dumps(
        {"tree_size": tree_size, "root_hash": root_hash, "timestamp": signed_at.astimezone(UTC).isoformat()},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    return signing.sign_detached(payload)


def _lock_sealing() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(728301)")
    # SQLite transactions here are IMMEDIATE: one writer at a time already.


class AuditTrailCorrupt(RuntimeError):
    """The stored tree no longer matches its own signed head: sealing stops rather than sign over it."""


def _frontier_of(last: TreeHead | None) -> merkle.Frontier:
    """The stored frontier of the newest head, refused unless it really is the signed tree.

    The frontier itself is not signed. Were it swapped for one of a rewritten history, every head
    signed after it would vouch for that history; checking it against the signed root prevents that.
    """
    if last is None:
        return merkle.Frontier()
    try:
        frontier = merkle.Frontier.from_json(last.frontier)
        matches = frontier.size == last.tree_size and frontier.root().hex() == last.root_hash
    except (KeyError, TypeError, ValueError):
        matches = False
    if not matches:
        raise AuditTrailCorrupt(f"the stored frontier of tree head {last.tree_size} does not match its root")
    return frontier


def audit_seal(*, batch_size: int = 5000) -> TreeHead | None:
    """Append unsequenced events as leaves and sign a new tree head. Safe to run concurrently."""
    with transaction.atomic():
        _lock_sealing()
        last = TreeHead.objects.order_by("-tree_size").first()
        frontier = _frontier_of(last)
        pending = list(
            AuditEvent.objects.filter(leaf__isnull=True).order_by("id").values_list("id", "leaf_hash")[:batch_size]
        )
        if not pending:
            return None
        leaves = []
        nodes = []
        for event_id, leaf_hash in pending:
            leaves.append(AuditLeaf(index=frontier.size, event_id=event_id, leaf_hash=leaf_hash))
            for node_position, value in frontier.append(bytes.fromhex(leaf_hash)):
                nodes.append(AuditNode(position=node_position, node_hash=value.hex()))
        AuditLeaf.objects.bulk_create(leaves)
        AuditNode.objects.bulk_create(nodes, batch_size=2000)  # about one node per leaf
        signed_at = timezone.now()
        root_hash = frontier.root().hex()
        signature, kid = _sign_head(frontier.size, root_hash, signed_at)
        return TreeHead.objects.create(
            tree_size=frontier.size,
            root_hash=root_hash,
            signed_at=signed_at,
            signature=signature,
            key_id=kid,
            frontier=frontier.to_json(),
        )


def audit_seal_all() -> int:
    """Seal until nothing is pending; returns the number of tree heads signed."""
    heads = 0
    while audit_seal() is not None:
        heads += 1
    return heads


@dataclass
class VerifyReport:
    """What ``audit_verify`` found. ``first_bad_event_id`` is the event named by the first problem in
    log order, or None when that problem names no single event (a signed root that does not match)."""

    ok: bool = True
    events_checked: int = 0
    tree_heads_checked: int = 0
    unsealed_events: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_event_id: int | None = None

    def fail(self, message: str, event_id: int | None = None) -> None:
        if self.ok and event_id is not None:
            self.first_bad_event_id = event_id
        self.ok = False
        self.problems.append(message)


def _stream_leaves(*, below: int, chunk: int = 2000) -> Iterator[tuple[AuditLeaf, AuditEvent | None]]:
    """Leaves under ``below`` in index order with their events, in chunks; a missing event comes back None."""
    leaves_below = AuditLeaf.objects.filter(index__lt=below).order_by("index")
    last: int | None = None
    while True:
        page = leaves_below if last is None else leaves_below.filter(index__gt=last)
        leaves = list(page[:chunk])
        if not leaves:
            return
        events = AuditEvent.objects.in_bulk([leaf.event_id for leaf in leaves])
        for leaf in leaves:
            yield leaf, events.get(leaf.event_id)
        last = leaves[-1].index


def _stream_heads(*, up_to: int, chunk: int = 500) -> Iterator[TreeHead]:
    heads_up_to = TreeHead.objects.filter(tree_size__lte=up_to).order_by("tree_size")
    last: int | None = None
    while True:
        page = heads_up_to if last is None else heads_up_to.filter(tree_size__gt=last)
        heads = list(page[:chunk])
        if not heads:
            return
        yield from heads
        last = heads[-1].tree_size


@dataclass(frozen=True)
class _HeadKey:
    key: Any
    algorithm: str
    retired_at: datetime | None


def _head_keys() -> dict[str, _HeadKey]:
    """Every pinned key that ever signed, retired ones too: rotating the key must not void older
    heads. A key in the table that is not pinned outside the database is no key at all here
    (``crypto.pins``): whoever can write the table could otherwise re-sign a rewritten history."""
    return {
        row.kid: _HeadKey(key=jwk.import_key(dict(row.public_jwk)), algorithm=row.algorithm, retired_at=row.retired_at)
        for row in signing.trusted_signing_keys(include_retired=True)
    }


class BadTreeHeadSignature(ValueError):
    """A signed tree head that does not verify against the pinned keys; the message says why."""


@dataclass(frozen=True)
class SignedTreeHead:
    """What a valid signed tree head vouches for."""

    tree_size: int
    root_hash: str
    signed_at: datetime
    key_id: str


def signed_tree_head_read(token: str, keys: dict[str, _HeadKey] | None = None) -> SignedTreeHead:
    """The tree a compact JWS tree head signs, verified against the pinned keys (``crypto.pins``)."""
    keys = _head_keys() if keys is None else keys
    try:
        kid = str(jws.extract_compact(token.encode()).headers().get("kid"))
    except Exception:  # any failure to parse is a bad signature, whatever joserfc calls it
        raise BadTreeHeadSignature("has an invalid signature") from None
    if kid not in keys:
        raise BadTreeHeadSignature(f"is signed by key {kid}, which is not pinned (AUDIT_TRUSTED_KEYS)")
    signer = keys[kid]
    try:
        claimed = json.loads(jws.deserialize_compact(token, signer.key, algorithms=[signer.algorithm]).payload)
        head = SignedTreeHead(
            tree_size=claimed["tree_size"],
            root_hash=claimed["root_hash"],
            signed_at=datetime.fromisoformat(claimed["timestamp"]),
            key_id=kid,
        )
    except Exception:  # any failure to parse or verify is a bad signature, whatever joserfc calls it
        raise BadTreeHeadSignature("has an invalid signature") from None
    if not isinstance(head.tree_size, int) or not isinstance(head.root_hash, str):
        raise BadTreeHeadSignature("has an invalid signature")
    if signer.retired_at is not None and head.signed_at >= signer.retired_at:
        raise BadTreeHeadSignature("has a signature made after its key was retired")
    return head


def _head_signature_problem(head: TreeHead, keys: dict[str, _HeadKey]) -> str | None:
    try:
        signed = signed_tree_head_read(head.signature, keys)
    except BadTreeHeadSignature as bad:
        return str(bad)
    if signed.tree_size != head.tree_size or signed.root_hash != head.root_hash:
        return "has a signature over another tree"
    if signed.signed_at != head.signed_at:
        return "has a signature with another timestamp"
    return None


def audit_verify() -> VerifyReport:
    """Recompute every leaf and signed root; name the first event altered, removed or reordered.

    Checked up to the largest signed tree head at the start: a seal that commits meanwhile only
    appends beyond it. Memory stays constant whatever the size of the log.
    """
    report = VerifyReport()
    keys = _head_keys()
    signed_size = TreeHead.objects.aggregate(size=Max("tree_size"))["size"] or 0
    witnessed = _witnessed_roots(keys, report)
    duplicated = set(
        AuditLeaf.objects.filter(index__lt=signed_size)
        .values("event_id")
        .annotate(n=Count("index"))
        .filter(n__gt=1)
        .values_list("event_id", flat=True)
    )
    seen_duplicated: set[int] = set()
    heads = _stream_heads(up_to=signed_size)
    head = next(heads, None)
    frontier = merkle.Frontier()
    expected_index = 0
    # One seal appends its events in id order. Between seals ids may go back: on PostgreSQL an id is
    # drawn at INSERT, so an event whose transaction commits late is sealed after newer ones.
    previous: tuple[int, int] | None = None  # (leaf index, event id) of the previous leaf of this seal
    before_previous: int | None = None
    for leaf, event in _stream_leaves(below=signed_size):
        if leaf.index != expected_index:
            report.fail(f"leaf {expected_index} is missing (leaves jump to {leaf.index})")
            expected_index = leaf.index
        if event is None:
            report.fail(f"event {leaf.event_id} (leaf {leaf.index}) was removed", leaf.event_id)
        else:
            recomputed = event_leaf_hash({name: getattr(event, name) for name in HASHED_FIELDS})
            if recomputed != leaf.leaf_hash or event.leaf_hash != leaf.leaf_hash:
                report.fail(f"event {event.pk} (leaf {leaf.index}) was altered or moved", event.pk)
        if leaf.event_id in duplicated:
            if leaf.event_id in seen_duplicated:
                report.fail(f"event {leaf.event_id} is sealed twice (again at leaf {leaf.index})", leaf.event_id)
            seen_duplicated.add(leaf.event_id)
        if previous is not None and leaf.event_id <= previous[1]:
            # Out of order: if this leaf still follows the one before the previous, the previous is
            # the one out of place (a swap is named by its earlier leaf).
            if before_previous is None or leaf.event_id > before_previous:
                report.fail(f"event {previous[1]} (leaf {previous[0]}) is out of order", previous[1])
            else:
                report.fail(f"event {leaf.event_id} (leaf {leaf.index}) is out of order", leaf.event_id)
        before_previous = previous[1] if previous is not None else None
        previous = (leaf.index, leaf.event_id)
        frontier.append(bytes.fromhex(leaf.leaf_hash))
        expected_index += 1
        report.events_checked += 1
        if frontier.size in witnessed:
            root_hash = frontier.root().hex()
            for root_witnessed, agencies in sorted(witnessed.pop(frontier.size).items()):
                if root_witnessed != root_hash:
                    names = ", ".join(str(a) for a in sorted(agencies))
                    report.fail(f"the tree of size {frontier.size} differs from the head agency {names} witnessed")
        if head is not None and head.tree_size == frontier.size:
            if frontier.root().hex() != head.root_hash:
                report.fail(f"signed tree head of size {head.tree_size} does not match the leaves")
            problem = _head_signature_problem(head, keys)
            if problem is not None:
                report.fail(f"signed tree head of size {head.tree_size} {problem}")
            report.tree_heads_checked += 1
            head = next(heads, None)
            previous = before_previous = None  # the next seal starts here
    if head is not None:
        report.fail(f"signed tree head of size {head.tree_size} covers leaves that are missing")
    for size, roots in sorted(witnessed.items()):
        names = ", ".join(str(a) for agencies in roots.values() for a in sorted(agencies))
        report.fail(f"the signed tree no longer reaches size {size}, which agency {names} witnessed")
    # A seal writes its leaves and its head in one transaction, so a leaf beyond every head was put
    # there by hand. Leaves are read before heads: a seal committing in between shows its head.
    last_leaf = AuditLeaf.objects.order_by("-index").first()
    top_size = TreeHead.objects.aggregate(size=Max("tree_size"))["size"] or 0
    if last_leaf is not None and last_leaf.index >= top_size:
        uncovered = AuditLeaf.objects.filter(index__gte=top_size).order_by("index").first() or last_leaf
        report.fail(f"leaf {uncovered.index} is not covered by any signed tree head", uncovered.event_id)
    report.unsealed_events = AuditEvent.objects.filter(leaf__isnull=True).count()
    return report


def audit_verify_record(*, actor: Actor) -> VerifyReport:
    """Run ``audit_verify`` and keep its result as an audit event (``audit.verified``).

    The event is the stored result the back-office and its dashboard show: when, by whom, how many
    events and signed heads were checked, and the first problems found (outcome ``failure``).
    """
    report = audit_verify()
    audit_record(
        actor=actor,
        action=AuditAction.AUDIT_VERIFIED,
        outcome=AuditEvent.Outcome.SUCCESS if report.ok else AuditEvent.Outcome.FAILURE,
        detail={
            "events_checked": report.events_checked,
            "tree_heads_checked": report.tree_heads_checked,
            "unsealed_events": report.unsealed_events,
            "problems": report.problems[:20],
            "problem_count": len(report.problems),
            "first_bad_event_id": report.first_bad_event_id,
        },
    )
    return report


def _witnessed_roots(keys: dict[str, _HeadKey], report: VerifyReport) -> dict[int, dict[str, set[int]]]:
    """Every head an agency reported (``audit.witness``), by size and root, with the agencies that saw it.

    Each carries the platform's signature from when the agency saw it, so the tree must still have
    that root at that size, whoever has written to the database since. A reported head whose
    signature does not verify was not stored by the platform (it checks before storing)."""
    roots: dict[int, dict[str, set[int]]] = {}
    checked: dict[str, bool] = {}
    for agency_id, tree_size, root_hash, token in WitnessedHead.objects.order_by("tree_size").values_list(
        "agency_id", "tree_size", "root_hash", "signed_tree_head"
    ):
        if token not in checked:
            try:
                signed = signed_tree_head_read(token, keys)
                checked[token] = (signed.tree_size, signed.root_hash) == (tree_size, root_hash)
            except BadTreeHeadSignature:
                checked[token] = False
        if not checked[token]:
            report.fail(f"a head of size {tree_size} that agency {agency_id} witnessed does not verify")
            continue
        roots.setdefault(tree_size, {}).setdefault(root_hash, set()).add(agency_id)
    return roots


def _proof(ranges: list[tuple[int, int]]) -> list[bytes]:
    """The roots of ``ranges`` from the stored perfect subtrees: O(log n) rows, never every leaf."""
    wanted = merkle.nodes_of(ranges)
    leaves = [start for level, start in wanted if level == 0]
    inner = [merkle.position(level, start) for level, start in wanted if level > 0]
    found: dict[tuple[int, int], bytes] = {
        (0, index): bytes.fromhex(h)
        for index, h in AuditLeaf.objects.filter(index__in=leaves).values_list("index", "leaf_hash")
    }
    by_position = dict(AuditNode.objects.filter(position__in=inner).values_list("position", "node_hash"))

    def node(level: int, start: int) -> bytes:
        if (level, start) in found:
            return found[(level, start)]
        stored = by_position.get(merkle.position(level, start)) if level > 0 else None
        if stored is None:
            # Not stored (a leaf removed by hand, a node lost): computed from the leaves, so the proof
            # is still that of the tree as it is now, and simply fails to verify if it was altered.
            hashes = AuditLeaf.objects.filter(index__gte=start, index__lt=start + (1 << level)).order_by("index")
            return merkle.root([bytes.fromhex(h) for h in hashes.values_list("leaf_hash", flat=True)])
        return bytes.fromhex(stored)

    return merkle.proof_from_ranges(ranges, node)


def tree_head_get(*, tree_size: int | None = None) -> TreeHead:
    heads = TreeHead.objects.order_by("-tree_size")
    head = heads.filter(tree_size=tree_size).first() if tree_size is not None else heads.first()
    if head is None:
        raise NotFound("Er is (nog) geen ondertekende boomkop van die grootte.")
    return head


def inclusion_proof_for_agency(*, agency_id: int, event_id: int, tree_size: int | None = None) -> dict[str, Any]:
    """An inclusion proof for one of the agency's own events (another agency's event: 404)."""
    event = AuditEvent.objects.filter(pk=event_id, agency_id=agency_id).select_related("leaf").first()
    if event is None:
        raise NotFound("Deze auditgebeurtenis bestaat niet voor uw instantie.")
    leaf = AuditLeaf.objects.filter(event_id=event.pk).first()
    if leaf is None:
        raise NotFound("Deze auditgebeurtenis is nog niet in een ondertekende boomkop opgenomen; probeer later.")
    head = tree_head_get(tree_size=tree_size)
    if leaf.index >= head.tree_size:
        raise NotFound("Deze gebeurtenis valt buiten de gevraagde boomkop.")
    proof = _proof(merkle.inclusion_ranges(leaf.index, head.tree_size))
    return {
        "event_id": event.pk,
        "leaf_index": leaf.index,
        "leaf_hash": leaf.leaf_hash,
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "audit_path": [p.hex() for p in proof],
        "signed_tree_head": head.signature,
    }


def consistency_proof_between(*, first: int, second: int) -> dict[str, Any]:
    if not 0 < first <= second:
        raise ValidationError("De eerste boomgrootte moet tussen 1 en de tweede liggen.")
    first_head = tree_head_get(tree_size=first)
    second_head = tree_head_get(tree_size=second)
    proof = _proof(merkle.consistency_ranges(first, second)) if first != second else []
    return {
        "first": {
            "tree_size": first,
            "root_hash": first_head.root_hash,
            "signed_tree_head": first_head.signature,
        },
        "second": {
            "tree_size": second,
            "root_hash": second_head.root_hash,
            "signed_tree_head": second_head.signature,
        },
        "consistency_path": [p.hex() for p in proof],
    }


# Shapes of audit evidence that several capabilities record the same way.


def audit_reads_per_citizen(
    *,
    actor: Actor,
    rows: list[Any],
    action: AuditAction,
    purpose: str,
    subject: type[models.Model],
    detail_key: str,
) -> None:
    """One read event per citizen and agency whose rows were shown (DESIGN rule 2): it names the
    citizen (``subject``, the citizens' model: this layer does not import it), so the read shows in
    that citizen's access log, and up to 50 of the row ids read."""
    for citizen_id, agency_id in {(r.citizen_id, r.agency_id) for r in rows}:
        audit_record(
            actor=actor,
            action=action,
            agency_id=agency_id,
            order_version_id=actor.order_version_id,
            target=subject,
            object_id=str(citizen_id),
            purpose=purpose,
            detail={detail_key: sorted(str(r.pk) for r in rows if r.citizen_id == citizen_id)[:50]},
        )


def agency_rows_purge(
    model: type[models.Model],
    *,
    agency_id: int,
    created_before: datetime,
    action: AuditAction,
    batch_size: int = 500,
) -> int:
    """One batch (one transaction): delete up to ``batch_size`` rows of ``model`` of one agency created
    before the cutoff, with one audit event: the evidence that the purge happened, without the content.

    The cutoff comes from the order in force at the time of the run, so a changed retention counts
    from the next run on (DESIGN rule 7)."""
    with transaction.atomic():
        ids = list(
            model._default_manager.filter(agency_id=agency_id, created_at__lte=created_before)
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return 0
        model._default_manager.filter(pk__in=ids).delete()
        audit_record(
            actor=Actor(kind="system", id="retention", agency_id=agency_id),
            action=action,
            agency_id=agency_id,
            target=model,
            detail={"count": len(ids), "created_before": created_before.isoformat()},
        )
    return len(ids)
