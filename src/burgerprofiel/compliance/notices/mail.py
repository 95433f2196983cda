"""The worker side of notices: send the queued e-mails over SMTP, record each outcome.

Same rules as notifications' dispatch (notifications/dispatch.py), simpler because the volume is
tiny: a batch is claimed and committed as ``sending`` (``FOR UPDATE SKIP LOCKED``) before the first
message leaves, and each outcome is committed right after its message. A refusal that proves
nothing was handed over (cannot connect, a 4xx) is retried every NOTIFICATIONS_RETRY_SECONDS up to
NOTIFICATIONS_MAX_ATTEMPTS; a 5xx fails at once. A row left in ``sending`` by a crash is ended as
failed by the sweep, never sent twice. The SMTP server and sender are the notifications' settings.
Each e-mail carries the notice as text and as PDF; the notice's ``mail_status`` follows its rows.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import SYSTEM
from burgerprofiel.audit.services import audit_record
from burgerprofiel.compliance.notices.models import AgencyNotice, NoticeMail
from burgerprofiel.compliance.notices.pdf import notice_pdf
from burgerprofiel.notifications.senders import (
    ConnectionLost,
    PermanentFailure,
    SmtpSender,
    TemporaryFailure,
    mail_from,
)

log = logging.getLogger(__name__)

DUE = (NoticeMail.Status.PENDING, NoticeMail.Status.RETRYING)


def notice_email_build(mail: NoticeMail, pdf: bytes | None = None) -> MIMEMultipart:
    notice = mail.notice
    sender, domain = mail_from()
    message = MIMEMultipart("mixed", policy=compat32.clone(max_line_length=998))
    message["From"] = sender
    message["To"] = str(mail.recipient)
    message["Subject"] = Header(f"[Mijn Burgerprofiel] {notice.subject}", "utf-8").encode()
    message["Message-ID"] = f"<{mail.pk}@{domain}>"
    message["X-Burgerprofiel-Notice"] = str(notice.pk)
    message["X-Burgerprofiel-Notice-Kind"] = notice.kind
    text = (
        f"Aan {notice.agency.name},\n\n"
        f"{notice.body}\n\n"
        "--\n"
        f"Kenmerk: {notice.pk}\n"
        "U ontvangt deze kennisgeving als gemachtigde contactpersoon of als functionaris voor "
        f"gegevensbescherming van {notice.agency.name}. Bevestig de ontvangst via de API: "
        f"POST {settings.PUBLIC_URL.rstrip('/')}/api/v1/notices/{notice.pk}/acknowledge\n"
    )
    message.attach(MIMEText(text, "plain", "utf-8"))
    if pdf is not None:
        attachment = MIMEApplication(pdf, "pdf")
        attachment.add_header("Content-Disposition", "attachment", filename=f"kennisgeving-{notice.pk}.pdf")
        message.attach(attachment)
    return message


def _claim(limit: int) -> list[NoticeMail]:
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            NoticeMail.objects.select_for_update(skip_locked=True)
            .filter(status__in=DUE, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        NoticeMail.objects.filter(pk__in=ids).update(
            status=NoticeMail.Status.SENDING, sending_at=now, attempts=F("attempts") + 1
        )
    return list(NoticeMail.objects.filter(pk__in=ids).select_related("notice__agency").order_by("next_attempt_at"))


def _outcome(mail: NoticeMail, status: str, error: str = "") -> None:
    now = timezone.now()
    with transaction.atomic():
        if status == "retry" and mail.attempts < settings.NOTIFICATIONS_MAX_ATTEMPTS:
            NoticeMail.objects.filter(pk=mail.pk).update(
                status=NoticeMail.Status.RETRYING,
                next_attempt_at=now + dt.timedelta(seconds=settings.NOTIFICATIONS_RETRY_SECONDS),
                last_error=error[:200],
            )
            return
        if status == NoticeMail.Status.SENT:
            NoticeMail.objects.filter(pk=mail.pk).update(status=status, sent_at=now, last_error="")
        else:
            NoticeMail.objects.filter(pk=mail.pk).update(status=NoticeMail.Status.FAILED, last_error=error[:200])
            audit_record(
                actor=SYSTEM,
                action=AuditAction.AGENCY_NOTICE_MAIL_FAILED,
                target=mail.notice,
                agency_id=mail.agency_id,
                detail={"role": mail.role, "error": error[:200]},
            )
        notice_mail_status_update(mail.notice_id)


def notice_mail_status_update(notice_id: Any) -> str:
    """The notice's ``mail_status`` from its rows: pending while any is open, then sent, partial or failed."""
    statuses = list(NoticeMail.objects.filter(notice_id=notice_id).values_list("status", flat=True))
    if not statuses:
        status = AgencyNotice.MailStatus.NO_RECIPIENTS
    elif any(s not in (NoticeMail.Status.SENT, NoticeMail.Status.FAILED) for s in statuses):
        status = AgencyNotice.MailStatus.PENDING
    elif all(s == NoticeMail.Status.SENT for s in statuses):
        status = AgencyNotice.MailStatus.SENT
    elif all(s == NoticeMail.Status.FAILED for s in statuses):
        status = AgencyNotice.MailStatus.FAILED
    else:
        status = AgencyNotice.MailStatus.PARTIAL
    AgencyNotice.objects.filter(pk=notice_id).update(mail_status=status)
    return status


def notice_mails_dispatch(*, batch: int = 50, max_batches: int = 20) -> dict[str, int]:
    """Send what is due, a batch per SMTP connection; safe to run in several workers at once."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for _ in range(max_batches):
        mails = _claim(batch)
        if not mails:
            break
        sender = SmtpSender()
        try:
            sender.open()
        except ConnectionLost as exc:
            log.warning("notice mail: smtp unreachable", extra={"error": str(exc)})
            for mail in mails:
                _outcome(mail, "retry", str(exc))
            counts["retry"] += len(mails)
            break
        pdfs: dict[Any, bytes] = {}
        try:
            for index, mail in enumerate(mails):
                if mail.notice_id not in pdfs:
                    pdfs[mail.notice_id] = notice_pdf(mail.notice)
                try:
                    sender.send(notice_email_build(mail, pdfs[mail.notice_id]))
                except ConnectionLost as exc:
                    # This one and the rest were not handed over: back to the queue.
                    for rest in mails[index:]:
                        _outcome(rest, "retry", str(exc))
                    counts["retry"] += len(mails) - index
                    break
                except TemporaryFailure as exc:
                    _outcome(mail, "retry", str(exc))
                    counts["retry"] += 1
                except PermanentFailure as exc:
                    _outcome(mail, NoticeMail.Status.FAILED, str(exc))
                    counts["failed"] += 1
                else:
                    _outcome(mail, NoticeMail.Status.SENT)
                    counts["sent"] += 1
        finally:
            sender.close()
    return counts


def notice_mails_sweep(*, now: dt.datetime | None = None) -> int:
    """End mails a crash left in ``sending``: their outcome is unknown, so they are never resent."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS)
    stuck = list(
        NoticeMail.objects.filter(status=NoticeMail.Status.SENDING)
        .filter(Q(sending_at__lt=cutoff) | Q(sending_at__isnull=True))
        .select_related("notice")[:1000]
    )
    for mail in stuck:
        _outcome(mail, NoticeMail.Status.FAILED, "interrupted while sending")
    return len(stuck)
