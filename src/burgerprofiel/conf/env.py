"""The one way settings are read from the environment.

Every variable is declared with its default and help text, so that the README's table and
`burgerprofiel config` are generated from the same place the code reads (Open Zaak style).
Secrets are declared with ``secret=True``: they have no default in production, and in the
development profile a random value is generated once and kept under ``var/``.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Variable:
    name: str
    default: str | None
    help: str
    secret: bool = False


REGISTRY: dict[str, Variable] = {}

BASE_DIR = Path(os.environ.get("BURGERPROFIEL_BASE_DIR", Path.cwd()))
VAR_DIR = BASE_DIR / "var"

PROFILES = ("development", "test", "production")


REGISTRY["BURGERPROFIEL_PROFILE"] = Variable(
    "BURGERPROFIEL_PROFILE",
    "development",
    "`development` (secrets generated under var/), `test`, or `production` (every secret required, no defaults).",
)
REGISTRY["BURGERPROFIEL_BASE_DIR"] = Variable(
    "BURGERPROFIEL_BASE_DIR", "the working directory", "Where `var/` (SQLite file, development secrets) lives."
)


def profile() -> str:
    value = os.environ.get("BURGERPROFIEL_PROFILE", "development")
    if value not in PROFILES:
        raise ImproperlyConfigured(f"BURGERPROFIEL_PROFILE must be one of {', '.join(PROFILES)}, not {value!r}")
    return value


def _dev_secret(name: str, generate: Any) -> str:
    """A per-checkout random secret for development and tests, never for production.

    Several processes may start at once on a fresh checkout (the test suite's parallel workers,
    ``make run``'s server and worker): the file is read and extended under a lock and replaced in one
    step, so every process gets the same secret and none reads a half-written file.
    """
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "dev-secrets.json"
    with (VAR_DIR / "dev-secrets.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        if name not in stored:
            stored[name] = generate()
            partial = path.with_name(f"{path.name}.{os.getpid()}")
            partial.write_text(json.dumps(stored, indent=2))
            partial.chmod(0o600)
            partial.replace(path)
    return stored[name]


def env(
    name: str,
    default: str | None = None,
    *,
    help: str,
    secret: bool = False,
    generate: Any = None,
    shown: str | None = None,
) -> str:
    """Read one variable. A secret must be set in production; elsewhere it is generated once.

    ``shown`` is how the default is documented when it depends on the machine (a path).
    """
    REGISTRY[name] = Variable(name, None if secret else (shown or default), help, secret)
    value = os.environ.get(name)
    if value not in (None, ""):
        return value  # type: ignore[return-value]
    if secret:
        if profile() == "production":
            raise ImproperlyConfigured(f"{name} must be set in the production profile ({help})")
        return _dev_secret(name, generate or (lambda: secrets.token_urlsafe(50)))
    if default is None:
        raise ImproperlyConfigured(f"{name} must be set ({help})")
    return default


def env_bool(name: str, default: bool, *, help: str) -> bool:
    raw = env(name, "true" if default else "false", help=help)
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, help: str) -> int:
    raw = env(name, str(default), help=help)
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: str, *, help: str) -> list[str]:
    return [item.strip() for item in env(name, default, help=help).split(",") if item.strip()]


def markdown_table() -> str:
    """The README's table of environment variables."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for var in sorted(REGISTRY.values(), key=lambda v: v.name):
        default = "*(secret, required in production)*" if var.secret else f"`{var.default}`"
        rows.append(f"| `{var.name}` | {default} | {var.help} |")
    return "\n".join(rows)
