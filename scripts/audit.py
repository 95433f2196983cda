"""``make audit``: known vulnerabilities in what the platform ships, and ruff's security rules.

Three checks, each reported on its own, all run even when one fails:

- ``ruff check --select S``: flake8-bandit's rules over the whole tree. Every exception is written
  where it is made (``# noqa: Sxxx - reason``, or a reason in pyproject.toml's per-file ignores).
- ``pip-audit`` on ``requirements.lock`` (the pinned set a deployment installs; ``--no-deps
  --disable-pip``: nothing is resolved or installed). It asks a vulnerability database over the
  network (PyPI's JSON API; ``PIP_AUDIT_SERVICE=osv`` for OSV).
- ``npm audit`` on package-lock.json (the dev OIDC provider and SMS centre, tests only).

Offline, a database cannot be asked. pip-audit then reports every package as "not found on PyPI"
and still prints "No known vulnerabilities found"; this script does not take that for a pass: it
says that nothing was audited. Exit status: 0 all clean; 1 something found (or ruff refused);
2 nothing found but a database could not be reached (``AUDIT_ALLOW_OFFLINE=1`` makes that 0, with
the warning kept).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OK, FOUND, UNREACHED = "ok", "FOUND", "NOT AUDITED"


@dataclass
class Result:
    check: str
    status: str
    message: str


def _run(command: list[str], timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603 - fixed commands of ours


def ruff_security() -> Result:
    done = _run([str(BIN / "ruff"), "check", "--no-cache", "--select", "S", "--output-format", "concise", "."])
    if done.returncode == 0:
        return Result("ruff (S rules)", OK, "no findings; exceptions carry their reasons")
    return Result("ruff (S rules)", FOUND, done.stdout.strip() or done.stderr.strip())


def pip_audit() -> Result:
    command = [str(BIN / "pip-audit"), "-r", "requirements.lock", "--no-deps", "--disable-pip"]
    command += ["--progress-spinner", "off", "-f", "json", "-s", os.environ.get("PIP_AUDIT_SERVICE", "pypi")]
    try:
        done = _run(command)
    except FileNotFoundError:
        return Result("pip-audit", UNREACHED, "pip-audit is not installed: run `make install` (it is a dev dependency)")
    try:
        report = json.loads(done.stdout)
    except ValueError:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return Result("pip-audit", UNREACHED, f"the vulnerability database could not be asked: {reason}")
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    if vulnerable:
        lines = [
            f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v.get('fix_versions') or ['-'])})"
            for d in vulnerable
            for v in d["vulns"]
        ]
        return Result("pip-audit", FOUND, "\n".join(lines))
    if dependencies and len(skipped) == len(dependencies):
        return Result(
            "pip-audit",
            UNREACHED,
            f"none of the {len(dependencies)} pinned packages could be audited: every one came back "
            f"'{skipped[0]['skip_reason'].split(':')[0]}'. The PyPI vulnerability database is not reachable from "
            "here (no network, or a proxy that answers 404). Run `make audit` where https://pypi.org is "
            "reachable, or with PIP_AUDIT_SERVICE=osv where https://api.osv.dev is.",
        )
    note = f"; {len(skipped)} not audited: {', '.join(d['name'] for d in skipped)}" if skipped else ""
    return Result("pip-audit", OK, f"{len(dependencies) - len(skipped)} packages, no known vulnerabilities{note}")


def npm_audit() -> Result:
    npm = shutil.which("npm")
    if npm is None:
        return Result("npm audit", UNREACHED, "npm is not installed: run `make install`")
    done = _run([npm, "audit", "--json"])
    try:
        report = json.loads(done.stdout or "{}")
    except ValueError:
        report = {}
    if "error" in report or "message" in report or "statusCode" in report:
        reason = report.get("message") or report.get("error", {}).get("summary") or "no answer"
        return Result(
            "npm audit",
            UNREACHED,
            f"the npm advisory database could not be asked ({reason}). Run `make audit` where "
            "https://registry.npmjs.org accepts audit requests.",
        )
    counts = report.get("metadata", {}).get("vulnerabilities", {})
    total = sum(v for k, v in counts.items() if k != "total" and isinstance(v, int))
    if total:
        found = ", ".join(f"{k}: {v}" for k, v in counts.items() if k != "total" and v)
        names = ", ".join(sorted(report.get("vulnerabilities", {})))
        return Result("npm audit", FOUND, f"{found} ({names})")
    if not counts:
        return Result("npm audit", UNREACHED, f"no report from npm audit: {done.stderr.strip()[-300:]}")
    return Result("npm audit", OK, "no known vulnerabilities")


def main() -> int:
    results = [ruff_security(), pip_audit(), npm_audit()]
    for result in results:
        print(f"{result.check:16} {result.status:12} {result.message.splitlines()[0] if result.message else ''}")
        for line in result.message.splitlines()[1:]:
            print(f"{'':29} {line}")
    if any(r.status == FOUND for r in results):
        return 1
    if any(r.status == UNREACHED for r in results):
        if os.environ.get("AUDIT_ALLOW_OFFLINE") == "1":
            print("\nWARNING: not every database could be asked (AUDIT_ALLOW_OFFLINE=1: not a failure).")
            return 0
        print("\nNot every vulnerability database could be asked: this is not a clean audit (exit 2).")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
