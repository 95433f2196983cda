"""The DOSIS single upload's work without Django's request machinery, for scale in ``bench.dosis_ingest``.

A bare WSGI function under the same gunicorn that does what ``POST /api/v2/dosis/dossiers`` does once
Django has routed the request: verify the access token (its client and order read in one query), the
order check, the payload's validation, the categories' check, encryption, the audit event and the
queue statement, calling the platform's own functions in the API's order. No middleware, routing or
django-ninja. It answers 200 with the UploadId, anything else 500: this is a measuring instrument for
the bench, not an endpoint of the platform (no error format, no rate limit, no security headers).
It shows how much of an upload's cost a lighter HTTP layer could save. ``GET`` answers 200 (readiness).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import django


def _accept_function() -> Callable[[dict[str, Any]], bytes]:
    """Set Django up, then build the handler from the platform's own functions."""
    django.setup()
    # lazy: the platform's modules may load only after django.setup()
    from burgerprofiel.agencies.order_check import order_check
    from burgerprofiel.dossiers.schemas import DossierUploadIn
    from burgerprofiel.dossiers.services import COMPONENT, Caller, dossier_upload_accept
    from burgerprofiel.oauth.services import access_token_verify

    def accept(environ: dict[str, Any]) -> bytes:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        principal = access_token_verify(environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer "))
        version = order_check(
            actor=principal.actor,
            agency_id=principal.agency_id,
            component=COMPONENT,
            latest=principal.latest_order_versions,
        )
        upload = DossierUploadIn.model_validate_json(body)
        upload_id = dossier_upload_accept(caller=Caller.of(principal, version), upload=upload)
        return json.dumps({"Status": "OK", "UploadId": upload_id}).encode()

    return accept


_accept = _accept_function()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    status, answer = "200 OK", b"ok"
    if environ["REQUEST_METHOD"] == "POST":
        try:
            answer = _accept(environ)
        except Exception as exc:  # an instrument: the bench fails on anything but 200
            status, answer = "500 Internal Server Error", type(exc).__name__.encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
    return [answer]
