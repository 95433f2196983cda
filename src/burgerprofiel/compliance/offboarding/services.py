"""The end of an order (charter 12.2): return the agency's data or delete it, with legal holds.

Design note: everything the platform holds for an agency is found through the holdings registry
(``compliance.holdings``). Deletion goes model by model in the registry's order, in batches; each
batch is one transaction that also records the progress, so a run that stops (a crash, Ctrl-C) is
continued by running it again. Records under a legal hold are skipped, with whatever they point to
and whatever points to them; when the last hold ends they are purged too. Then the agency's data key
is destroyed, key-store secret included (``crypto.keystore``: a backup taken before cannot decrypt
the agency's fields), and a signed certificate says what went. Return builds a signed bundle first
(``bundle_build``), kept encrypted with a key of its own until the agency's client fetches it once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from burgerprofiel.agencies.models import Agency, ApiClient, ProcessingOrder, ProcessingOrderVersion
from burgerprofiel.agencies.services import processing_order_terminate
from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.keys import data_key_destroy
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.common.errors import ApplicationError, Conflict, NotFound, ValidationError
from burgerprofiel.compliance import holdings
from burgerprofiel.compliance.export import attachment_files, row_export
from burgerprofiel.compliance.notices.mail import notice_mails_dispatch
from burgerprofiel.compliance.notices.models import AgencyNotice
from burgerprofiel.compliance.notices.services import agency_notice_send, notice_recipients
from burgerprofiel.compliance.offboarding.models import LegalHold, Offboarding, ReturnBundle
from burgerprofiel.compliance.offboarding.verify import FORMAT, MANIFEST, SIGNATURE
from burgerprofiel.crypto import keystore
from burgerprofiel.crypto.signing import sign_detached
from burgerprofiel.notifications.senders import (
    ConnectionLost,
    PermanentFailure,
    SmtpSender,
    TemporaryFailure,
    mail_from,
)

BATCH_SIZE = 500
# How long a run's claim on an offboarding holds without a batch renewing it (a crashed run's lapses).
LEASE = dt.timedelta(minutes=10)
# Kept in return mode until the bundle is fetched: the client that fetches it (no personal data).
KEPT_FOR_RETURN = ("agencies.ApiClient",)


class BundleGone(ApplicationError):
    code = "bundle-gone"
    status = 410
    title = "De teruggavebundel is niet meer beschikbaar"


# -- legal holds -------------------------------------------------------------------------------


def legal_hold_place(
    *, agency: Agency, model: str, object_id: str, reason: str, until: dt.date, actor: Actor
) -> LegalHold:
    """Keep one record past the end of the order because the law requires it (charter 12.2)."""
    holding = holdings.holding_for(model)
    if holding is None:
        raise ValidationError(f"{model} houdt geen gegevens van een instantie bij (zie het holdings-register).")
    if not reason.strip():
        raise ValidationError("Een bewaarplicht vraagt een reden (de wettelijke grondslag).")
    if until < timezone.localdate():
        raise ValidationError("De einddatum van een bewaarplicht ligt niet in het verleden.")
    try:
        pk = holding.model._meta.pk.to_python(object_id)  # type: ignore[union-attr]
    except Exception as exc:  # a primary key of the wrong shape is the caller's mistake
        raise ValidationError(f"{object_id!r} is geen sleutel van {model}.") from exc
    if not holding.rows_of_agency(agency.pk).filter(pk=pk).exists():
        raise NotFound(f"{model} {object_id} bestaat niet bij deze instantie.")
    with transaction.atomic():
        hold = LegalHold.objects.create(
            agency=agency, model=model, object_id=str(pk), reason=reason.strip(), until=until, created_by=actor.id
        )
        audit_record(
            actor=actor,
            action=AuditAction.LEGAL_HOLD_PLACED,
            target=hold,
            agency_id=agency.pk,
            purpose=reason.strip()[:200],
            detail={"model": model, "object_id": str(pk), "until": until.isoformat()},
        )
    return hold


def legal_holds_active(*, agency_id: int, on: dt.date | None = None) -> list[LegalHold]:
    day = on or timezone.localdate()
    return list(LegalHold.objects.filter(agency_id=agency_id, released_at__isnull=True, until__gte=day))


def legal_holds_release_due(*, actor: Actor, on: dt.date | None = None) -> int:
    """End every hold past its date, and finish the offboarding of each agency that has none left
    (the held records are purged, the key destroyed, the final certificate issued)."""
    day = on or timezone.localdate()
    due = list(LegalHold.objects.filter(released_at__isnull=True, until__lt=day))
    for hold in due:
        with transaction.atomic():
            hold.released_at = timezone.now()
            hold.save(update_fields=["released_at"])
            audit_record(
                actor=actor,
                action=AuditAction.LEGAL_HOLD_RELEASED,
                target=hold,
                agency_id=hold.agency_id,
                detail={"model": hold.model, "object_id": hold.object_id, "until": hold.until.isoformat()},
            )
    for offboarding in Offboarding.objects.filter(state=Offboarding.State.HELD):
        try:
            offboarding_run(offboarding=offboarding, actor=actor, on=day)
        except OffboardingBusy:
            continue  # a manual run is finishing it; the next round sees it done

    return len(due)


def held_rows(*, agency_id: int, on: dt.date | None = None) -> dict[str, set[Any]]:
    """Per holding, the primary keys kept by the agency's active holds: the named records, what they
    point to and what points to them (so a cascade never takes a held record with it)."""
    kept: dict[str, set[Any]] = defaultdict(set)
    for hold in legal_holds_active(agency_id=agency_id, on=on):
        holding = holdings.holding_for(hold.model)
        if holding is not None:
            kept[hold.model].add(holding.model._meta.pk.to_python(hold.object_id))  # type: ignore[union-attr]
    if not kept:
        return {}
    registered = {h.label: h for h in holdings.holdings()}
    changed = True
    while changed:
        changed = False
        for holding in registered.values():
            for field in holding.model._meta.concrete_fields:
                related = field.related_model if field.is_relation else None
                target = related._meta.label if isinstance(related, type) else None
                if target not in registered or target == holding.label:
                    continue
                if kept[holding.label]:
                    up = set(
                        holding.model._default_manager.filter(pk__in=kept[holding.label]).values_list(
                            field.attname, flat=True
                        )
                    ) - {None}
                    if up - kept[target]:
                        kept[target] |= up
                        changed = True
                if kept[target]:
                    down = set(
                        holding.rows_of_agency(agency_id)
                        .filter(**{f"{field.attname}__in": kept[target]})
                        .values_list("pk", flat=True)
                    )
                    if down - kept[holding.label]:
                        kept[holding.label] |= down
                        changed = True
    return {label: pks for label, pks in kept.items() if pks}


# -- start and run -----------------------------------------------------------------------------


def _current_state(order: ProcessingOrder) -> str | None:
    version = order.current
    return version.state if version else None


def orders_awaiting_offboarding() -> QuerySet[ProcessingOrder]:
    """Orders whose current (newest) version is terminated and whose return or deletion has not been
    started: the ones ``offboarding_start`` accepts without ``terminate``. One query."""
    newest_state = ProcessingOrderVersion.objects.filter(order=OuterRef("pk")).order_by("-number").values("state")
    return (
        ProcessingOrder.objects.filter(offboarding__isnull=True)
        .annotate(current_state=Subquery(newest_state[:1]))
        .filter(current_state=ProcessingOrderVersion.State.TERMINATED)
        .select_related("agency")
    )


def offboarding_start(
    *, order: ProcessingOrder, mode: str, actor: Actor, reason: str = "", terminate: bool = False
) -> Offboarding:
    """Begin returning or deleting the agency's data. Only for a terminated order (``terminate``:
    terminate it first through the order's state machine, with ``reason``). Starting again returns
    the run already begun (it is continued by ``offboarding_run``)."""
    if mode not in Offboarding.Mode.values:
        raise ValidationError("Kies terugbezorgen (return) of verwijderen (delete).")
    existing = Offboarding.objects.filter(order=order).first()
    if existing is not None:
        if existing.mode != mode:
            raise Conflict(f"Voor deze opdracht loopt al een beëindiging met modus {existing.mode}.")
        return existing
    if _current_state(order) != ProcessingOrderVersion.State.TERMINATED:
        if not terminate:
            raise Conflict("De verwerkingsopdracht is niet beëindigd: beëindig ze eerst (of gebruik --terminate).")
        if not reason.strip():
            raise ValidationError("Een beëindiging vraagt een reden.")
        processing_order_terminate(order=order, reason=reason, actor=actor)
    others = [
        o.pk
        for o in ProcessingOrder.objects.filter(agency_id=order.agency_id).exclude(pk=order.pk)
        if _current_state(o) not in (None, ProcessingOrderVersion.State.TERMINATED)
    ]
    if others:
        raise Conflict(
            f"De instantie heeft nog een lopende verwerkingsopdracht ({', '.join(map(str, others))}): "
            "haar gegevens blijven nodig."
        )
    with transaction.atomic():
        offboarding = Offboarding.objects.create(
            order=order, agency_id=order.agency_id, mode=mode, reason=reason.strip(), started_by=actor.id
        )
        audit_record(
            actor=actor,
            action=AuditAction.OFFBOARDING_STARTED,
            target=offboarding,
            agency_id=order.agency_id,
            purpose=f"charter 12.2: {mode}",
            detail={"order": order.pk, "mode": mode},
        )
    return offboarding


def rows_to_purge(*, offboarding: Offboarding, on: dt.date | None = None) -> int:
    """How many rows the run still has to delete (for a progress bar)."""
    kept = held_rows(agency_id=offboarding.agency_id, on=on)
    total = 0
    for holding in _purged_holdings(offboarding):
        rows = holding.rows_of_agency(offboarding.agency_id)
        if kept.get(holding.label):
            rows = rows.exclude(pk__in=kept[holding.label])
        total += rows.count()
    return total


def _purged_holdings(offboarding: Offboarding) -> list[holdings.Holding]:
    skip = KEPT_FOR_RETURN if offboarding.mode == Offboarding.Mode.RETURN else ()
    return [h for h in holdings.holdings() if h.label not in skip]


class OffboardingBusy(Conflict):
    code = "offboarding-running"
    title = "Deze beëindiging loopt al"


def _lease_take(offboarding_id: int, runner: str) -> Offboarding:
    """Claim the run (row lock): refused while another run's claim is fresh (``LEASE``)."""
    with transaction.atomic():
        row = Offboarding.objects.select_for_update().get(pk=offboarding_id)
        now = timezone.now()
        if row.runner and row.runner != runner and row.lease_until is not None and row.lease_until > now:
            raise OffboardingBusy(
                "Deze beëindiging loopt al (een andere run is bezig); probeer het later opnieuw.",
                extra={"lease_until": row.lease_until.isoformat()},
            )
        row.runner = runner
        row.lease_until = now + LEASE
        row.save(update_fields=["runner", "lease_until"])
    return row


