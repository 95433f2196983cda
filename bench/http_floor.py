"""The leanest HTTP upload endpoint there can be, for scale in ``bench.dosis_ingest``.

A bare WSGI function under the same gunicorn: it reads the JSON body and writes it with the bare
baseline's single-row INSERT, on one autocommit connection per thread. No framework, no token, no
validation, no order check, no encryption, no audit. Whatever the platform answers per second can
only be less than this; the bench prints it beside the targets. ``GET`` answers 200 (readiness).
Database: ``DATABASE_URL`` (the bench's throwaway PostgreSQL database).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

import psycopg

_local = threading.local()
INSERT = "INSERT INTO bench_dosis_plain (bron, dossier_number, upload_id, payload) VALUES (%s, %s, %s, %s)"


def _connection() -> psycopg.Connection[Any]:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = _local.connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return connection


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ["REQUEST_METHOD"] == "POST":
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        upload = json.loads(body)
        identification = upload["Identificatie"]
        _connection().execute(
            INSERT, (identification["Bron"], identification["DossierNummer"], upload["UploadId"], body.decode())
        )
    answer = b'{"Status": "OK"}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
    return [answer]
