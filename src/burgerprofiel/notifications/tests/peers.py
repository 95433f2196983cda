"""Real protocol peers for the tests: an aiosmtpd SMTP server and the node SMS centre (devpeers/smsc.mjs)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

SMSC_SCRIPT = Path(__file__).resolve().parents[1] / "devpeers" / "smsc.mjs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpSink:
    """Counts every message it accepts; can refuse the next N with a 4xx (or 5xx) reply, and can hold
    every DATA once `hold_at` messages are in, until the test clears `hold_at` (a fault injected while a
    send is in flight, at a known count, however fast the clients are)."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse_next: int = 0
    refuse_code: str = "451 4.3.0 Probeer later opnieuw"
    lock: threading.Lock = field(default_factory=threading.Lock)
    pipelining: bool = False
    refuse_rcpt: str = ""
    hold_at: int | None = None
    sessions: int = 0  # SMTP sessions opened (one EHLO each)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        self.sessions += 1
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        while self.hold_at is not None and len(self.messages) >= self.hold_at:
            await asyncio.sleep(0.01)
        with self.lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return self.refuse_code
            parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def by_message_id(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self.lock:
            for message in self.messages:
                counts[str(message["Message-ID"])] = counts.get(str(message["Message-ID"]), 0) + 1
        return counts


class SmtpServer:
    def __init__(self, port: int | None = None, *, pipelining: bool = False) -> None:
        self.sink = SmtpSink(pipelining=pipelining)
        self.port = port or free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Smsc:
    """The node SMS centre in a subprocess; ``submitted`` fills as it accepts messages."""

    def __init__(self, *, throttle_first: int = 0, password: str = "devsmpp") -> None:
        self.submitted: list[dict[str, Any]] = []
        self.process = subprocess.Popen(
            ["node", str(SMSC_SCRIPT), "0"],
            stdout=subprocess.PIPE,
            text=True,
            env={"PATH": "/usr/bin:/bin", "SMSC_THROTTLE_FIRST": str(throttle_first), "SMSC_PASSWORD": password},
        )
        assert self.process.stdout is not None
        first = json.loads(self.process.stdout.readline())
        self.port = int(first["listening"])
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            event = json.loads(line)
            if "submit" in event:
                self.submitted.append(event["submit"])

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.submitted) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.submitted

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=5)
