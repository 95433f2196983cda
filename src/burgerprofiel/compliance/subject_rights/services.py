"""Export, restriction and erasure of one citizen's data at one agency (charter 7; issue 13 item 3).

Design note: what the platform holds for an agency on a citizen is found through the holdings
registry (``compliance.holdings``, ``rows_of_citizen``): the same list offboarding deletes from, so
an export is complete when a deletion is. Every act is audited on the citizen (``target``) and
carries the agency; nothing of another agency is ever selected (each holding's selector filters on
the agency first). Erasure skips records under a legal hold (GDPR 17(3)(b)) and says so.
A restriction is checked by the API before anything new is accepted for that agency and citizen
(``restriction_check``).
"""

from __future__ import annotations

import base64
from typing import Any

from django.db import transaction
from django.utils import timezone

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.citizens.insz import insz_index
from burgerprofiel.citizens.models import Citizen
from burgerprofiel.common.errors import ApplicationError, PermissionDenied
from burgerprofiel.common.queries import StatementGuard
from burgerprofiel.compliance import holdings
from burgerprofiel.compliance.export import attachment_files, row_export
from burgerprofiel.compliance.offboarding.services import held_rows
from burgerprofiel.compliance.subject_rights.models import Restriction


class SubjectRestricted(PermissionDenied):
    code = "subject-restricted"
    title = "Verwerking beperkt voor deze burger"


def _target(index: str) -> tuple[Any, str | None]:
    """The audit target: the citizen when the platform knows them (by id, never the INSZ)."""
    citizen = Citizen.objects.filter(insz_index=index).only("pk").first()
    return (citizen, None) if citizen is not None else (Citizen, "onbekend")


def restriction_active(*, agency_id: int, index: str) -> Restriction | None:
    return (
        Restriction.objects.filter(agency_id=agency_id, insz_index=index, lifted_at__isnull=True)
        .order_by("-created_at")
        .first()
    )


def restricted_indexes(*, agency_id: int, indexes: set[str]) -> set[str]:
    if not indexes:
        return set()
    return set(
        Restriction.objects.filter(agency_id=agency_id, insz_index__in=indexes, lifted_at__isnull=True).values_list(
            "insz_index", flat=True
        )
    )


def agency_has_restrictions(*, agency_id: int) -> bool:
    """Whether any citizen is restricted for the agency (a bulk call pays for a scan only then)."""
    return Restriction.objects.filter(agency_id=agency_id, lifted_at__isnull=True).exists()


def _index_or_none(value: str) -> str | None:
    try:
        return insz_index(value)
    except ApplicationError:  # not an INSZ (a KBO number, or invalid: validation answers that)
        return None


def restriction_check(*, agency_id: int, insz_values: list[list[str]], actor: Actor, what: str) -> None:
    """Refuse (403 subject-restricted, audited) when a citizen named in any item is restricted for the
    agency. ``insz_values``: per item (a notification, an upload line) the INSZ numbers it names;
    the problem lists the positions of the items refused."""
    if not agency_has_restrictions(agency_id=agency_id):
        return
    by_index: dict[str, list[int]] = {}
    for position, values in enumerate(insz_values):
        for value in values:
            index = _index_or_none(value)
            if index is not None:
                by_index.setdefault(index, []).append(position)
    hit = restricted_indexes(agency_id=agency_id, indexes=set(by_index))
    if not hit:
        return
    positions = sorted({p for i in hit for p in by_index[i]})
    target, object_id = _target(next(iter(hit)))
    audit_record(
        actor=actor,
        action=AuditAction.SUBJECT_RESTRICTION_REFUSED,
        outcome=AuditEvent.Outcome.REFUSED,
        target=target,
        object_id=object_id,
        agency_id=agency_id,
        purpose=what[:200],
        detail={"what": what, "count": len(hit)},
    )
    raise SubjectRestricted(
        f"De verwerking is beperkt voor {'deze burger' if len(hit) == 1 else f'{len(hit)} burgers'} "
        f"(AVG artikel 18): {what} wordt niet aanvaard tot uw instantie de beperking opheft.",
        extra={"reason": "subject-restricted", "positions": positions},
    )


def restriction_guard(*, agency_id: int, insz_values: list[list[str]], actor: Actor, what: str) -> StatementGuard:
    """``restriction_check`` as a condition of the write that it protects (PostgreSQL: one statement
    checks and writes; see ``StatementGuard``): no citizen named is restricted for the agency. When
    the write did not happen, ``explain`` runs ``restriction_check`` itself (the same refusal, audited
    the same way). The table and its index are those ``restriction_check`` reads."""
    indexes = sorted({i for values in insz_values for v in values if (i := _index_or_none(v)) is not None})
    table = Restriction._meta.db_table
    sql = (
        f"NOT EXISTS (SELECT 1 FROM {table} WHERE agency_id = %s AND lifted_at IS NULL "  # noqa: S608 - the model's table; values are parameters
        "AND insz_index = ANY(%s))"
    )
    return StatementGuard(
        sql=sql,
        params=(agency_id, indexes),
        explain=lambda: restriction_check(agency_id=agency_id, insz_values=insz_values, actor=actor, what=what),
    )


