"""The two transports: SMTP (smtplib) and SMPP (smpplib), one connection per batch, or kept between
batches by a drain thread of ``burgerprofiel worker`` (``dispatch.SenderSessions``).

A sender turns every outcome into one of three answers: ``Sent`` (the server took the message),
``TemporaryFailure`` (it refused for now or could not be reached: nothing was handed over, a retry
is safe) and ``PermanentFailure`` (it refused for good). Only a failure *after* the server may have
taken the message would be ambiguous; the dispatcher never retries that case (see dispatch.py).
"""

from __future__ import annotations

import contextlib
import functools
import re
import smtplib
from collections.abc import Iterator
from email.message import Message
from email.utils import formataddr, getaddresses, parseaddr
from typing import Any

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm
from django.conf import settings
from smpplib import smpp


def mail_from() -> tuple[str, str]:
    """The From header of every mail the platform sends (``NOTIFICATIONS_MAIL_FROM``, RFC 2047-encoded
    where needed) and the domain for Message-IDs: one rule for meldingen, notices and certificates."""
    header, domain, _ = _mail_from(settings.NOTIFICATIONS_MAIL_FROM)
    return header, domain


def mail_envelope_from() -> str:
    """The SMTP envelope sender (MAIL FROM): the address of ``NOTIFICATIONS_MAIL_FROM``, as smtplib's
    ``send_message`` takes it from the From header."""
    return _mail_from(settings.NOTIFICATIONS_MAIL_FROM)[2]


@functools.lru_cache(maxsize=8)
def _mail_from(value: str) -> tuple[str, str, str]:
    # Worked out once per setting, not per message.
    name, address = parseaddr(value)
    header = formataddr((name, address), charset="utf-8")
    return header, address.rpartition("@")[2] or "burgerprofiel.example", getaddresses([header])[0][1]


class TemporaryFailure(Exception):
    """Not handed over; safe to try again later."""


class PermanentFailure(Exception):
    """Refused for good (unknown mailbox, invalid number)."""


class ConnectionLost(TemporaryFailure):
    """The connection is gone; the rest of the batch goes back to the queue."""


