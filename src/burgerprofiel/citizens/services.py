from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.db import IntegrityError, connection, models, transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.keys import data_key_destroy
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.citizens.insz import insz_index, insz_normalise
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.copy import copy_rows, next_ids
from burgerprofiel.common.randomness import random_uuid
from burgerprofiel.crypto.fields import Sealers, blind_index, encrypted_field, sealed
from burgerprofiel.crypto.models import DataKey
from burgerprofiel.crypto.services import data_key_create, data_keys_create_many


def citizen_get_or_create(*, insz: str) -> Citizen:
    """The citizen with this INSZ, created (with a data key of their own) on first sight."""
    normalised = insz_normalise(insz)
    index = insz_index(normalised)
    existing = Citizen.objects.filter(insz_index=index).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Citizen.objects.create(
                insz_index=index,
                insz=normalised,
                data_key=data_key_create(owner_type=DataKey.OwnerType.CITIZEN),
            )
    except IntegrityError:  # created concurrently by another request
        return Citizen.objects.get(insz_index=index)


def citizens_create_many(*, insz_values: Sequence[str]) -> dict[str, int]:
    """Create the citizens of ``insz_values`` not known yet, in one write per table (COPY on
    PostgreSQL, multi-row INSERTs elsewhere): for bulk loads such as ``burgerprofiel seed``.

    Each citizen is stored as ``citizen_get_or_create`` stores one: the INSZ checked and normalised,
    its blind index, and the value sealed by the field's own ``stored`` with a data key of the
    citizen's own. Every value is checked before anything is written (a bad INSZ raises
    ``ValidationError`` and writes nothing). Returns the blind index of every given INSZ -> citizen id.
    """
    # The index as ``insz_index`` makes it, without checking each value a second time.
    normalised = {blind_index(n, purpose="insz"): n for n in (insz_normalise(v) for v in insz_values)}
    known = dict(Citizen.objects.filter(insz_index__in=list(normalised)).values_list("insz_index", "pk"))
    new = [(index, value) for index, value in normalised.items() if index not in known]
    if not new:
        return known
    field = encrypted_field(Citizen, "insz")
    sealers = Sealers()
    now = timezone.now()
    with transaction.atomic():
        key_ids = data_keys_create_many(owner_type=DataKey.OwnerType.CITIZEN, count=len(new))
        seal_ids = [random_uuid() for _ in new]  # each row's identity, bound into its sealed INSZ
        sealed_values = [
            field.stored(value, row={"data_key_id": key_id}, sealers=sealers, row_id=seal_id)
            for (_, value), key_id, seal_id in zip(new, key_ids, seal_ids, strict=True)
        ]
        if connection.vendor == "postgresql":
            ids = next_ids(Citizen, len(new))
            copy_rows(
                Citizen,
                ("id", "seal_id", "insz_index", "insz", "data_key_id", "created_at"),
                (
                    (pk, seal_id, index, cipher, key_id, now)
                    for pk, seal_id, (index, _), cipher, key_id in zip(
                        ids, seal_ids, new, sealed_values, key_ids, strict=True
                    )
                ),
            )
        else:
            created = Citizen.objects.bulk_create(
                [
                    Citizen(seal_id=seal_id, insz_index=index, insz=sealed(cipher), data_key_id=key_id)
                    for seal_id, (index, _), cipher, key_id in zip(seal_ids, new, sealed_values, key_ids, strict=True)
                ],
                batch_size=1000,
            )
            ids = [c.pk for c in created]
    known.update({index: pk for (index, _), pk in zip(new, ids, strict=True)})
    return known


def citizens_unreferenced(
    *, created_before: dt.datetime, active_since: dt.datetime, keys_in_use: QuerySet[Any] | None = None
) -> QuerySet[Citizen]:
    """Citizens nothing refers to any more: no row of any model points at them (every reverse
    relation, found from the model, so a new one counts without a change here), none of
    ``keys_in_use`` is their blind index (what refers to a citizen by INSZ index, e.g. dossier owners),
    created before ``created_before`` and not seen acting since ``active_since`` (an open session)."""
    found = Citizen.objects.filter(created_at__lte=created_before)
    for relation in _reverse_relations():
        model = cast(type[models.Model], relation.related_model)
        found = found.exclude(Exists(model._default_manager.filter(**{relation.field.name: OuterRef("pk")})))
    acting = AuditEvent.objects.filter(
        actor_type="citizen", actor_id=Cast(OuterRef("pk"), output_field=CharField()), occurred_at__gte=active_since
    )
    found = found.exclude(Exists(acting))
    if keys_in_use is not None:
        found = found.exclude(insz_index__in=keys_in_use)
    return found.order_by("pk")


def _reverse_relations() -> list[Any]:
    """Every key pointing at Citizen, the hidden ones (``related_name="+"``) included: those are
    references too (``_meta.related_objects`` leaves them out)."""
    return [
        f
        for f in Citizen._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one)
    ]


def citizens_purge(*, citizen_ids: Sequence[int], reason: str) -> int:
    """Delete these citizens and crypto-shred each one's data key (one transaction, audited)."""
    actor = Actor(kind="system", id="retention")
    with transaction.atomic():
        rows = list(Citizen.objects.select_for_update().filter(pk__in=list(citizen_ids)).select_related("data_key"))
        if not rows:
            return 0
        Citizen.objects.filter(pk__in=[c.pk for c in rows]).delete()
        for citizen in rows:
            data_key_destroy(key=citizen.data_key, reason=reason, actor=actor)
        audit_record(
            actor=actor,
            action=AuditAction.RETENTION_PURGED,
            target=Citizen,
            detail={"count": len(rows), "reason": reason},
        )
    return len(rows)