def _locked(offboarding_id: int, runner: str) -> Offboarding:
    """Inside a transaction: the row, locked and re-read, still claimed by ``runner`` (claim renewed).
    A run whose claim lapsed and was taken over stops here instead of deleting or certifying twice."""
    row = Offboarding.objects.select_for_update().get(pk=offboarding_id)
    if row.runner != runner:
        raise OffboardingBusy("Een andere run heeft deze beëindiging overgenomen; deze run stopt.")
    row.lease_until = timezone.now() + LEASE
    row.save(update_fields=["lease_until"])
    return row


def offboarding_run(
    *,
    offboarding: Offboarding,
    actor: Actor,
    batch_size: int = BATCH_SIZE,
    on: dt.date | None = None,
    on_progress: Callable[[int], None] | None = None,
    stop_after_batches: int | None = None,
) -> Offboarding:
    """Run (or continue) the offboarding: bundle (return), purge in batches, destroy the key,
    certify. ``stop_after_batches``: stop early, as a crash would (tests of resuming).

    One run at a time: the run claims the row (``runner``, ``lease_until``, under a row lock) and
    every batch and the finish re-lock it and check the claim; a second run meanwhile gets
    ``OffboardingBusy`` (409). A crashed run's claim lapses after ``LEASE``."""
    if offboarding.state == Offboarding.State.DONE:
        return offboarding
    runner = uuid.uuid4().hex
    row = _lease_take(offboarding.pk, runner)
    try:
        if row.state != Offboarding.State.DONE:
            _run_claimed(row, runner, actor, batch_size, on, on_progress, stop_after_batches)
    finally:
        Offboarding.objects.filter(pk=offboarding.pk, runner=runner).update(runner="", lease_until=None)
    offboarding.refresh_from_db()
    return offboarding


