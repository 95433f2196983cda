"""RFC 9457 problem details responses."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

from burgerprofiel.common.errors import PROBLEM_BASE, ApplicationError
from burgerprofiel.common.requestid import current_request_id

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
    }
    request_id = current_request_id()
    if request_id:
        body["instance"] = f"urn:request:{request_id}"
    body.update(extra)
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE)
    # Stated here, not left to CommonMiddleware: the API's guards answer before it runs.
    response["Content-Length"] = str(len(response.content))
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def problem_from_error(error: ApplicationError, headers: dict[str, str] | None = None) -> HttpResponse:
    return problem_response(
        status=error.status,
        code=error.code,
        title=error.title,
        detail=error.detail,
        headers=headers,
        **error.extra,
    )
