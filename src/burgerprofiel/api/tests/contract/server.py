"""A live platform for the contract suites: ``burgerprofiel serve`` (gunicorn) in its own process.

It gets a base directory and a database of its own (a SQLite file, or a PostgreSQL database next
to the one ``DATABASE_URL`` names), two onboarded agencies and a little data of each, so that
schemathesis talks to the server as an agency's connector would: over HTTP, through gunicorn's own
limits, with a real access token.
"""

from __future__ import annotations

import base64
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
from urllib.parse import urlsplit, urlunsplit

import httpx

# Every component that exists today; the fuzzed agency orders them all so that no operation is 403 only.
COMPONENTS = "uw_gegevens,attesten,dosis,notificaties,contactvoorkeuren,foutmeldingen,aanvragen"
DOSIS_SOURCE = "https://contract.example/dosis"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def valid_insz(n: int) -> str:
    """The n-th of many valid national numbers (born 1985)."""
    base = f"8507{n % 28 + 1:02d}{n % 997 + 1:03d}"
    return base + f"{97 - int(base) % 97:02d}"


@dataclass
class Agency:
    agency_id: int
    client_id: str
    client_secret: str
    processing_order_id: int


@dataclass
class ContractServer:
    base_dir: Path
    database_url: str
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[IO[bytes]] = field(default_factory=list)
    agencies: list[Agency] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def executable(self) -> str:
        return shutil.which("burgerprofiel", path=str(Path(sys.executable).parent)) or "burgerprofiel"

    @property
    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_"))}
        return {
            **keep,
            "BURGERPROFIEL_PROFILE": "test",
            "BURGERPROFIEL_BASE_DIR": str(self.base_dir),
            "DATABASE_URL": self.database_url,
            "PUBLIC_URL": self.url,
            "LOG_LEVEL": "WARNING",
            # A fuzzing run sends thousands of requests with one token: no rate limit, a token that outlives it.
            "API_RATE_LIMIT_PER_MINUTE": "0",
            "OAUTH_RATE_LIMIT_PER_MINUTE": "100000",
            "ACCESS_TOKEN_TTL_SECONDS": "7200",
            "GUNICORN_CMD_ARGS": "--graceful-timeout 1",
            # The documents declare the deployment's limits; smaller ones keep the boundary cases (a bulk
            # of exactly the maximum) within a request timeout on a small machine.
            "NOTIFICATIONS_BULK_MAX_ITEMS": "50",
            **self.extra_env,
        }

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self, *, timeout: float = 90.0) -> ContractServer:
        database_create(self.database_url)
        (self.base_dir / "var").mkdir(parents=True, exist_ok=True)
        log = (self.base_dir / "serve.log").open("ab")
        self.logs.append(log)
        command = [self.executable, "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"]
        self.processes.append(subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.processes[0].poll() is not None:
                self.stop()
                raise RuntimeError(f"the platform did not start:\n{self.log_tail()}")
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for log in self.logs:
            log.close()
        self.processes.clear()
        self.logs.clear()
        database_drop(self.database_url)

    def log_tail(self, lines: int = 60) -> str:
        path = self.base_dir / "serve.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    # -- data --------------------------------------------------------------------------------------

    def cli(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen([self.executable, *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    @staticmethod
    def cli_json(process: subprocess.Popen[bytes], *, timeout: float = 90.0) -> Any:
        out, err = process.communicate(timeout=timeout)
        if process.returncode != 0:
            raise RuntimeError(f"{process.args!r} failed ({process.returncode}):\n{err.decode()}\n{out.decode()}")
        return json.loads(out.decode().strip().splitlines()[-1])

    def onboard(self) -> list[Agency]:
        """Two agencies (both at once: each command mostly starts Django): the fuzzed one, ordering every
        component, and another one."""
        first = self.cli(
            "agency", "onboard", "--name", "Contracttest A", "--kbo", "0202239951",
            "--components", COMPONENTS, "--dosis-source", DOSIS_SOURCE,
        )  # fmt: skip
        second = self.cli(
            "agency", "onboard", "--name", "Contracttest B", "--kbo", "0207446772", "--components", COMPONENTS,
        )  # fmt: skip
        for process in (first, second):
            data = self.cli_json(process)
            self.agencies.append(
                Agency(data["agency_id"], data["client_id"], data["client_secret"], data["processing_order_id"])
            )
        return self.agencies

    def token(self, agency: Agency) -> str:
        basic = base64.b64encode(f"{agency.client_id}:{agency.client_secret}".encode()).decode()
        response = httpx.post(
            f"{self.url}/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
            timeout=30,
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def seed(self, agency: Agency) -> None:
        """A little of everything the documents let an agency read back: a DOSIS upload, a notification, a form."""
        headers = {"Authorization": f"Bearer {self.token(agency)}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=30) as client:
            upload = client.post(
                "/api/v2/dosis/dossiers",
                json={
                    "Identificatie": {"Bron": DOSIS_SOURCE, "DossierNummer": "D-1"},
                    "UploadId": "U-1",
                    "Naam": "Groeipakket",
                    "WijzigingsDatum": "2026-01-05T10:00:00+01:00",
                    "Status": {"VlaamsCode": "ontvangen", "VlaamsFase": "Behandeling"},
                    "Agenten": [{"Identificatie": valid_insz(1), "Toegangsrechten": [{"Code": "Raadpleger"}]}],
                },
            )
            upload.raise_for_status()
            melding = client.post(
                "/api/v1/notifications",
                json={"insz": valid_insz(1), "message": "Uw aanvraag is ontvangen.", "ipdc_product": "1234"},
            )
            melding.raise_for_status()
            form = client.post(
                "/api/v1/requestable-services",
                json={
                    "ipdc_product": "1234",
                    "title": "Bewonerskaart",
                    "form_schema": {
                        "type": "object",
                        "properties": {"reden": {"type": "string", "title": "Reden", "maxLength": 200}},
                        "required": ["reden"],
                    },
                },
            )
            form.raise_for_status()


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))


def database_for(base_dir: Path, suite_url: str | None) -> str:
    """SQLite in ``base_dir``; on PostgreSQL a database of its own beside the suite's (same server)."""
    if suite_url and suite_url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(suite_url)
        name = f"{_database_name(suite_url) or 'burgerprofiel'}_contract_{os.getpid()}"
        return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    return f"sqlite:///{base_dir / 'var' / 'contract.sqlite3'}"


def _postgres(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(url).replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(statement)


def database_create(url: str) -> None:
    if url.startswith(("postgres://", "postgresql://")):
        database_drop(url)
        _postgres(url, f'CREATE DATABASE "{_database_name(url)}"')


def database_drop(url: str) -> None:
    if url.startswith(("postgres://", "postgresql://")):
        _postgres(url, f'DROP DATABASE IF EXISTS "{_database_name(url)}" WITH (FORCE)')
