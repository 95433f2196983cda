"""The README's Python examples, run in order in one namespace against the live platform: an example
that no longer works fails here before it misleads anyone."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest

from burgerprofiel_client import KeyRing
from conftest import DOSIS_SOURCE, Onboarded
from live_platform import Platform

README = Path(__file__).resolve().parents[1] / "README.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks() -> list[tuple[int, str]]:
    text = README.read_text()
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _BLOCK.finditer(text)]


def test_the_readme_has_an_example_for_every_part() -> None:
    code = "\n".join(block for _, block in python_blocks())

    parts = [
        "agency.me(",
        "PrivateKeyJwt(",
        ".rotate(",
        "dosis.upload(",
        "dosis.upload_bulk(",
        "push_bulk(",
        "verify_receipt(",
        "preferences.lookup(",
        "service_requests.answer_with_dossier(",
        "payments.create(",
        "payments.get(",
        "verify_inclusion(",
        "verify_consistency(",
        "PullSource(",
        "WebhookVerifier(",
    ]
    assert [call for call in parts if call not in code] == []


def test_the_readme_examples_run_against_the_platform(
    platform: Platform,
    secret_agency: Onboarded,
    jwt_agency: Onboarded,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert jwt_agency.keys is not None
    monkeypatch.chdir(tmp_path)  # the examples write jwks.json
    namespace: dict[str, Any] = {
        "PLATFORM_URL": platform.url,
        "CLIENT_ID": secret_agency.client_id,
        "CLIENT_SECRET": secret_agency.client_secret,
        "DOSIS_BRON": DOSIS_SOURCE,
        "JWT_CLIENT_ID": jwt_agency.client_id,
        "KEYS": KeyRing(jwt_agency.keys),  # a copy: the examples rotate it
    }
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        for line, block in python_blocks():
            exec(compile(block, f"{README.name}:{line}", "exec"), namespace)  # our own README
    namespace["client"].close()

    printed = output.getvalue()
    assert "validation-error" in printed
    assert "403" in printed
    assert (tmp_path / "jwks.json").exists()
