"""``python -m bench.api_profile``: where one agency write spends its time, in one process, on PostgreSQL.

Not a throughput bench (``bench.dosis_ingest`` and ``bench.notifications`` are): this drives Django's
WSGI handler directly, the way gunicorn calls it (an ``environ`` per request, no sockets), one request
at a time, and reports per request

- the statements sent to the database (``CaptureQueriesContext``), listed once for the last request;
- the process's CPU time (``time.process_time``: this process only, not PostgreSQL's backend) and the
  wall time (CPU plus waiting for the database);
- with ``--profile``, the functions that cost the most (``cProfile``, cumulative and own time);
- how much this process's resident memory grew over them (a request must leave nothing behind);
- the database's side of the same requests: the CPU its backend process used (``/proc/<pid>/stat``,
  the server runs on this machine) and the rows written per request, by table (``pg_stat_user_tables``).

Path ``floor`` is the leanest POST's own work (``bench.http_floor``: parse the JSON, one INSERT),
the reference for ``dosis`` and ``melding`` as in the throughput benches (here without gunicorn).
Path ``copy`` is the reference for ``bulk``: ``BULK_LINES`` rows per request COPYed into
``bench.dosis_ingest``'s bare table on the same connection, as that bench's COPY baseline writes
them (this process's CPU and the backend's per row). The two together bound what filing can reach
on these CPUs whatever the Python does: the issue's target (bulk filed at 25% of COPY) asks a filed
upload to cost, the database's work included, at most four COPY rows' CPU.

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
from pathlib import Path
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


def _backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) a PostgreSQL backend used so far, from ``/proc`` (same machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _resident_mb() -> float:
    """This process's resident memory (``/proc/self/statm``), in MB."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _rows_written(cursor: Any) -> dict[str, int]:
    """Rows inserted so far per table, as the statistics report them (both connections' flushed first:
    Django's and ``bench.http_floor``'s)."""
    from bench import http_floor

    floor = getattr(http_floor._local, "connection", None)
    if floor is not None:
        floor.execute("SELECT pg_stat_force_next_flush()")
    cursor.execute("SELECT pg_stat_force_next_flush()")
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute("SELECT relname, n_tup_ins FROM pg_stat_user_tables WHERE n_tup_ins > 0")
    return dict(cursor.fetchall())


def _copy_rows(connection: Any, first: int) -> None:
    """``BULK_LINES`` rows into the bare table in one COPY and one commit, as ``bench.dosis_ingest``'s
    baseline writes them."""
    from bench.dosis_ingest import copy_plain

    raw = connection.connection  # psycopg's own connection, autocommit as Django keeps it
    with raw.transaction():
        copy_plain(raw, 0, first, BULK_LINES, "Y")


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

        from bench.dosis_ingest import PLAIN_TABLE, payload
        from bench.notifications import PRODUCT

        with connection.cursor() as cursor:
            cursor.execute(PLAIN_TABLE)
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]

        bodies: dict[str, tuple[str, Callable[[int], bytes], str]] = {
            "dosis": ("/api/v2/dosis/dossiers", lambda i: json.dumps(payload(0, i, "P")).encode(), "200"),
            "bulk": (
                "/api/v2/dosis/dossiers/bulk",
                lambda i: "\n".join(
                    json.dumps(payload(0, i * BULK_LINES + j, "K")) for j in range(BULK_LINES)
                ).encode(),
                "200",
            ),
            "floor": ("floor", lambda i: json.dumps(payload(0, i, "F")).encode(), "200"),
            "copy": ("copy", lambda i: str(i * BULK_LINES).encode(), "200"),
            "melding": (
                "/api/v1/notifications",
                lambda i: json.dumps(
                    {"insz": pool[i % len(pool)], "message": "Bench", "ipdc_product": PRODUCT}
                ).encode(),
                "202",
            ),
        }

        from bench import http_floor

        def call(path: str, body: bytes) -> str:
            if path == "floor":
                answered: list[str] = []
                b"".join(http_floor.application(_environ("/floor", body, token), lambda s, h, *a: answered.append(s)))
                return answered[0]
            if path == "copy":
                _copy_rows(connection, int(body))
                return "200 OK"
            status: list[str] = []
            chunks = app(_environ(path, body, token), lambda s, h, *a: status.append(s))
            b"".join(chunks)
            getattr(chunks, "close", lambda: None)()
            return status[0]

        for name in args.paths.split(","):
            path, body_of, expected = bodies[name]
            for i in range(3 if name in ("bulk", "copy") else 50):  # warm-up: imports, compiled SQL, caches
                got = call(path, body_of(10_000_000 + i))
                if not got.startswith(expected):
                    raise RuntimeError(f"{name}: answered {got}")
            with CaptureQueriesContext(connection) as queries:
                call(path, body_of(20_000_000))
            statements = len(queries.captured_queries)
            listed = [f"    {float(q['time']) * 1000:6.2f} ms  {q['sql'][:200]}" for q in queries.captured_queries]
            profiler = cProfile.Profile(time.process_time) if args.profile else None
            with connection.cursor() as cursor:
                rows0 = _rows_written(cursor)
            pid = http_floor._connection().info.backend_pid if name == "floor" else backend
            database0, resident0 = _backend_cpu(pid), _resident_mb()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            for i in range(args.requests):
                call(path, body_of(i))
            if profiler:
                profiler.disable()
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            database, resident = _backend_cpu(pid) - database0, _resident_mb() - resident0
            with connection.cursor() as cursor:
                rows = {t: c - rows0.get(t, 0) for t, c in _rows_written(cursor).items() if c > rows0.get(t, 0)}
            n = args.requests
            print(
                f"{name}: {statements} statements, {cpu / n * 1000:.2f} ms CPU, {wall / n * 1000:.2f} ms wall "
                f"per request ({n} requests, {n / wall:.0f}/s on one thread{', profiled' if profiler else ''})"
            )
            written = ", ".join(f"{t} {c / n:g}" for t, c in sorted(rows.items(), key=lambda r: -r[1]))
            print(
                f"  the database: {database / n * 1000:.2f} ms of its backend's CPU per request; "
                f"rows written per request: {written or 'none'}; this process's resident memory {resident:+.1f} MB"
            )
            if name in ("bulk", "copy"):
                print(
                    f"  per line: {cpu / n / BULK_LINES * 1e6:.0f} us here + {database / n / BULK_LINES * 1e6:.0f} us "
                    f"in the database = {(cpu + database) / n / BULK_LINES * 1e6:.0f} us of CPU"
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
