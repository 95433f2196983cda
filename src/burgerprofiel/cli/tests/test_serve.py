"""``burgerprofiel serve``: a real gunicorn on a free port; what it refuses itself is problem+json too."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from burgerprofiel.common.errors import PROBLEM_BASE
from burgerprofiel.notifications.tests.peers import free_port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("serve")
    port = free_port()
    executable = shutil.which("burgerprofiel", path=str(Path(sys.executable).parent)) or "burgerprofiel"
    env = {
        **os.environ,
        "BURGERPROFIEL_PROFILE": "test",
        "BURGERPROFIEL_BASE_DIR": str(base),
        "DATABASE_URL": f"sqlite:///{base / 'serve.sqlite3'}",
        "LOG_LEVEL": "WARNING",
    }
    log = (base / "serve.log").open("wb")
    process = subprocess.Popen(
        [executable, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-migrate"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (base / "serve.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _raw(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (no client library tidies them up) and read the whole answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    return int(status_line.split()[1]), headers, body


def _problem(status: int, headers: dict[str, str], body: bytes, expected: int, code: str) -> dict[str, object]:
    assert status == expected, body
    assert headers["content-type"] == "application/problem+json"
    problem: dict[str, object] = json.loads(body)
    assert problem["type"] == PROBLEM_BASE + code
    assert problem["status"] == expected
    assert problem["title"] and problem["detail"]
    return problem


def test_a_request_line_longer_than_gunicorn_reads_gets_414_problem_json(server: str) -> None:
    insz_like = "85073003328"
    path = "/api/v1/me?" + "x" * 9000 + insz_like
    status, headers, body = _raw(server, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    _problem(status, headers, body, 414, "uri-too-long")
    assert insz_like.encode() not in body  # gunicorn's message quotes the request line: left out


def test_too_many_header_fields_get_431_problem_json(server: str) -> None:
    fields = "".join(f"X-Veld-{i}: 1\r\n" for i in range(150))
    status, headers, body = _raw(server, f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n{fields}\r\n".encode())
    _problem(status, headers, body, 431, "request-header-fields-too-large")


def test_a_request_gunicorn_cannot_parse_gets_400_problem_json(server: str) -> None:
    status, headers, body = _raw(server, b"GET /healthz HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n")
    _problem(status, headers, body, 400, "malformed-request")


def test_more_query_parameters_than_django_reads_get_400_problem_json_through_gunicorn(server: str) -> None:
    query = "&".join(["p"] * 1001)  # short enough for gunicorn's request line (4094 bytes)
    response = httpx.get(f"{server}/api/v1/me?{query}", timeout=10)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEM_BASE + "too-many-parameters"


def test_the_server_answers_ordinary_requests(server: str) -> None:
    response = httpx.get(f"{server}/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
