"""The real platform for the client's tests: ``burgerprofiel serve`` and ``burgerprofiel worker`` as
processes on a free port, with their own base directory and SQLite database, driven by its CLI."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def platform_executable() -> str | None:
    """The ``burgerprofiel`` command beside this Python, if the platform is installed here."""
    return shutil.which("burgerprofiel", path=str(Path(sys.executable).parent))


def valid_insz(n: int) -> str:
    """The n-th of many valid national numbers (born 1985, varying day and serial)."""
    day, serial = divmod(n, 997)
    base = f"85{(day // 28) % 12 + 1:02d}{day % 28 + 1:02d}{serial + 1:03d}"
    return base + f"{97 - int(base) % 97:02d}"


class MailSink:
    """An SMTP server (aiosmtpd) on a free port that notes whom every message it accepts is for."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.recipients: list[str] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"

    def start(self) -> MailSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


@dataclass
class Platform:
    base_dir: Path
    executable: str
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_"))}
        return {
            **keep,
            "BURGERPROFIEL_PROFILE": "test",
            "BURGERPROFIEL_BASE_DIR": str(self.base_dir),
            "DATABASE_URL": f"sqlite:///{self.base_dir / 'var' / 'platform.sqlite3'}",
            "PUBLIC_URL": self.url,
            "LOG_LEVEL": "WARNING",
            **self.extra_env,
        }

    def start(self, *, timeout: float = 60.0) -> Platform:
        self._spawn("serve.log", "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "1")
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.processes[0].poll() is not None:
                self.stop()
                raise RuntimeError(f"the platform did not start:\n{self.log_tail('serve.log')}")
            time.sleep(0.1)
        self._spawn("worker.log", "worker")  # after serve migrated the database
        return self

    def _spawn(self, log_name: str, *args: str) -> None:
        log = (self.base_dir / log_name).open("ab")
        self.logs.append(log)
        self.processes.append(
            subprocess.Popen([self.executable, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        )

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.base_dir / name
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                # SIGINT: gunicorn's quick shutdown (SIGTERM would wait out kept-alive connections).
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for log in self.logs:
            log.close()

    def cli(self, *args: str) -> subprocess.Popen[bytes]:
        """Start a ``burgerprofiel`` command; :meth:`result` waits for it (so several can run at once)."""
        return subprocess.Popen([self.executable, *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    @staticmethod
    def result(process: subprocess.Popen[bytes], *, timeout: float = 60.0) -> str:
        out, err = process.communicate(timeout=timeout)
        if process.returncode != 0:
            raise RuntimeError(f"{process.args!r} failed ({process.returncode}):\n{err.decode()}\n{out.decode()}")
        return out.decode()

    def cli_json(self, *args: str) -> Any:
        return json.loads(self.result(self.cli(*args)).strip().splitlines()[-1])

    def shell(self, code: str) -> Any:
        """Run ``code`` in the platform's own Django (``burgerprofiel shell -c``); it prints
        ``RESULT <json>`` as its last such line, which is returned."""
        out = self.result(self.cli("shell", "-c", code))
        lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
        if not lines:
            raise RuntimeError(f"the shell code printed no RESULT line:\n{out}")
        return json.loads(lines[-1].removeprefix("RESULT "))
