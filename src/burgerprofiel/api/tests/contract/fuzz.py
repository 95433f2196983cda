"""Schemathesis (every check) against a live platform over both OpenAPI documents.

``make fuzz`` runs this module (many examples, all phases); ``api/tests/test_contract.py`` runs the
same thing bounded within ``make test``. Exit status: 0 when neither document has a failure.

    python -m burgerprofiel.api.tests.contract.fuzz [--max-examples N] [--seed S] [--document v1|v2]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from burgerprofiel.api.tests.contract.server import ContractServer, database_for

CONFIG = Path(__file__).with_name("schemathesis.toml")
DOCUMENTS = {"v1": "/api/v1/openapi.json", "v2": "/api/v2/openapi.json"}


@dataclass
class Outcome:
    document: str
    returncode: int
    output: str

    @property
    def failures(self) -> int:
        """The number schemathesis reports in its last line ("N failures ..."), 0 when it found none."""
        found = re.findall(r"(\d+) failures?\b", self.output.splitlines()[-1] if self.output else "")
        return int(found[0]) if found else (0 if self.returncode == 0 else -1)


def schemathesis_run(
    server: ContractServer,
    *,
    token: str,
    document: str,
    max_examples: int,
    seed: int | None = None,
    extra: tuple[str, ...] = (),
    timeout: float = 1800,
) -> Outcome:
    executable = Path(sys.executable).with_name("schemathesis")
    command = [
        str(executable),
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        f"{server.url}{DOCUMENTS[document]}",
        "--checks",
        "all",
        "--max-examples",
        str(max_examples),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        *(("--seed", str(seed)) if seed is not None else ()),
        *extra,
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "BP_CONTRACT_TOKEN": token}
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    return Outcome(document, result.returncode, result.stdout + result.stderr)


def contract_server(base_dir: Path) -> ContractServer:
    server = ContractServer(base_dir=base_dir, database_url=database_for(base_dir, os.environ.get("DATABASE_URL")))
    server.start()
    try:
        agency, _ = server.onboard()
        server.seed(agency)
    except BaseException:
        print(server.log_tail(), file=sys.stderr)
        server.stop()
        raise
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--document", choices=sorted(DOCUMENTS), action="append")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bp-fuzz-") as tmp:
        server = contract_server(Path(tmp))
        try:
            token = server.token(server.agencies[0])
            outcomes = [
                schemathesis_run(server, token=token, document=name, max_examples=args.max_examples, seed=args.seed)
                for name in args.document or sorted(DOCUMENTS)
            ]
        finally:
            server.stop()
    for outcome in outcomes:
        print(outcome.output)
    for outcome in outcomes:
        print(f"{DOCUMENTS[outcome.document]}: {outcome.failures} failures (exit {outcome.returncode})")
    return 0 if all(o.returncode == 0 for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
