"""The README's two commands set up a fresh machine: `make install` installs the Debian packages it
needs, and `make test` makes sure PostgreSQL answers (starting a stopped local cluster).

The install step runs against fake ``dpkg``, ``apt-get`` and ``id`` (and fake PostgreSQL tools) that
record their calls: this machine's real packages stay as they are, since other test runs use them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]
SYSTEM_PACKAGES = REPO / "scripts" / "system-packages.sh"
POSTGRES_READY = REPO / "scripts" / "postgres-ready.sh"
WANTED = ["chromium", "postgresql-client", "nodejs:node", "npm:npm"]

FAKE = f"""#!{sys.executable}
# A fake {{name}}: records its call, reads and changes the fake machine's state (a JSON file).
import json, os, sys
state_path = os.environ["FAKE_STATE"]
state = json.load(open(state_path))
with open(os.environ["FAKE_CALLS"], "a") as calls:
    calls.write(json.dumps({{"tool": "{{name}}", "args": sys.argv[1:],
                            "frontend": os.environ.get("DEBIAN_FRONTEND")}}) + "\\n")
{{body}}
"""

BODIES = {
    "dpkg": """
package = sys.argv[2]
status = state["packages"].get(package)
if status is None:
    sys.exit(f"dpkg-query: package '{package}' is not installed and no information is available")
print(f"Package: {package}\\nStatus: {status}\\nVersion: 1.0")
""",
    "apt-get": """
if sys.argv[1] == "install" and state.get("apt_fails"):
    sys.exit(100)
if sys.argv[1] == "install":
    for package in [a for a in sys.argv[2:] if not a.startswith("-")]:
        state["packages"][package] = "install ok installed"
    json.dump(state, open(state_path, "w"))
""",
    "id": """
print(state.get("uid", 0))
""",
    "pg_isready": """
sys.exit(0 if state.get("postgres_up") else 2)
""",
    "pg_lsclusters": """
for row in state.get("clusters", []):
    print(row)
""",
    "pg_ctlcluster": """
state["postgres_up"] = True
json.dump(state, open(state_path, "w"))
""",
    "node": "",
    "npm": "",
}


@dataclass
class FakeMachine:
    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    def set(self, **state: object) -> None:
        path = self.root / "state.json"
        current = json.loads(path.read_text()) if path.exists() else {"packages": {}}
        current.update(state)
        path.write_text(json.dumps(current))

    @property
    def state(self) -> dict:
        return json.loads((self.root / "state.json").read_text())

    def provide(self, *tools: str) -> None:
        for tool in tools:
            path = self.bin / tool
            path.write_text(FAKE.replace("{name}", tool).replace("{body}", BODIES[tool]))
            path.chmod(0o755)

    def calls(self, tool: str | None = None) -> list[list[str]]:
        path = self.root / "calls.jsonl"
        lines = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        return [line["args"] for line in lines if tool is None or line["tool"] == tool]

    def frontends(self, tool: str) -> set[str | None]:
        path = self.root / "calls.jsonl"
        return {json.loads(line)["frontend"] for line in path.read_text().splitlines() if f'"{tool}"' in line}

    def run(self, script: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["/bin/bash", str(script), *args],
            # Only the fakes on PATH: a real node, dpkg or apt-get of this machine is never reached.
            env={
                "PATH": str(self.bin),
                "FAKE_STATE": str(self.root / "state.json"),
                "FAKE_CALLS": str(self.root / "calls.jsonl"),
                **env,
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def machine(tmp_path: Path) -> FakeMachine:
    fake = FakeMachine(tmp_path)
    fake.bin.mkdir()
    fake.provide("dpkg", "apt-get", "id")
    fake.set(packages={"chromium": "install ok installed", "postgresql-client": "install ok installed"}, uid=0)
    return fake


def test_nothing_is_installed_when_every_package_is_present(machine: FakeMachine) -> None:
    machine.provide("node", "npm")

    result = machine.run(SYSTEM_PACKAGES, *WANTED)

    assert result.returncode == 0, result.stderr
    assert machine.calls("apt-get") == []
    assert machine.calls("dpkg") == [["-s", "chromium"], ["-s", "postgresql-client"]]  # node and npm: on PATH
    assert result.stdout == ""


def test_missing_packages_are_installed_with_apt_get_when_running_as_root(machine: FakeMachine) -> None:
    machine.set(packages={"postgresql-client": "install ok installed"})

    result = machine.run(SYSTEM_PACKAGES, *WANTED)

    assert result.returncode == 0, result.stderr
    assert machine.calls("apt-get") == [["update", "-qq"], ["install", "-y", "-qq", "chromium", "nodejs", "npm"]]
    assert machine.frontends("apt-get") == {"noninteractive"}
    assert "chromium nodejs npm" in result.stdout


def test_a_node_on_path_stands_for_the_nodejs_and_npm_packages(machine: FakeMachine) -> None:
    machine.provide("node", "npm")  # e.g. NodeSource's build: dpkg knows neither nodejs nor npm here

    result = machine.run(SYSTEM_PACKAGES, *WANTED)

    assert result.returncode == 0, result.stderr
    assert machine.calls("apt-get") == []


def test_a_package_removed_with_its_configuration_left_counts_as_missing(machine: FakeMachine) -> None:
    machine.provide("node", "npm")
    machine.set(packages={"chromium": "deinstall ok config-files", "postgresql-client": "install ok installed"})

    result = machine.run(SYSTEM_PACKAGES, *WANTED)

    assert result.returncode == 0, result.stderr
    assert machine.calls("apt-get")[-1] == ["install", "-y", "-qq", "chromium"]
    assert machine.state["packages"]["chromium"] == "install ok installed"


def test_without_root_the_step_names_the_command_to_run_and_fails(machine: FakeMachine) -> None:
    machine.provide("node", "npm")
    machine.set(packages={"postgresql-client": "install ok installed"}, uid=1000)

    result = machine.run(SYSTEM_PACKAGES, *WANTED)

    assert result.returncode == 1
    assert machine.calls("apt-get") == []
    assert "Missing Debian packages: chromium" in result.stderr
    assert "apt-get install -y chromium" in result.stderr


def test_a_failing_apt_get_fails_the_step(machine: FakeMachine) -> None:
    machine.provide("node", "npm")
    machine.set(packages={}, apt_fails=True)

    result = machine.run(SYSTEM_PACKAGES, *WANTED)

    assert machine.calls("apt-get")[-1][0] == "install"
    assert result.returncode != 0


def _fresh_checkout(tmp_path: Path) -> Path:
    """The repository's tracked files as they are now, without .venv, node_modules or var/."""
    checkout = tmp_path / "checkout"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    for name in filter(None, tracked.split("\0")):
        if (REPO / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / name, checkout / name)
    return checkout


