"""The ``burgerprofiel`` entry point: one var/ wherever it runs, a clear refusal otherwise, and a
top-level help without Django's developer commands (issue 16 item 8)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import burgerprofiel.cli as cli

REPO = Path(__file__).resolve().parents[4]


def test_the_project_is_found_from_any_subdirectory_and_from_the_package(tmp_path):
    assert cli.project_dir(REPO / "src" / "burgerprofiel" / "cli") == REPO
    assert cli.project_dir(REPO / "docs") == REPO
    # From outside the checkout, an editable install still finds its checkout through the package.
    assert cli.project_dir(tmp_path) == REPO
    assert cli.project_dir(tmp_path, package=tmp_path) is None


def test_base_dir_is_the_environment_variable_when_set_else_the_project(tmp_path):
    environ: dict[str, str] = {"BURGERPROFIEL_BASE_DIR": str(tmp_path)}
    assert cli.base_dir_resolve(environ, REPO / "docs") == str(tmp_path)
    environ = {}
    assert cli.base_dir_resolve(environ, REPO / "docs") == str(REPO)
    assert environ["BURGERPROFIEL_BASE_DIR"] == str(REPO)


def test_without_a_project_the_command_refuses_in_dutch_and_creates_no_var(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BURGERPROFIEL_BASE_DIR", raising=False)
    monkeypatch.setenv("BURGERPROFIEL_PROFILE", "development")
    monkeypatch.setattr(cli, "project_dir", lambda cwd, package=None: None)

    with pytest.raises(SystemExit) as exited:
        cli.main(["agency", "list"])

    assert exited.value.code == 2
    assert "geen project gevonden" in capsys.readouterr().err
    assert not (tmp_path / "var").exists()


def _run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO / "src"), **env}
    return subprocess.run(
        [sys.executable, "-c", "from burgerprofiel.cli import main; main()", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_help_lists_the_platform_commands_and_hides_djangos_developer_commands(tmp_path):
    shown = _run("--help", cwd=REPO, BURGERPROFIEL_PROFILE="test", DATABASE_URL=f"sqlite:///{tmp_path}/h.sqlite3")
    everything = _run(
        "help", "--alle", cwd=REPO, BURGERPROFIEL_PROFILE="test", DATABASE_URL=f"sqlite:///{tmp_path}/h.sqlite3"
    )

    assert shown.returncode == 0, shown.stderr
    assert "Opdrachten van het platform:" in shown.stdout
    for command in ("agency", "order", "staff", "keys", "audit", "migrate"):
        assert command in shown.stdout
    for developer in ("runserver", "flush", "startapp", "makemigrations", "sqlflush"):
        assert developer not in shown.stdout
    assert "runserver" in everything.stdout and "flush" in everything.stdout


def test_an_empty_database_gets_a_clear_message_instead_of_a_traceback(tmp_path):
    result = _run(
        "agency",
        "list",
        cwd=tmp_path,
        BURGERPROFIEL_PROFILE="test",
        BURGERPROFIEL_BASE_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/leeg.sqlite3",
    )

    assert result.returncode == 2
    assert "voer eerst 'burgerprofiel migrate' uit" in result.stderr.lower()
    assert "Traceback" not in result.stderr


def test_a_command_s_help_is_dutch_from_usage_to_the_common_options(tmp_path):
    env = {"BURGERPROFIEL_PROFILE": "test", "DATABASE_URL": f"sqlite:///{tmp_path}/h.sqlite3"}
    shown = _run("staff", "--help", cwd=REPO, **env)
    wrong = _run("staff", "role", "--username", "x", "--role", "baas", cwd=REPO, **env)

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("gebruik: ")
    for dutch in ("opties:", "toon deze uitleg en stop", "Hoeveel uitvoer", "Medewerkers van de back-office"):
        assert dutch in shown.stdout
    for english in ("usage:", "show this help message", "Verbosity level", "Skip system checks"):
        assert english not in shown.stdout
    assert wrong.returncode == 2 and "ongeldige keuze: 'baas'" in wrong.stderr
