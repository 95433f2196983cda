"""The OpenAPI documents tell the truth: schemathesis, every check, against a live server.

``burgerprofiel serve`` (gunicorn, so its own limits answer too) runs in its own process with a
database of its own (``contract/server.py``); schemathesis's command line fuzzes
``/api/v1/openapi.json`` and ``/api/v2/openapi.json`` with an agency's real access token, with the
configuration and hooks in ``contract/`` (every check on; where a check expects other statuses, the
reason is written there). This is the bounded run; ``make fuzz`` runs the same with many more
examples.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from burgerprofiel.api.tests.contract import hooks
from burgerprofiel.api.tests.contract.fuzz import DOCUMENTS, Outcome, contract_server, schemathesis_run
from burgerprofiel.api.tests.contract.server import ContractServer
from burgerprofiel.citizens.insz import insz_normalise

# Examples per operation and phase: enough for every phase to reach every operation, small enough
# for make test (both documents in well under a minute on a 2-core machine).
MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "5"))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ContractServer]:
    from django.db import connection  # its vendor only: the server has a database of its own

    if connection.vendor != "postgresql":
        # The server has a database of its own either way; once per `make test` is enough, on the database
        # production runs on (PostgreSQL refuses what SQLite lets pass: NUL characters, 64-bit overflows).
        pytest.skip("runs in the PostgreSQL suite")
    yield from _live(tmp_path_factory)


def _live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ContractServer]:
    server = contract_server(Path(tmp_path_factory.mktemp("contract")))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def outcomes(live: ContractServer) -> dict[str, Outcome]:
    """Both documents at once (two schemathesis processes against the one server): half the wall time."""
    token = live.token(live.agencies[0])
    with ThreadPoolExecutor(max_workers=len(DOCUMENTS)) as pool:
        runs = {
            name: pool.submit(
                schemathesis_run, live, token=token, document=name, max_examples=MAX_EXAMPLES, seed=20261130
            )
            for name in DOCUMENTS
        }
        return {name: run.result() for name, run in runs.items()}


@pytest.mark.parametrize("document", sorted(DOCUMENTS))
def test_schemathesis_finds_no_failure_with_every_check(
    live: ContractServer, outcomes: dict[str, Outcome], document: str
) -> None:
    outcome = outcomes[document]
    assert outcome.returncode == 0, f"{outcome.output}\n--- server log ---\n{live.log_tail()}"
    assert "All checks passed" in outcome.output or " passed" in outcome.output


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hooks.insz_numbers())
def test_the_hooks_generate_only_valid_insz_numbers(value: str) -> None:
    """What the hooks send as a valid INSZ (NDJSON lines, format insz) is one: a birth year 20xx still to
    come made check digits the platform rightly refuses, and a schema-valid bulk was answered 422."""
    assert len(insz_normalise(value)) == 11
