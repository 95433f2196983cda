"""`make run` (scripts/run-dev.sh) stops everything it started when it is told to stop.

A supervisor, a terminal multiplexer or a test harness stops a program with SIGTERM; Ctrl-C sends
SIGINT. Either way the server, the worker, the OIDC provider, the demo agencies, the SMTP sink and
the SMS centre must go with the script, and their ports must be free again for the next run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from burgerprofiel.notifications.tests.peers import free_port

REPO = Path(__file__).resolve().parents[4]
SCRIPT = REPO / "scripts" / "run-dev.sh"
# Deadlines, not what is measured: the suite runs in parallel processes, so another test file's work
# shares the CPUs. Start: migrate, seed and eight peers (about 100 s at load 16, 165 s seen at load 5 beside
# a browser test). Stop: the script gives its children 5 s (fifty `sleep 0.1`), then kills them; on a
# saturated 2-core machine that took longer than 10 s.
STARTUP_SECONDS = 300
STOP_SECONDS = 30


def _children() -> dict[int, list[int]]:
    """Every live process's children, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    return children


def _tree(root: int) -> set[int]:
    """The pids below ``root`` (its children, theirs, ...)."""
    children = _children()
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has stopped; only its parent has not read its status yet


def _describe(pids: set[int]) -> str:
    """The command lines of the live ones among ``pids`` (for a failing assertion)."""
    lines = []
    for pid in sorted(pids):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            lines.append(f"{pid}: {command}")
        except OSError:
            lines.append(f"{pid}: gone")
    return "\n".join(lines)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT of a closed connection is no listener
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data directory for the module: the second run finds the database migrated and seeded."""
    return tmp_path_factory.mktemp("run-dev")


@dataclass
class RunDev:
    process: subprocess.Popen[bytes]
    ports: dict[str, int]
    tree: set[int]  # every process below the script once the server answers


@pytest.fixture
def run_dev(base_dir: Path) -> Iterator[RunDev]:
    names = (
        "BIND",
        "OIDC_PORT",
        "SMTP_PORT",
        "SMPP_PORT",
        "WEBHOOK_PORT",
        "MOLLIE_PORT",
        "AGENCY2_PORT",
    )
    ports = {name: free_port() for name in names}
    # The script's own defaults, not this test run's database or secrets.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "OIDC_", "DJANGO_"))}
    env.update({name: str(port) for name, port in ports.items()})
    env.update(
        BIND=f"127.0.0.1:{ports['BIND']}",
        BURGERPROFIEL_BASE_DIR=str(base_dir),
        BURGERPROFIEL_PROFILE="development",
    )
    log = (base_dir / "run-dev.out").open("ab")
    offset = log.tell()  # the module's second run appends to the first one's output
    process = subprocess.Popen(["bash", str(SCRIPT)], env=env, stdout=log, stderr=subprocess.STDOUT)
    tree: set[int] = set()
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, (base_dir / "run-dev.out").read_text()[-3000:]
            assert time.monotonic() < deadline, "make run did not answer /healthz in time"
            # The server answers while the demo data is still seeded; the banner follows the last child.
            started = b"Stoppen: Ctrl-C" in (base_dir / "run-dev.out").read_bytes()[offset:]
            try:
                if started and httpx.get(f"http://127.0.0.1:{ports['BIND']}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        tree = _tree(process.pid)
        yield RunDev(process, ports, tree)
    finally:
        process.kill()
        for pid in tree | _tree(process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)
        log.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_stopping_make_run_with_a_signal_stops_every_process_it_started_and_frees_the_ports(
    run_dev: RunDev, signum: signal.Signals
) -> None:
    process, ports, tree = run_dev.process, run_dev.ports, run_dev.tree
    # The server (master and workers), the worker, the OIDC provider, two demo agencies, SMTP and SMPP.
    assert len(tree) >= 8, _describe(tree)

    process.send_signal(signum)

    assert process.wait(timeout=STOP_SECONDS) == 128 + signum
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in tree if _alive(pid)] == [], _describe(tree)
    assert {name: port for name, port in ports.items() if not _port_free(port)} == {}