def _run_claimed(
    offboarding: Offboarding,
    runner: str,
    actor: Actor,
    batch_size: int,
    on: dt.date | None,
    on_progress: Callable[[int], None] | None,
    stop_after_batches: int | None,
) -> None:
    agency = Agency.objects.get(pk=offboarding.agency_id)
    if (
        offboarding.mode == Offboarding.Mode.RETURN
        and not ReturnBundle.objects.filter(offboarding=offboarding).exists()
    ):
        bundle_build(offboarding=offboarding, actor=actor)
    _offboarding_notice(offboarding, runner, agency, actor)
    kept = held_rows(agency_id=agency.pk, on=on)
    done = 0
    batches = 0
    for holding in _purged_holdings(offboarding):
        model = holding.model
        while True:
            rows = holding.rows_of_agency(agency.pk)
            if kept.get(holding.label):
                rows = rows.exclude(pk__in=kept[holding.label])
            pks = list(rows.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not pks:
                break
            if stop_after_batches is not None and batches >= stop_after_batches:
                return
            with transaction.atomic():
                row = _locked(offboarding.pk, runner)
                _, per_model = model._default_manager.filter(pk__in=pks).delete()
                for label, count in per_model.items():
                    if not count:
                        continue
                    row.progress[label] = row.progress.get(label, 0) + count
                    component = holdings.holding_for(label)
                    key = component.component if component else label
                    row.counts[key] = row.counts.get(key, 0) + count
                row.save(update_fields=["progress", "counts"])
                audit_record(
                    actor=actor,
                    action=AuditAction.OFFBOARDING_PURGE_BATCH,
                    target=row,
                    agency_id=agency.pk,
                    detail={"model": holding.label, "rows": {k: v for k, v in per_model.items() if v}},
                )
            batches += 1
            done += len(pks)
            if on_progress is not None:
                on_progress(done)
    entry: dict[str, Any] | None = None
    with transaction.atomic():
        row = _locked(offboarding.pk, runner)
        if row.state == Offboarding.State.DONE:
            return
        agency.refresh_from_db()
        if agency.dpo_name or agency.dpo_email:  # the DPO's name and address: personal data of the agency's
            agency.dpo_name = ""
            agency.dpo_email = ""
            agency.save(update_fields=["dpo_name", "dpo_email"])
        if kept:
            if row.state != Offboarding.State.HELD:
                row.state = Offboarding.State.HELD
                row.save(update_fields=["state"])
                entry = certificate_issue(offboarding=row, actor=actor, kept=kept, on=on)
        else:
            data_key_destroy(key=agency.data_key, reason=f"einde verwerkingsopdracht {row.order_id}", actor=actor)
            row.key_destroyed_at = timezone.now()
            row.state = Offboarding.State.DONE
            row.finished_at = timezone.now()
            row.save(update_fields=["key_destroyed_at", "state", "finished_at"])
            entry = certificate_issue(offboarding=row, actor=actor, kept={}, on=on)
    if entry is not None:  # after the commit: the certificate is issued whatever the mail server does
        certificate_mail(offboarding_id=offboarding.pk, entry=entry, actor=actor)


NOTICE_KIND = "offboarding"


def _offboarding_notice(offboarding: Offboarding, runner: str, agency: Agency, actor: Actor) -> None:
    """Once, before the purge deletes the agency's contacts: tell them (notice ``verwerker.offboarding``,
    e-mailed at once — the queued mails are a holding the purge takes) and keep their addresses for
    the certificate."""
    with transaction.atomic():
        row = _locked(offboarding.pk, runner)
        if AgencyNotice.objects.filter(kind=NOTICE_KIND, object_type="offboarding", object_id=str(row.pk)).exists():
            return
        recipients = notice_recipients(agency=agency)
        row.mail_to = [address for _, address in recipients]
        row.save(update_fields=["mail_to"])
        bundle = ReturnBundle.objects.filter(offboarding=row).first()
        if row.mode == Offboarding.Mode.RETURN and bundle is not None:
            subject = "Einde verwerkingsopdracht: uw gegevens staan klaar om terug te halen"
            what = (
                f"Uw gegevens staan klaar in een ondertekende bundel ({bundle.filename}, SHA-256 {bundle.sha256}). "
                "Uw API-client haalt hem één keer af met een token met scope=offboarding: "
                "GET /api/v1/offboarding/bundle. Daarna wordt hij gewist. "
                "Wij verwijderen nu de gegevens van uw instantie op het platform."
            )
        else:
            subject = "Einde verwerkingsopdracht: wij verwijderen uw gegevens"
            what = "Wij verwijderen nu de gegevens van uw instantie op het platform."
        body = (
            f"De verwerkingsopdracht {row.order_id} is beëindigd (verwerkingscharter artikel 12.2). {what}\n\n"
            "Uw contactpersonen en functionaris voor gegevensbescherming worden daarbij ook gewist; het "
            "ondertekende verwijderingsattest sturen wij naar de adressen waar deze kennisgeving heen gaat."
        )
        agency_notice_send(
            agency=agency,
            kind=NOTICE_KIND,
            subject=subject,
            body=body,
            data={
                "offboarding": row.pk,
                "processing_order": row.order_id,
                "mode": row.mode,
                "bundle": {"filename": bundle.filename, "sha256": bundle.sha256, "size": bundle.size}
                if bundle
                else None,
            },
            object_type="offboarding",
            object_id=str(row.pk),
            actor=actor,
        )
    notice_mails_dispatch()  # now, before the purge deletes the queued mails with the addresses


def certificate_mail(*, offboarding_id: int, entry: dict[str, Any], actor: Actor) -> int:
    """Mail a certificate (JSON and PDF) to the addresses taken before the purge; after the final
    one those addresses are forgotten. Returns how many were sent; a failure is audited, not raised
    (the certificate stays on the run and in the back-office). An address the server refuses for good
    does not keep the certificate from the others; a lost session ends the round."""
    offboarding = Offboarding.objects.get(pk=offboarding_id)
    certificate = entry["certificate"]
    addresses = list(offboarding.mail_to)
    sent = refused = 0
    error = ""
    if addresses:
        from_header, _ = mail_from()
        sender = SmtpSender()
        try:
            sender.open()
            pdf = certificate_pdf(entry)
            for address in addresses:
                message = MIMEMultipart("mixed")
                message["From"] = from_header
                message["To"] = address
                kind = "definitief" if certificate["final"] else "voorlopig"
                message["Subject"] = Header(
                    f"[Mijn Burgerprofiel] Verwijderingsattest ({kind}), opdracht {offboarding.order_id}", "utf-8"
                ).encode()
                message.attach(
                    MIMEText(
                        f"Aan {certificate['agency']['name']},\n\nIn bijlage het ondertekende verwijderingsattest "
                        f"({kind}) voor verwerkingsopdracht {offboarding.order_id} (verwerkingscharter 12.2): "
                        "JSON met de handtekening (JWS, controleerbaar met /oauth/jwks) en als PDF.\n",
                        "plain",
                        "utf-8",
                    )
                )
                for name, content, subtype in (
                    (f"attest-{certificate['certificate_id']}.json", _canonical(entry), "json"),
                    (f"attest-{certificate['certificate_id']}.pdf", pdf, "pdf"),
                ):
                    part = MIMEApplication(content, subtype)
                    part.add_header("Content-Disposition", "attachment", filename=name)
                    message.attach(part)
                try:
                    sender.send(message)
                except PermanentFailure as exc:  # this address refused: the others still get theirs
                    refused += 1
                    error = str(exc)[:200]
                    continue
                sent += 1
        except (ConnectionLost, TemporaryFailure) as exc:  # the session is gone: no address after it
            error = str(exc)[:200]
        finally:
            sender.close()
    with transaction.atomic():
        if certificate["final"]:
            Offboarding.objects.filter(pk=offboarding_id).update(mail_to=[])
        audit_record(
            actor=actor,
            action=AuditAction.OFFBOARDING_CERTIFICATE_MAILED,
            outcome=AuditEvent.Outcome.SUCCESS if addresses and not error else AuditEvent.Outcome.FAILURE,
            target=offboarding,
            agency_id=offboarding.agency_id,
            detail={
                "certificate_id": certificate["certificate_id"],
                "recipients": len(addresses),
                "sent": sent,
                "refused": refused,
                "error": error,
            },
        )
    return sent


# -- the certificate ---------------------------------------------------------------------------


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def certificate_issue(
    *, offboarding: Offboarding, actor: Actor, kept: dict[str, set[Any]], on: dt.date | None = None
) -> dict[str, Any]:
    """A signed deletion certificate (JSON, compact JWS over it), added to the run's certificates."""
    agency = Agency.objects.get(pk=offboarding.agency_id)
    holds = legal_holds_active(agency_id=agency.pk, on=on) if kept else []
    bundle = ReturnBundle.objects.filter(offboarding=offboarding).first()
    certificate: dict[str, Any] = {
        "type": "burgerprofiel.deletion-certificate/1",
        "certificate_id": str(uuid.uuid4()),
        "processor": "Digitaal Vlaanderen — Mijn Burgerprofiel",
        "agency": {"id": agency.pk, "name": agency.name, "kbo": agency.kbo},
        "processing_order": offboarding.order_id,
        "mode": offboarding.mode,
        "reason": offboarding.reason,
        "started_at": offboarding.started_at.isoformat(),
        "issued_at": timezone.now().isoformat(),
        "final": not kept,
        "deleted_per_component": dict(sorted(offboarding.counts.items())),
        "deleted_per_table": dict(sorted(offboarding.progress.items())),
        "kept_under_legal_hold": {
            "records": {label: len(pks) for label, pks in sorted(kept.items())},
            "holds": [
                {"model": h.model, "object_id": h.object_id, "reason": h.reason, "until": h.until.isoformat()}
                for h in holds
            ],
        },
        "data_key": {
            "id": str(agency.data_key_id),
            "destroyed_at": offboarding.key_destroyed_at.isoformat() if offboarding.key_destroyed_at else None,
            "note": (
                "Vernietigd, ook het geheim in de sleutelopslag buiten de databank: reservekopieën van de "
                "databank van voor deze datum kunnen de gegevens van de instantie niet meer ontsleutelen."
                if offboarding.key_destroyed_at
                else "Wordt vernietigd wanneer de laatste bewaarplicht afloopt."
            ),
        },
        "return_bundle": (
            {"sha256": bundle.sha256, "size": bundle.size, "created_at": bundle.created_at.isoformat()}
            if bundle
            else None
        ),
    }
    token, kid = sign_detached(_canonical(certificate))
    entry = {"certificate": certificate, "jws": token, "kid": kid}
    with transaction.atomic():
        offboarding.certificates = [*offboarding.certificates, entry]
        offboarding.save(update_fields=["certificates"])
        audit_record(
            actor=actor,
            action=AuditAction.OFFBOARDING_CERTIFICATE_ISSUED,
            target=offboarding,
            agency_id=agency.pk,
            detail={"certificate_id": certificate["certificate_id"], "final": certificate["final"]},
        )
    return entry


def certificate_pdf(entry: dict[str, Any]) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML  # heavy import, only when a certificate is printed

    html = render_to_string("offboarding/certificate.html", {"c": entry["certificate"], "jws": entry["jws"]})
    return bytes(HTML(string=html).write_pdf())


# -- the return bundle -------------------------------------------------------------------------


def _bundle_aad(bundle_key: uuid.UUID) -> bytes:
    return f"return-bundle:{bundle_key}".encode()


README = """Teruggave van gegevens — Mijn Burgerprofiel (verwerkingscharter artikel 12.2)

data/<component>.ndjson   een regel per record: {"model", "id", "fields"} (ontsleuteld)
attachments/...           bijlagen (foutmeldingen)
manifest.json             elk bestand met zijn SHA-256 en grootte
manifest.jws              de handtekening (JWS, ES256) van het platform over manifest.json

Controle: python3 verify_bundle.py <bundel>.zip --jwks https://<platform>/oauth/jwks
"""


def bundle_build(*, offboarding: Offboarding, actor: Actor) -> ReturnBundle:
    """Everything of the agency in a zip: NDJSON per component, attachments, a signed manifest."""
    agency = Agency.objects.get(pk=offboarding.agency_id)
    entries: list[dict[str, Any]] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(path: str, content: bytes, records: int | None = None) -> None:
            archive.writestr(path, content)
            entry: dict[str, Any] = {"path": path, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
            if records is not None:
                entry["records"] = records
            entries.append(entry)

        add("README.txt", README.encode())
        by_component: dict[str, list[holdings.Holding]] = defaultdict(list)
        for holding in holdings.holdings():
            if holding.exported:
                by_component[holding.component].append(holding)
        for component, members in sorted(by_component.items()):
            lines: list[bytes] = []
            for holding in sorted(members, key=lambda h: -h.delete_order):  # parents first
                for row in holding.rows_of_agency(agency.pk).order_by("pk").iterator(chunk_size=500):
                    lines.append(_canonical(row_export(row)))
                    for path, content in attachment_files(row):
                        add(path, content)
            add(f"data/{component}.ndjson", b"\n".join(lines) + (b"\n" if lines else b""), records=len(lines))
        manifest = {
            "format": FORMAT,
            "agency": {"id": agency.pk, "name": agency.name, "kbo": agency.kbo},
            "processing_order": offboarding.order_id,
            "created_at": timezone.now().isoformat(),
            "files": entries,
        }
        manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
        archive.writestr(MANIFEST, manifest_bytes)
        token, kid = sign_detached(manifest_bytes)
        archive.writestr(SIGNATURE, token)
    plain = buffer.getvalue()
    bundle_key = uuid.uuid4()
    secret = keystore.secret_create(bundle_key)
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(secret).encrypt(nonce, plain, _bundle_aad(bundle_key))
    with transaction.atomic():
        bundle = ReturnBundle.objects.create(
            offboarding=offboarding,
            agency=agency,
            key_id=bundle_key,
            content=sealed,
            filename=f"burgerprofiel-teruggave-{agency.kbo}-opdracht-{offboarding.order_id}.zip",
            sha256=hashlib.sha256(plain).hexdigest(),
            size=len(plain),
        )
        audit_record(
            actor=actor,
            action=AuditAction.OFFBOARDING_BUNDLE_BUILT,
            target=bundle,
            agency_id=agency.pk,
            detail={"files": len(entries), "size": len(plain), "sha256": bundle.sha256, "kid": kid},
        )
    return bundle


def bundle_exists(*, agency_id: int) -> bool:
    """Whether a return bundle was ever made for the agency (fetched or not)."""
    return ReturnBundle.objects.filter(agency_id=agency_id).exists()


def bundle_download(*, client: ApiClient, actor: Actor) -> tuple[str, bytes]:
    """The agency's bundle, once: decrypted, handed out, then deleted (content and key). A second
    call: ``BundleGone`` (410)."""
    with transaction.atomic():
        bundle = (
            ReturnBundle.objects.select_for_update().filter(agency_id=client.agency_id).order_by("-created_at").first()
        )
        if bundle is None:
            raise NotFound("Er staat geen teruggavebundel klaar voor uw instantie.")
        gone = bundle.downloaded_at is not None or bundle.content is None
        if not gone:
            sealed = bytes(bundle.content or b"")
            secret = keystore.secret_read(bundle.key_id)
            plain = AESGCM(secret).decrypt(sealed[:12], sealed[12:], _bundle_aad(bundle.key_id))
            bundle.downloaded_at = timezone.now()
            bundle.downloaded_by = client.client_id
            bundle.deleted_at = bundle.downloaded_at
            bundle.content = None
            bundle.save(update_fields=["downloaded_at", "downloaded_by", "deleted_at", "content"])
            audit_record(
                actor=actor,
                action=AuditAction.OFFBOARDING_BUNDLE_DOWNLOADED,
                target=bundle,
                agency_id=client.agency_id,
                detail={"sha256": bundle.sha256, "size": bundle.size},
            )
    if gone:
        audit_record(
            actor=actor,
            action=AuditAction.OFFBOARDING_BUNDLE_REFUSED,
            outcome="refused",
            target=bundle,
            agency_id=client.agency_id,
            detail={"downloaded_at": bundle.downloaded_at.isoformat() if bundle.downloaded_at else None},
        )
        raise BundleGone(
            "De teruggavebundel werd al afgehaald en daarna gewist; hij kan maar één keer worden afgehaald.",
            extra={"downloaded_at": bundle.downloaded_at.isoformat() if bundle.downloaded_at else None},
        )
    keystore.secret_destroy(bundle.key_id)  # after commit of the row: copies of the database cannot open it
    return bundle.filename, plain


def offboarding_for_order(*, order_id: int) -> Offboarding | None:
    return Offboarding.objects.filter(order_id=order_id).first()


def agency_rows_left(*, agency_id: int) -> dict[str, int]:
    """Per holding, how many rows of the agency remain (a check after deletion)."""
    return {h.label: h.rows_of_agency(agency_id).count() for h in holdings.holdings()}
