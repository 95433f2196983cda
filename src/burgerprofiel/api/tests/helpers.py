from __future__ import annotations

from typing import Any

from burgerprofiel.common.errors import PROBLEM_BASE


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """An RFC 9457 answer: the status, problem+json, a stable ``type`` and the request's id as ``instance``."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM_BASE + code
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["instance"] == f"urn:request:{response['X-Request-ID']}"
    return body