class SmtpSender:
    def __init__(self) -> None:
        self.connection: smtplib.SMTP | None = None

    def open(self) -> None:
        try:
            connection = smtplib.SMTP(
                settings.NOTIFICATIONS_SMTP_HOST,
                settings.NOTIFICATIONS_SMTP_PORT,
                timeout=settings.NOTIFICATIONS_SMTP_TIMEOUT_SECONDS,
            )
            if settings.NOTIFICATIONS_SMTP_STARTTLS:
                connection.starttls()
            if settings.NOTIFICATIONS_SMTP_USER:
                connection.login(settings.NOTIFICATIONS_SMTP_USER, settings.NOTIFICATIONS_SMTP_PASSWORD)
        except (OSError, smtplib.SMTPException) as exc:
            raise ConnectionLost(f"smtp connect: {type(exc).__name__}") from exc
        self.connection = connection

    def send(self, message: Message) -> str:
        assert self.connection is not None  # noqa: S101 - send() runs inside the opened connection (for mypy)
        with self._outcome():
            refused = self.connection.send_message(message)
        if refused:
            raise PermanentFailure("smtp recipient refused")
        return str(message["Message-ID"])

    @contextlib.contextmanager
    def _outcome(self) -> Iterator[None]:
        """smtplib's refusals and lost connections as the sender's outcomes (temporary, permanent, lost)."""
        try:
            yield
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0] if exc.recipients else 550
            raise (TemporaryFailure if 400 <= code < 500 else PermanentFailure)(f"smtp rcpt {code}") from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise (TemporaryFailure if 400 <= exc.smtp_code < 500 else PermanentFailure)(
                f"smtp {exc.smtp_code}"
            ) from exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.connection = None
            raise ConnectionLost(f"smtp connection: {type(exc).__name__}") from exc

    def send_bytes(self, *, sender: str, recipient: str, data: bytes, reference: str) -> str:
        """One message already on the wire's terms (``data``: CRLF lines, headers and body, as
        ``send`` would flatten it) to one recipient; returns ``reference`` (its Message-ID) once the
        server took it. Where the server offers PIPELINING (RFC 2920, as every common MTA does),
        MAIL, RCPT and DATA go out together: two round trips per message instead of four. The
        outcomes are those of ``send``: the same refusals, the same exceptions."""
        connection = self.connection
        assert connection is not None  # noqa: S101 - send_bytes() runs inside the opened connection (for mypy)
        with self._outcome():
            connection.ehlo_or_helo_if_needed()
            if not connection.has_extn("pipelining"):
                refused = connection.sendmail(sender, [recipient], data)
            else:
                refused = self._pipelined(connection, sender, recipient, data)
        if refused:
            raise PermanentFailure("smtp recipient refused")
        return reference

    @staticmethod
    def _pipelined(connection: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> dict[str, Any]:
        """``smtplib.SMTP.sendmail`` for one recipient with MAIL, RCPT and DATA sent as one group
        (RFC 2920 3.1: DATA last; every reply read, in order, before deciding), raising what
        sendmail raises: a refused sender, a refused recipient, a refused DATA or message."""
        size = f" size={len(data)}" if connection.has_extn("size") else ""
        connection.send(f"MAIL FROM:<{sender}>{size}\r\nRCPT TO:<{recipient}>\r\nDATA\r\n".encode("ascii"))
        (mail_code, mail_text), (rcpt_code, rcpt_text), (data_code, data_text) = (
            connection.getreply(),
            connection.getreply(),
            connection.getreply(),
        )
        accepted = mail_code == 250 and rcpt_code in (250, 251)
        if data_code == 354 and not accepted:
            # A server that took DATA without a sender or recipient gets an empty message ended at once
            # (RFC 2920 3.1); it has no one to deliver it to.
            connection.send(b".\r\n")
            connection.getreply()
        if not accepted or data_code != 354:
            for code, _text, error in (
                (mail_code, mail_text, smtplib.SMTPSenderRefused(mail_code, mail_text, sender)),
                (rcpt_code, rcpt_text, smtplib.SMTPRecipientsRefused({recipient: (rcpt_code, rcpt_text)})),
                (data_code, data_text, smtplib.SMTPDataError(data_code, data_text)),
            ):
                if code not in (250, 251, 354):
                    if code == 421:
                        connection.close()
                    else:
                        _rset(connection)
                    raise error
            raise smtplib.SMTPDataError(data_code, data_text)  # pragma: no cover - 354 with a refusal above
        body = re.sub(rb"(?m)^\.", b"..", data)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        connection.send(body + b".\r\n")
        code, text = connection.getreply()
        if code != 250:
            if code == 421:
                connection.close()
            else:
                _rset(connection)
            raise smtplib.SMTPDataError(code, text)
        return {}

    def usable(self, *, probe: bool) -> bool:
        """Whether a session kept since an earlier batch can take the next one: still connected (not
        closed after a 421 or a lost connection) and, with ``probe``, answering NOOP: a server may
        close a session it finds idle (RFC 5321 4.5.3.2 lets it after 5 minutes). The probe is one
        round trip, against the connection, greeting and EHLO of a new session."""
        connection = self.connection
        if connection is None or connection.sock is None:
            return False
        if not probe:
            return True
        try:
            code, _ = connection.noop()
        except (OSError, smtplib.SMTPException):
            return False
        return code == 250

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None


def _rset(connection: smtplib.SMTP) -> None:
    """Back to a clean transaction after a refusal, as sendmail does (a dropped connection shows at the next send)."""
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        connection.rset()


# SMPP command_status values that mean "try again later" (SMPP 3.4 §5.1.3).
SMPP_TEMPORARY = {0x14, 0x58, 0x08, 0x45}  # RMSGQFUL, RTHROTTLED, RSYSERR, RSUBMITFAIL


class SmppSender:
    def __init__(self) -> None:
        self.client: Any = None

    def open(self) -> None:
        client = smpplib.client.Client(
            settings.NOTIFICATIONS_SMPP_HOST,
            settings.NOTIFICATIONS_SMPP_PORT,
            timeout=10,
            allow_unknown_opt_params=True,
        )
        try:
            client.connect()
            client.bind_transmitter(
                system_id=settings.NOTIFICATIONS_SMPP_SYSTEM_ID, password=settings.NOTIFICATIONS_SMPP_PASSWORD
            )
        except Exception as exc:  # smpplib raises its own, socket and PDU errors alike
            with contextlib.suppress(Exception):  # already failing; the original error is what matters
                client.disconnect()
            raise ConnectionLost(f"smpp bind: {type(exc).__name__}") from exc
        self.client = client

    def send(self, *, to: str, text: str) -> str:
        parts, coding, msg_type = smpplib.gsm.make_parts(text)
        reference = ""
        for part in parts:
            try:
                pdu = self.client.send_message(
                    source_addr_ton=smpplib.consts.SMPP_TON_ALNUM,
                    source_addr_npi=smpplib.consts.SMPP_NPI_UNK,
                    source_addr=settings.NOTIFICATIONS_SMS_SENDER,
                    dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                    dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                    destination_addr=to.lstrip("+"),
                    short_message=part,
                    data_coding=coding,
                    esm_class=msg_type,
                    registered_delivery=False,
                )
                response = self._response_to(pdu.sequence)
            except smpplib.exceptions.PDUError as exc:
                status = exc.args[1] if len(exc.args) > 1 else 0
                raise (TemporaryFailure if status in SMPP_TEMPORARY else PermanentFailure)(
                    f"smpp status {status:#x}"
                ) from exc
            except (OSError, smpplib.exceptions.ConnectionError) as exc:
                self.client = None
                raise ConnectionLost(f"smpp connection: {type(exc).__name__}") from exc
            message_id = getattr(response, "message_id", b"") or b""
            reference = message_id.decode("ascii", "replace") if isinstance(message_id, bytes) else str(message_id)
        return reference

    def _response_to(self, sequence: int) -> Any:
        while True:
            pdu = self.client.read_pdu()
            if pdu.is_error():
                raise smpplib.exceptions.PDUError(f"({pdu.status}) {pdu.command}", int(pdu.status))
            if pdu.command == "submit_sm_resp" and pdu.sequence == sequence:
                return pdu
            if pdu.command == "enquire_link":
                self.client.send_pdu(smpp.make_pdu("enquire_link_resp", client=self.client, sequence=pdu.sequence))

    def usable(self, *, probe: bool) -> bool:
        """SMPP binds are not kept between batches: an idle link is the SMS centre's to check
        (enquire_link), which this sender answers only while it waits for a response."""
        return False

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.unbind()
                self.client.disconnect()
            except Exception:  # closing a broken link; nothing left to save
                with contextlib.suppress(Exception):
                    self.client.disconnect()
            self.client = None