def _make_dry_run(checkout: Path, *targets: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    result = subprocess.run(
        ["make", "-n", *targets], cwd=checkout, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.splitlines()


def test_make_install_in_a_fresh_checkout_installs_the_system_packages_first(tmp_path: Path) -> None:
    lines = _make_dry_run(_fresh_checkout(tmp_path), "install")

    step = (
        "bash scripts/system-packages.sh chromium postgresql-client nodejs:node npm:npm libzbar0 poppler-utils:pdftoppm"
        " libpangoft2-1.0-0"
    )
    assert lines[0] == step
    assert lines.count(step) == 1
    assert any(" -m venv " in line for line in lines[1:])
    assert any(line.startswith("npm ci") for line in lines[1:])


def test_make_test_makes_sure_postgresql_answers_before_the_suites(tmp_path: Path) -> None:
    checkout = _fresh_checkout(tmp_path)
    lines = _make_dry_run(checkout, "test", "PG_URL=postgres://postgres@127.0.0.1:5432/bp_x")

    ready = lines.index('bash scripts/postgres-ready.sh "postgres://postgres@127.0.0.1:5432/bp_x"')
    suites = [i for i, line in enumerate(lines) if "DATABASE_URL=" in line and "/pytest -q" in line]
    assert len(suites) == 2
    assert ready < min(suites)
    # side by side, each suite's output kept whole; SUITE_JOBS=1 puts them one after the other
    [both] = [line for line in lines if line.endswith(" test-sqlite test-postgres")]
    assert " -j2 --output-sync=target " in both
    serial = _make_dry_run(checkout, "test", "SUITE_JOBS=1")
    assert any(" -j1 --output-sync=target " in line for line in serial)


@pytest.fixture
def postgres(machine: FakeMachine) -> FakeMachine:
    machine.provide("pg_isready", "pg_lsclusters", "pg_ctlcluster")
    return machine


def _ready(machine: FakeMachine, url: str, **env: str) -> subprocess.CompletedProcess[str]:
    # The fakes first; sleep and the shell's other helpers from the system.
    return machine.run(POSTGRES_READY, url, WAIT_SECONDS="2", PATH=f"{machine.bin}:/usr/bin:/bin", **env)


def test_a_running_postgresql_is_left_alone(postgres: FakeMachine) -> None:
    postgres.set(postgres_up=True)

    result = _ready(postgres, "postgres://postgres@127.0.0.1:5432/bp")

    assert result.returncode == 0, result.stderr
    assert postgres.calls("pg_ctlcluster") == []


def test_a_stopped_local_cluster_on_the_urls_port_is_started(postgres: FakeMachine) -> None:
    postgres.set(
        clusters=[
            "13 old 5433 down postgres /var/lib/postgresql/13/old /var/log/postgresql/13-old.log",
            "15 main 5432 down postgres /var/lib/postgresql/15/main /var/log/postgresql/15-main.log",
        ]
    )

    result = _ready(postgres, "postgres://postgres@127.0.0.1:5432/bp")

    assert result.returncode == 0, result.stderr
    assert postgres.calls("pg_ctlcluster") == [["--skip-systemctl-redirect", "15", "main", "start"]]
    assert postgres.calls("pg_isready")[0] == ["-q", "-h", "127.0.0.1", "-p", "5432"]


def test_without_a_local_cluster_to_start_the_check_says_what_to_do(postgres: FakeMachine) -> None:
    result = _ready(postgres, "postgres://postgres@127.0.0.1:5432/bp", PG_LSCLUSTERS="not-installed")

    assert result.returncode == 1
    assert "PostgreSQL does not answer on 127.0.0.1:5432" in result.stderr
    assert "apt-get install -y postgresql" in result.stderr
    assert "make test-sqlite" in result.stderr


def test_a_remote_postgresql_is_never_started_here(postgres: FakeMachine) -> None:
    postgres.set(clusters=["15 main 5432 down postgres /var/lib/postgresql/15/main /x.log"])

    result = _ready(postgres, "postgres://bp@db.example:5432/bp")

    assert result.returncode == 1
    assert postgres.calls("pg_ctlcluster") == []
    assert postgres.calls("pg_isready") == [["-q", "-h", "db.example", "-p", "5432"]]
