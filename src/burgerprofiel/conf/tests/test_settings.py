"""The production profile refuses to start without its secrets (no defaults in production)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest

KEK = "p1:" + base64.urlsafe_b64encode(os.urandom(32)).decode()
COMPLETE = {
    "BURGERPROFIEL_PROFILE": "production",
    "SECRET_KEY": "x" * 50,
    "KEY_ENCRYPTION_KEYS": KEK,
    "BLIND_INDEX_KEY": "y" * 40,
    "ALLOWED_HOSTS": "burgerprofiel.example",
    "DATABASE_URL": "sqlite:///:memory:",
}


def _other_secrets() -> dict[str, str]:
    """Every other secret the settings declare (capabilities add their own), with a dummy value."""
    from burgerprofiel.conf.env import REGISTRY

    return {name: "z" * 40 for name, var in REGISTRY.items() if var.secret and name not in COMPLETE}


def _start(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in COMPLETE}
    clean.update(_other_secrets())
    clean.update(env, BURGERPROFIEL_BASE_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="burgerprofiel.conf.settings")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        ],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_starts_with_every_secret_given(tmp_path):
    result = _start(COMPLETE, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    assert not (tmp_path / "var" / "dev-secrets.json").exists()


@pytest.mark.parametrize("missing", ["SECRET_KEY", "KEY_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing, tmp_path):
    env = {k: v for k, v in COMPLETE.items() if k != missing}
    result = _start(env, tmp_path)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_to_start_without_a_metrics_token(tmp_path, monkeypatch):
    """Behind the reverse proxy every scrape comes from the proxy's address: /metrics needs credentials."""
    monkeypatch.setattr(sys.modules[__name__], "_other_secrets", lambda: {**_secrets(), "METRICS_TOKEN": ""})
    result = _start(COMPLETE, tmp_path)
    assert result.returncode != 0
    assert "METRICS_TOKEN" in result.stderr


def _secrets() -> dict[str, str]:
    from burgerprofiel.conf.env import REGISTRY

    return {name: "z" * 40 for name, var in REGISTRY.items() if var.secret and name not in COMPLETE}


def test_production_refuses_debug(tmp_path):
    result = _start({**COMPLETE, "DEBUG": "true"}, tmp_path)
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_a_malformed_key_encryption_key_is_refused_at_start(tmp_path):
    env = {**COMPLETE, "KEY_ENCRYPTION_KEYS": "p1:dG9vLXNob3J0"}
    clean = {k: v for k, v in os.environ.items() if k not in COMPLETE}
    clean.update(_other_secrets())
    clean.update(env, BURGERPROFIEL_BASE_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="burgerprofiel.conf.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "32 bytes" in result.stderr


def test_the_readme_documents_every_environment_variable():
    from pathlib import Path

    from burgerprofiel.conf.env import REGISTRY

    readme = (Path(__file__).resolve().parents[4] / "README.md").read_text()
    missing = [name for name in REGISTRY if f"`{name}`" not in readme]
    assert not missing, f"README lacks {missing}: regenerate the table with `burgerprofiel config`"
