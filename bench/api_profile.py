"""``python -m bench.api_profile``: where one agency write spends its time, in one process, on PostgreSQL.

Not a throughput bench (``bench.dosis_ingest`` and ``bench.notifications`` are): this drives Django's
WSGI handler directly, the way gunicorn calls it (an ``environ`` per request, no sockets), one request
at a time, and reports per request

- the statements sent to the database (``CaptureQueriesContext``), listed once for the last request;
- the process's CPU time (``time.process_time``: this process only, not PostgreSQL's backend) and the
  wall time (CPU plus waiting for the database);
- with ``--profile``, the functions that cost the most (``cProfile``, cumulative and own time).

Paths: ``dosis`` (``POST /api/v2/dosis/dossiers``, the bench's payload), ``bulk`` (``POST
/api/v2/dosis/dossiers/bulk``, ``BULK_LINES`` of that payload per request, each a new dossier: since
issue 14 the request files them as it accepts them, so this is acceptance and filing together) and ``melding``
(``POST /api/v1/notifications`` to a citizen with a verified e-mail address and consent: one e-mail
queued). A throwaway database ``<name>_aprof`` next to ``BENCH_DATABASE_URL``, dropped afterwards.
The task backend is the database's (as ``burgerprofiel serve``): nothing is filed or sent inline.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.databases import throwaway_postgres

BULK_LINES = 500


def _environ(path: str, body: bytes, token: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/x-ndjson" if path.endswith("/bulk") else "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def _setup(db_url: str) -> tuple[Callable[..., Any], str, list[str]]:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "burgerprofiel.conf.settings",
            "BURGERPROFIEL_PROFILE": os.environ.get("BURGERPROFIEL_PROFILE", "development"),
            "DATABASE_URL": db_url,
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "API_RATE_LIMIT_PER_MINUTE": os.environ.get("API_RATE_LIMIT_PER_MINUTE", "0"),
            "ACCESS_TOKEN_TTL_SECONDS": "3600",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command

    from burgerprofiel.conf.wsgi import Application

    call_command("migrate", verbosity=0, interactive=False)
    from bench.dosis_ingest import onboard
    from bench.notifications import citizens_bulk
    from burgerprofiel.oauth.services import access_token_verify

    token = onboard(["dosis", "notificaties"])
    pool = citizens_bulk(access_token_verify(token).agency_id, 0, 200)
    # The application gunicorn serves (the API's own middleware chain), or Django's handler over the
    # whole MIDDLEWARE list (BENCH_PLAIN_HANDLER=1), to weigh the two in one sitting.
    handler = WSGIHandler() if os.environ.get("BENCH_PLAIN_HANDLER") == "1" else Application()
    return handler, token, pool


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paths", default="dosis,melding")
    parser.add_argument("--requests", type=int, default=1000, help="measured requests per path (after a warm-up)")
    parser.add_argument("--profile", action="store_true", help="also print cProfile's top functions")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--dump", help="with --profile: also write cProfile's stats to this file (for pstats)")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/burgerprofiel")
    with throwaway_postgres(url, "aprof") as db_url:
        app, token, pool = _setup(db_url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from bench.dosis_ingest import payload
        from bench.notifications import PRODUCT

        bodies: dict[str, tuple[str, Callable[[int], bytes], str]] = {
            "dosis": ("/api/v2/dosis/dossiers", lambda i: json.dumps(payload(0, i, "P")).encode(), "200"),
            "bulk": (
                "/api/v2/dosis/dossiers/bulk",
                lambda i: "\n".join(
                    json.dumps(payload(0, i * BULK_LINES + j, "K")) for j in range(BULK_LINES)
                ).encode(),
                "200",
            ),
            "melding": (
                "/api/v1/notifications",
                lambda i: json.dumps(
                    {"insz": pool[i % len(pool)], "message": "Bench", "ipdc_product": PRODUCT}
                ).encode(),
                "202",
            ),
        }

        def call(path: str, body: bytes) -> str:
            status: list[str] = []
            chunks = app(_environ(path, body, token), lambda s, h, *a: status.append(s))
            b"".join(chunks)
            getattr(chunks, "close", lambda: None)()
            return status[0]

        for name in args.paths.split(","):
            path, body_of, expected = bodies[name]
            for i in range(3 if name == "bulk" else 50):  # warm-up: imports, compiled SQL, caches
                got = call(path, body_of(10_000_000 + i))
                if not got.startswith(expected):
                    raise RuntimeError(f"{name}: answered {got}")
            with CaptureQueriesContext(connection) as queries:
                call(path, body_of(20_000_000))
            statements = len(queries.captured_queries)
            listed = [f"    {float(q['time']) * 1000:6.2f} ms  {q['sql'][:200]}" for q in queries.captured_queries]
            profiler = cProfile.Profile(time.process_time) if args.profile else None
            cpu0, wall0 = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            for i in range(args.requests):
                call(path, body_of(i))
            if profiler:
                profiler.disable()
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            n = args.requests
            print(
                f"{name}: {statements} statements, {cpu / n * 1000:.2f} ms CPU, {wall / n * 1000:.2f} ms wall "
                f"per request ({n} requests, {n / wall:.0f}/s on one thread{', profiled' if profiler else ''})"
            )
            print("\n".join(line.replace("\n", " ") for line in listed))
            if profiler:
                if args.dump:
                    profiler.dump_stats(f"{args.dump}.{name}" if "," in args.paths else args.dump)
                for order in ("cumulative", "tottime"):
                    out = io.StringIO()
                    pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
                    print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
