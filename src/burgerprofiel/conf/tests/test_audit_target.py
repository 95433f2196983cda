"""``make audit`` (scripts/audit.py): a database that could not be asked is never a clean audit."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[4] / "scripts" / "audit.py"


@pytest.fixture
def audit(monkeypatch: pytest.MonkeyPatch) -> Any:
    spec = importlib.util.spec_from_file_location("bp_audit_script", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bp_audit_script", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _answer(stdout: str = "", stderr: str = "", returncode: int = 0):
    return lambda command, timeout=600: subprocess.CompletedProcess(command, returncode, stdout, stderr)


def test_ruff_security_rules_are_clean_on_the_tree(audit):
    result = audit.ruff_security()
    assert (result.status, result.message) == (audit.OK, "no findings; exceptions carry their reasons")


def test_pip_audit_that_audited_nothing_is_reported_as_not_audited(audit, monkeypatch):
    offline = {
        "dependencies": [
            {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2)"},
            {"name": "httpx", "skip_reason": "Dependency not found on PyPI and could not be audited: httpx (0.28)"},
        ]
    }
    monkeypatch.setattr(audit, "_run", _answer(json.dumps(offline), "No known vulnerabilities found"))
    result = audit.pip_audit()
    assert result.status == audit.UNREACHED
    assert "none of the 2 pinned packages could be audited" in result.message


def test_pip_audit_names_each_vulnerable_package_and_its_fix(audit, monkeypatch):
    found = {
        "dependencies": [
            {"name": "django", "version": "5.2", "vulns": [{"id": "PYSEC-1", "fix_versions": ["5.2.1"]}]},
            {"name": "httpx", "version": "0.28", "vulns": []},
        ]
    }
    monkeypatch.setattr(audit, "_run", _answer(json.dumps(found), returncode=1))
    result = audit.pip_audit()
    assert (result.status, result.message) == (audit.FOUND, "django 5.2: PYSEC-1 (fixed in 5.2.1)")


def test_pip_audit_that_cannot_connect_says_so(audit, monkeypatch):
    monkeypatch.setattr(audit, "_run", _answer("", "ConnectionError: Max retries exceeded", returncode=1))
    result = audit.pip_audit()
    assert result.status == audit.UNREACHED
    assert "ConnectionError" in result.message


def test_npm_audit_refused_by_the_registry_is_not_audited(audit, monkeypatch):
    refused = {"message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk"}
    monkeypatch.setattr(audit, "_run", _answer(json.dumps(refused), returncode=1))
    assert audit.npm_audit().status == audit.UNREACHED


def test_npm_audit_with_findings_fails(audit, monkeypatch):
    report = {"vulnerabilities": {"jose": {}}, "metadata": {"vulnerabilities": {"high": 1, "total": 1}}}
    monkeypatch.setattr(audit, "_run", _answer(json.dumps(report), returncode=1))
    assert audit.npm_audit().status == audit.FOUND


def test_the_exit_status_separates_found_from_not_audited(audit, monkeypatch):
    ok = audit.Result("x", audit.OK, "")
    unreached = audit.Result("y", audit.UNREACHED, "offline")
    monkeypatch.setattr(audit, "ruff_security", lambda: ok)
    monkeypatch.setattr(audit, "npm_audit", lambda: ok)
    monkeypatch.setattr(audit, "pip_audit", lambda: unreached)
    assert audit.main() == 2
    monkeypatch.setenv("AUDIT_ALLOW_OFFLINE", "1")
    assert audit.main() == 0
    monkeypatch.setattr(audit, "pip_audit", lambda: audit.Result("y", audit.FOUND, "django"))
    assert audit.main() == 1
