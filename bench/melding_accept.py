"""``python -m bench.melding_accept``: how many meldingen per second the web tier accepts, against the leanest POST.

``bench.notifications`` steps an offered rate and times acceptance → SMTP hand-off, which mixes the
web tier's acceptance with the worker's dispatch on the same CPUs. This isolates the first: meldingen
(``POST /api/v1/notifications``, each to a citizen with a verified e-mail address and consent, so one
delivery is queued) sent as fast as ``--clients`` keep-alive clients can, under gunicorn as
``burgerprofiel serve`` runs it (database task backend, no worker running), each answered 202 once
stored, queued and audited; and, in the same run, the leanest POST (``bench.http_floor``: gunicorn and
a bare WSGI function that parses the JSON and INSERTs it). Each rate is the faster of two runs. A
throwaway database ``<name>_mbench`` next to ``BENCH_DATABASE_URL``, dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os

from bench.databases import throwaway_postgres


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--per-client", type=int, default=300)
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/burgerprofiel")
    with throwaway_postgres(url, "mbench") as db_url:
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "burgerprofiel.conf.settings",
                "BURGERPROFIEL_PROFILE": os.environ.get("BURGERPROFIEL_PROFILE", "development"),
                "DATABASE_URL": db_url,
                "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
                "LOG_LEVEL": "WARNING",
                "API_RATE_LIMIT_PER_MINUTE": os.environ.get("API_RATE_LIMIT_PER_MINUTE", "0"),
                "ACCESS_TOKEN_TTL_SECONDS": "3600",
            }
        )
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from bench.dosis_ingest import faster_of_two, gunicorn, http_clients, onboard
        from bench.notifications import PRODUCT, citizens_bulk, leanest_post
        from burgerprofiel.notifications.models import Delivery
        from burgerprofiel.oauth.services import access_token_verify

        token = onboard(["dosis", "notificaties"])
        pool = citizens_bulk(access_token_verify(token).agency_id, 0, 2000)
        floor, floor_runs = leanest_post(db_url, token, args.clients, args.per_client)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        def meldingen(round_: int) -> tuple[int, float]:
            requests: dict[int, list[tuple[str, str, bytes | None]]] = {
                c: [
                    (
                        "POST",
                        "/api/v1/notifications",
                        json.dumps(
                            {
                                "insz": pool[(round_ * 7919 + c * args.per_client + i) % len(pool)],
                                "message": f"Bench {round_}-{c}-{i}",
                                "ipdc_product": PRODUCT,
                            }
                        ).encode(),
                    )
                    for i in range(args.per_client)
                ]
                for c in range(args.clients)
            }
            return http_clients(base, headers, requests, lambda status, _: status == 202)

        workers = max(1, min(args.clients, os.cpu_count() or 1))
        with gunicorn(workers, "django_tasks_db.DatabaseBackend", 4) as base:
            meldingen(9)  # warm-up: each process reads its keys, compiles its SQL
            rate, runs, total = faster_of_two(meldingen)
        queued = Delivery.objects.count()
        print(f"leanest POST        {floor:8,.0f}/s  (faster of {' / '.join(f'{r:,.0f}' for r in floor_runs)})")
        both = " / ".join(f"{r:,.0f}" for r in runs)
        print(f"meldingen accepted  {rate:8,.0f}/s  (faster of {both}; {total} + warm-up)")
        print(f"ratio accepted / leanest POST  {rate / floor:.1%}  ({queued} e-mail deliveries queued)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
