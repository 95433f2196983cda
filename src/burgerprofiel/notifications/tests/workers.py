"""Real ``burgerprofiel worker`` processes against the test database, for the fault tests and the bench."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

from django.db import connection


def database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


def valid_insz(n: int) -> str:
    """The n-th of many valid national numbers (born 1985, varying day and serial)."""
    day, serial = divmod(n, 997)
    base = f"85{(day // 28) % 12 + 1:02d}{day % 28 + 1:02d}{serial + 1:03d}"
    return base + f"{97 - int(base) % 97:02d}"


class Worker:
    """One ``burgerprofiel worker --no-scheduler`` process (the test plays the scheduler)."""

    def __init__(self, *, env: dict[str, str], log: Path) -> None:
        self.log: IO[Any] = log.open("ab")
        executable = shutil.which("burgerprofiel", path=str(Path(sys.executable).parent)) or "burgerprofiel"
        self.process = subprocess.Popen(
            [executable, "worker", "--no-scheduler"],
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill9(self) -> None:
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill9()
                return
        self.log.close()


def worker_env(*, smtp_port: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        "BURGERPROFIEL_PROFILE": "test",
        "DATABASE_URL": database_url(),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "NOTIFICATIONS_SMTP_PORT": str(smtp_port),
        "NOTIFICATIONS_RETRY_SECONDS": "1",
        "NOTIFICATIONS_LEASE_SECONDS": "5",
        "NOTIFICATIONS_SENDING_TIMEOUT_SECONDS": "20",
        "NOTIFICATIONS_BATCH_SIZE": "50",
        "NOTIFICATIONS_SMTP_TIMEOUT_SECONDS": "5",
        "LOG_LEVEL": "WARNING",
        **(extra or {}),
    }