def restrictions_of_citizen(*, citizen: Citizen) -> list[tuple[str, Any]]:
    """(agency name, since) of every agency that restricted processing for this citizen (the portal
    shows them: the citizen sees that the processing is restricted, GDPR 18)."""
    return [
        (r.agency.name, r.created_at)
        for r in Restriction.objects.filter(insz_index=citizen.insz_index, lifted_at__isnull=True)
        .select_related("agency")
        .order_by("agency__name")
    ]


def subject_export(*, agency: Agency, insz: str, actor: Actor) -> dict[str, Any]:
    """Everything the platform holds for ``agency`` on this citizen, machine-readable (GDPR 15, 20)."""
    index = insz_index(insz)
    components: dict[str, list[dict[str, Any]]] = {}
    files: list[dict[str, Any]] = []
    for holding in sorted(holdings.holdings(), key=lambda h: -h.delete_order):  # parents first
        if holding.citizen is None or not holding.exported:
            continue
        for row in holding.rows_of_citizen(agency.pk, index).order_by("pk"):
            components.setdefault(holding.component, []).append(row_export(row))
            for path, content in attachment_files(row):
                files.append({"path": path, "content_base64": base64.b64encode(content).decode()})
    restriction = restriction_active(agency_id=agency.pk, index=index)
    counts = {component: len(rows) for component, rows in components.items()}
    target, object_id = _target(index)
    audit_record(
        actor=actor,
        action=AuditAction.SUBJECT_EXPORTED,
        target=target,
        object_id=object_id,
        agency_id=agency.pk,
        purpose="AVG art. 15/20 via de verwerkingsverantwoordelijke",
        detail={"records": counts, "files": len(files)},
    )
    return {
        "format": "burgerprofiel.subject-export/1",
        "agency": {"id": agency.pk, "name": agency.name, "kbo": agency.kbo},
        "generated_at": timezone.now(),
        "restricted": restriction is not None,
        "counts": counts,
        "components": components,
        "files": files,
    }


def subject_restrict(*, agency: Agency, insz: str, reason: str, actor: Actor) -> Restriction:
    """Restrict processing for this agency and citizen (GDPR 18); setting it twice keeps the first."""
    index = insz_index(insz)
    with transaction.atomic():
        existing = restriction_active(agency_id=agency.pk, index=index)
        if existing is not None:
            return existing
        restriction = Restriction.objects.create(
            agency=agency, insz_index=index, reason=reason.strip(), created_by=actor.id
        )
        target, object_id = _target(index)
        audit_record(
            actor=actor,
            action=AuditAction.SUBJECT_RESTRICTED,
            target=target,
            object_id=object_id,
            agency_id=agency.pk,
            purpose=reason.strip()[:200] or "AVG art. 18",
            detail={"restriction": restriction.pk},
        )
    return restriction


def subject_restriction_lift(*, agency: Agency, insz: str, actor: Actor) -> bool:
    """Lift the restriction; returns whether there was one."""
    index = insz_index(insz)
    with transaction.atomic():
        restriction = restriction_active(agency_id=agency.pk, index=index)
        if restriction is None:
            return False
        restriction.lifted_at = timezone.now()
        restriction.lifted_by = actor.id
        restriction.save(update_fields=["lifted_at", "lifted_by"])
        target, object_id = _target(index)
        audit_record(
            actor=actor,
            action=AuditAction.SUBJECT_RESTRICTION_LIFTED,
            target=target,
            object_id=object_id,
            agency_id=agency.pk,
            detail={"restriction": restriction.pk},
        )
    return True


def subject_erase(*, agency: Agency, insz: str, actor: Actor) -> dict[str, Any]:
    """Erase everything of ``agency`` on this citizen (GDPR 17), except records under a legal hold.
    The citizen's platform identity and own profile stay (other agencies, the citizen's account)."""
    index = insz_index(insz)
    kept = held_rows(agency_id=agency.pk)
    erased: dict[str, int] = {}
    held: dict[str, int] = {}
    with transaction.atomic():
        # Every holding's rows first, then delete: a child's selector may go through the rows its
        # parent's selector needs (a dossier is the citizen's through its owners, deleted before it).
        chosen: list[tuple[holdings.Holding, list[Any]]] = []
        for holding in holdings.holdings():
            if holding.citizen is None:
                continue
            rows = holding.rows_of_citizen(agency.pk, index)
            if kept.get(holding.label):
                held_here = rows.filter(pk__in=kept[holding.label]).count()
                if held_here:
                    held[holding.component] = held.get(holding.component, 0) + held_here
                rows = rows.exclude(pk__in=kept[holding.label])
            chosen.append((holding, list(rows.values_list("pk", flat=True))))
        for holding, pks in chosen:
            if not pks:
                continue
            _, per_model = holding.model._default_manager.filter(pk__in=pks).delete()
            for label, count in per_model.items():
                if count:
                    found = holdings.holding_for(label)
                    component = found.component if found else label
                    erased[component] = erased.get(component, 0) + count
        target, object_id = _target(index)
        audit_record(
            actor=actor,
            action=AuditAction.SUBJECT_ERASED,
            target=target,
            object_id=object_id,
            agency_id=agency.pk,
            purpose="AVG art. 17 via de verwerkingsverantwoordelijke",
            detail={"erased": erased, "kept_under_legal_hold": held},
        )
    return {"erased": erased, "kept_under_legal_hold": held}
