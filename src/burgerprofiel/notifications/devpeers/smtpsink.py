"""A local SMTP sink for development and benchmarks: accepts every message and reports it.

``python -m burgerprofiel.notifications.devpeers.smtpsink [--port 1025]`` prints ``{"listening": port}``,
then one JSON line per accepted message: ``{"message_id": ..., "received_at": <unix time>}``. With
``--maildir DIR`` the messages are also kept, readable in the demo; ``--refuse-first N`` answers the
first N messages with a 451 (a retry test).
"""

from __future__ import annotations

import argparse
import json
import mailbox
import socket
import sys
import threading
import time
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, maildir: str | None, refuse_first: int = 0) -> None:
        self.lock = threading.Lock()
        self.box = mailbox.Maildir(maildir, create=True) if maildir else None
        self.refuse_first = refuse_first

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        """Offer PIPELINING (RFC 2920), as the mail servers it stands in for do: aiosmtpd reads
        commands one line at a time, so a client's grouped MAIL, RCPT and DATA are answered in order."""
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refuse_first > 0:
                self.refuse_first -= 1
                return "451 4.3.0 Probeer later opnieuw"
        received_at = time.time()
        # Only the headers are read (the Message-ID is all that is reported): the sink stands in for
        # a mail server on another machine, and in a bench it shares the CPUs with what it measures.
        message = BytesHeaderParser(policy=compat32).parsebytes(envelope.original_content)
        with self.lock:
            if self.box is not None:
                self.box.add(envelope.original_content)
            sys.stdout.write(json.dumps({"message_id": str(message["Message-ID"]), "received_at": received_at}) + "\n")
            sys.stdout.flush()
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=1025, help="0: any free port")
    parser.add_argument("--maildir", default=None)
    parser.add_argument("--refuse-first", type=int, default=0, help="answer the first N messages with a 451")
    args = parser.parse_args()
    port = args.port
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    controller = Controller(Sink(args.maildir, args.refuse_first), hostname="127.0.0.1", port=port)
    controller.start()
    sys.stdout.write(json.dumps({"listening": port}) + "\n")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
