"""``python -m bench.dispatch_profile``: where the worker's CPU goes when it drains a filled outbox.

Not a latency bench (``bench.notifications`` is): ``--meldingen`` meldingen (default 2,000) are
accepted with one e-mail delivery each, then one ``deliveries_dispatch`` in this process (one
thread; with ``--kept-sessions`` over one SMTP session kept between batches, as a drain thread of
``burgerprofiel worker`` sends) sends them all to the aiosmtpd sink in its own process. Reported per message: this
process's CPU (``time.process_time``), its PostgreSQL backend's CPU and the sink's CPU (both from
``/proc``), and the messages per second; with ``--profile``, cProfile's most expensive functions.
A throwaway database ``<name>_dprof`` next to ``BENCH_DATABASE_URL``, dropped afterwards.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time
from pathlib import Path

from bench.databases import throwaway_postgres


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc (clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meldingen", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="cProfile the dispatch")
    parser.add_argument(
        "--kept-sessions",
        action="store_true",
        help="send over one kept SMTP session, as a drain thread of `burgerprofiel worker` does (SenderSessions); "
        "without, a session per batch (NOTIFICATIONS_BATCH_SIZE small: the batches of a steady load)",
    )
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/burgerprofiel")
    from bench.notifications import PRODUCT, SinkProcess, citizens_bulk

    sink = SinkProcess()
    try:
        with throwaway_postgres(url, "dprof") as db_url:
            os.environ.update(
                {
                    "DJANGO_SETTINGS_MODULE": "burgerprofiel.conf.settings",
                    "BURGERPROFIEL_PROFILE": os.environ.get("BURGERPROFIEL_PROFILE", "development"),
                    "DATABASE_URL": db_url,
                    "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
                    "NOTIFICATIONS_SMTP_PORT": str(sink.port),
                    "LOG_LEVEL": "WARNING",
                }
            )
            import django

            django.setup()
            from django.core.management import call_command
            from django.db import connection

            call_command("migrate", verbosity=0)
            from bench.dosis_ingest import onboard
            from burgerprofiel.agencies.models import Agency
            from burgerprofiel.audit.actors import Actor
            from burgerprofiel.notifications.dispatch import SenderSessions, deliveries_dispatch
            from burgerprofiel.notifications.models import Delivery
            from burgerprofiel.notifications.services import NotificationInput, notifications_bulk_create
            from burgerprofiel.oauth.services import access_token_verify

            token = onboard(["dosis", "notificaties"])
            agency = Agency.objects.get(pk=access_token_verify(token).agency_id)
            pool = citizens_bulk(agency.pk, 0, min(args.meldingen, 2000))
            items = [
                NotificationInput(insz=pool[i % len(pool)], message="Bench", ipdc_product=PRODUCT)
                for i in range(args.meldingen)
            ]
            for start in range(0, len(items), 10_000):
                notifications_bulk_create(
                    agency=agency, items=items[start : start + 10_000], actor=Actor("system", "bench")
                )
            queued = Delivery.objects.filter(status="created").count()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
            before_arrived = sink.count()
            profiler = cProfile.Profile() if args.profile else None
            pg0, sink0, cpu0, wall0 = (
                _proc_cpu(backend),
                _proc_cpu(sink.process.pid),
                time.process_time(),
                time.perf_counter(),
            )
            if profiler is not None:
                profiler.enable()
            sessions = SenderSessions() if args.kept_sessions else None
            totals = deliveries_dispatch(worker="bench:dprof", sessions=sessions)
            if sessions is not None:
                sessions.close()
            if profiler is not None:
                profiler.disable()
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            time.sleep(0.5)  # the sink's last arrivals
            pg, sink_cpu = _proc_cpu(backend) - pg0, _proc_cpu(sink.process.pid) - sink0
            arrived = sink.count() - before_arrived
            n = max(1, totals["delivered"])
            print(f"queued {queued}, dispatched {totals}, arrived at the sink {arrived}")
            print(f"SMTP sessions opened       {sessions.opened if sessions is not None else 'one per batch'}")
            print(f"delivered/s (one thread)   {n / wall:8.0f}")
            print(f"worker Python per message  {cpu / n * 1e6:8.0f} µs")
            print(f"PostgreSQL per message     {pg / n * 1e6:8.0f} µs")
            print(f"SMTP sink per message      {sink_cpu / n * 1e6:8.0f} µs")
            if profiler is not None:
                for order in ("cumulative", "tottime"):
                    out = io.StringIO()
                    pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
                    print(out.getvalue())
    finally:
        sink.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
