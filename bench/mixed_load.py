"""``python -m bench.mixed_load``: a mixed load test with locust against gunicorn on PostgreSQL.

90% citizen reads (overview, Mijn dossiers, Meldingen, Uw gegevens with a local pull source) and 10%
agency writes (single and bulk DOSIS uploads, meldingen), with a ``burgerprofiel worker`` filing and
sending beside the server and a real SMTP sink taking the mail; everything on this machine, on loopback.
Reported per request type: count, p50/p95/p99, errors (must be 0); and the throughput as a ratio of
``GET /healthz`` through the same server and the same number of locust users, measured in the same run.

The run also weighs what each request costs in CPU, per tier: the gunicorn processes, the worker and
the PostgreSQL backends of the bench's database (psutil, CPU seconds over the mixed phase). That is what
docs/operations.md's sizing for 100 logins per second is computed from (``sizing`` in the results).

Setup (not measured): a throwaway database ``<name>_mixed`` next to ``BENCH_DATABASE_URL``; one agency
ordering dosis, notificaties and uw_gegevens; ``--citizens`` citizens with a verified e-mail address and
consent, each with ``--dossiers`` dossiers (one bulk upload, filed by the worker) and a melding; a portal
session per citizen minted as ``conftest.login_citizen`` does (a bench-only shortcut); an agency token
obtained with ``private_key_jwt``. Locust runs headless, bounded by ``--seconds`` and ``--max-requests``.
``QUICK=1`` shortens every phase. Results: standard output, ``var/bench/mixed_load.json`` and
``make bench``'s report.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.databases import BenchError, throwaway_postgres
from bench.dosis_ingest import BRON, configure, drained_after, gunicorn, onboard, platform_worker
from bench.notifications import PRODUCT, SinkProcess, citizens_bulk
from bench.report import quick_run

BASE_DIR = Path(os.environ.get("BURGERPROFIEL_BASE_DIR", Path.cwd())).resolve()
OUT_DIR = BASE_DIR / "var" / "bench"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
READ_SHARE = 0.9
# A login at peak: the OIDC callback (about one portal request of platform work; the provider's own
# work is elsewhere) and the pages a citizen opens right after it.
REQUESTS_PER_LOGIN = 4
PEAK_LOGINS_PER_S = 100
TARGET_UTILISATION = 0.6  # cores sized so that the peak uses 60% of them


def progress(message: str) -> None:
    print(f"[mixed-load] {message}", file=sys.stderr, flush=True)


def sessions_for(citizen_ids: list[int]) -> list[str]:
    """Portal sessions as ``conftest.login_citizen`` makes them: the bench-only shortcut past the OIDC login."""
    from django.contrib.sessions.backends.db import SessionStore

    from burgerprofiel.citizens.models import Citizen
    from burgerprofiel.portal.auth import (
        SESSION_ACR,
        SESSION_CITIZEN,
        SESSION_LOGIN_AT,
        SESSION_NAME,
        SESSION_SEEN_AT,
        session_seal,
    )

    keys = []
    now = int(time.time())
    for citizen in Citizen.objects.filter(pk__in=citizen_ids):
        session = SessionStore()
        session[SESSION_CITIZEN] = citizen.pk
        session[SESSION_ACR] = "eid"
        session[SESSION_LOGIN_AT] = now
        session[SESSION_SEEN_AT] = now
        session[SESSION_NAME] = session_seal(citizen, "Bench Burger")
        session.create()
        assert session.session_key is not None
        keys.append(session.session_key)
    return keys


def seed(args: argparse.Namespace, base: str, token: str) -> dict[str, Any]:
    """Citizens with contact data, consent, dossiers (through the API, filed by the worker) and a melding."""
    import httpx

    from burgerprofiel.agencies.models import Agency
    from burgerprofiel.audit.actors import Actor
    from burgerprofiel.citizens.insz import insz_index
    from burgerprofiel.citizens.models import Citizen
    from burgerprofiel.notifications.services import NotificationInput, notifications_bulk_create

    agency = Agency.objects.get()
    inszs = citizens_bulk(agency.pk, 0, args.citizens)
    lines = [
        json.dumps(
            {
                "Identificatie": {"Bron": BRON, "DossierNummer": f"S-{i}-{d}"},
                "UploadId": f"S-{i}-{d}",
                "Naam": f"Aanvraag {i}-{d}",
                "WijzigingsDatum": f"2026-{1 + d % 10:02d}-02T09:30:00+01:00",
                "Status": {
                    "VlaamsCode": "In behandeling",
                    "VlaamsFase": "Behandeling" if d % 4 else "Afgerond",
                    "Detail1": "Uw aanvraag wordt nagekeken.",
                    "Actie": {"ActieNodig": d % 3 == 0, "Actie": "Bezorg ons een attest." if d % 3 == 0 else ""},
                },
                "Producten": [{"Id": "1502"}],
                "Agenten": [{"Identificatie": insz, "Toegangsrechten": [{"Code": "Raadpleger"}]}],
            }
        )
        for i, insz in enumerate(inszs)
        for d in range(args.dossiers)
    ]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    for offset in range(0, len(lines), 10_000):
        answer = httpx.post(
            f"{base}/api/v2/dosis/dossiers/bulk",
            content="\n".join(lines[offset : offset + 10_000]),
            headers=headers,
            timeout=300,
        )
        if answer.status_code != 200:
            raise BenchError(f"seeding dossiers answered {answer.status_code}: {answer.text[:300]}")
    notifications_bulk_create(
        agency=agency,
        items=[NotificationInput(insz=i, message="Welkom in Mijn Burgerprofiel.", ipdc_product=PRODUCT) for i in inszs],
        actor=Actor(kind="system", id="bench"),
    )
    citizen_ids = list(
        Citizen.objects.filter(insz_index__in=[insz_index(i) for i in inszs]).values_list("pk", flat=True)
    )
    return {"inszs": inszs, "sessions": sessions_for(citizen_ids)}


def pull_source(agency_id: int) -> Any:
    """A local "Uw gegevens" source (the demo agency server, in this process) registered for the agency."""
    from burgerprofiel.audit.actors import Actor
    from burgerprofiel.crypto import signing
    from burgerprofiel.personal_data.devpeers import DemoServer, Spec
    from burgerprofiel.personal_data.services import pull_source_add

    signing.current_signing_key()
    server = DemoServer({"gezin": Spec("uw_gegevens", "U en uw gezin")}, jwks=signing.jwks()).start()
    pull_source_add(
        agency_id=agency_id,
        component="uw_gegevens",
        url=server.source_url("gezin"),
        theme="U en uw gezin",
        actor=Actor(kind="staff", id="bench"),
    )
    return server


# --- CPU per tier ------------------------------------------------------------------------------


def _tier(process: Any, database: str) -> str | None:
    try:
        command = " ".join(process.cmdline())
    except Exception:  # gone, or not ours to read
        return None
    if command.startswith("postgres:") and f" {database} " in command:
        return "database"
    if "gunicorn" in command:
        return "web"
    if "burgerprofiel" in command and " worker" in command:
        return "worker"
    return None


def cpu_snapshot(database: str) -> dict[int, tuple[str, float]]:
    import psutil

    snapshot = {}
    for process in psutil.process_iter():
        tier = _tier(process, database)
        if tier is None:
            continue
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            snapshot[process.pid] = (tier, times.user + times.system)
    return snapshot


def cpu_used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds per tier between two snapshots (a process born in between counts from zero)."""
    used: dict[str, float] = {"web": 0.0, "worker": 0.0, "database": 0.0}
    for pid, (tier, seconds) in after.items():
        used[tier] += seconds - (before[pid][1] if pid in before else 0.0)
    return used


# --- locust ------------------------------------------------------------------------------------


def run_locust(
    user_class: str, base: str, config: Path, *, users: int, seconds: int, max_requests: int, prefix: Path
) -> list[dict[str, Any]]:
    """Run locust headless on loopback; the rows of its stats CSV (one per request name, and Aggregated)."""
    locust = str(Path(sys.executable).with_name("locust"))
    env = {**os.environ, "MIXED_LOAD_CONFIG": str(config), "MIXED_LOAD_MAX_REQUESTS": str(max_requests)}
    command = [
        locust, "-f", str(LOCUSTFILE), user_class, "--headless", "--host", base,
        "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s", "--stop-timeout", "10",
        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    if not base.startswith("http://127.0.0.1:"):
        raise BenchError("the load test targets loopback only")
    subprocess.run(command, env=env, check=True, timeout=seconds + 120, stdout=subprocess.DEVNULL)  # noqa: S603 - locust from our own venv, fixed arguments, loopback only
    with (prefix.parent / f"{prefix.name}_stats.csv").open() as f:
        return list(csv.DictReader(f))


def _per_type(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for r in rows:
        name = r["Name"]
        out[name] = {
            "requests": int(r["Request Count"]),
            "errors": int(r["Failure Count"]),
            "p50_ms": float(r["50%"]),
            "p95_ms": float(r["95%"]),
            "p99_ms": float(r["99%"]),
            "per_s": float(r["Requests/s"]),  # over locust's own run time (spawning and startup left out)
        }
    return out


@contextlib.contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    started = time.perf_counter()
    yield box
    box.append(time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    quick = quick_run()
    parser = argparse.ArgumentParser(prog="python -m bench.mixed_load", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8, help="locust users (default: 2 gunicorn workers x 4 threads)")
    parser.add_argument("--seconds", type=int, default=20 if quick else 120, help="length of the mixed phase")
    parser.add_argument("--healthz-seconds", type=int, default=8 if quick else 30)
    parser.add_argument("--max-requests", type=int, default=30_000 if quick else 200_000)
    parser.add_argument("--citizens", type=int, default=200 if quick else 2_000)
    parser.add_argument("--dossiers", type=int, default=5, help="dossiers per citizen")
    parser.add_argument("--bulk-lines", type=int, default=50, help="lines of each bulk upload in the mix")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (4 threads each)")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/burgerprofiel")
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    sink = SinkProcess()
    try:
        with throwaway_postgres(url, "mixed") as db_url:
            database = db_url.rsplit("/", 1)[1]
            os.environ["NOTIFICATIONS_SMTP_PORT"] = str(sink.port)
            progress("migrating a fresh database")
            configure(db_url)
            token = onboard(components=["dosis", "notificaties", "uw_gegevens"])
            from burgerprofiel.agencies.models import Agency

            demo = pull_source(Agency.objects.get().pk)
            try:
                with gunicorn(args.workers, "django_tasks_db.DatabaseBackend") as base, platform_worker():
                    progress(f"seeding {args.citizens} citizens x {args.dossiers} dossiers through the API")
                    seeded = seed(args, base, token)
                    drained_after(time.perf_counter())
                    config = OUT_DIR / "mixed_load_config.json"
                    from django.conf import settings

                    config.write_text(
                        json.dumps(
                            {
                                **seeded,
                                "token": token,
                                "bron": BRON,
                                "product": PRODUCT,
                                "bulk_lines": args.bulk_lines,
                                "session_cookie": settings.SESSION_COOKIE_NAME,
                            }
                        )
                    )
                    progress(f"GET /healthz: {args.users} users, {args.healthz_seconds} s")
                    healthz = run_locust(
                        "HealthzUser", base, config, users=args.users, seconds=args.healthz_seconds,
                        max_requests=args.max_requests, prefix=OUT_DIR / "locust_healthz",
                    )  # fmt: skip
                    progress(f"mixed: {args.users} users, {args.seconds} s, at most {args.max_requests} requests")
                    before = cpu_snapshot(database)
                    with timed() as mixed_s:
                        mixed = run_locust(
                            "MixedUser", base, config, users=args.users, seconds=args.seconds,
                            max_requests=args.max_requests, prefix=OUT_DIR / "locust_mixed",
                        )  # fmt: skip
                    cpu = cpu_used(before, cpu_snapshot(database))
                    progress("letting the worker file and send what the mix queued")
                    drained_after(time.perf_counter())
            finally:
                demo.stop()
            checked = check_all_done()
    finally:
        sink.stop()

    results = summarise(args, healthz, mixed, mixed_s[0], cpu, checked)
    (OUT_DIR / "mixed_load.json").write_text(json.dumps(results, indent=2))
    print_results(results)
    contribute(results)
    return 0 if results["errors"] == 0 else 1


def check_all_done() -> dict[str, int]:
    """Every upload filed (none failed), every delivery final (after a short grace for the last ones)."""
    from burgerprofiel.dossiers.models import DossierUpload
    from burgerprofiel.notifications.models import FINAL_STATUSES, Delivery

    deadline = time.monotonic() + 60
    while Delivery.objects.exclude(status__in=FINAL_STATUSES).exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    counts = {
        "uploads_failed": DossierUpload.objects.filter(state="failed").count(),
        "uploads_pending": DossierUpload.objects.filter(state="pending").count(),
        "deliveries_not_final": Delivery.objects.exclude(status__in=FINAL_STATUSES).count(),
        "deliveries_delivered": Delivery.objects.filter(status="delivered").count(),
    }
    return counts


def summarise(
    args: argparse.Namespace,
    healthz: list[dict[str, Any]],
    mixed: list[dict[str, Any]],
    mixed_s: float,
    cpu: dict[str, float],
    checked: dict[str, int],
) -> dict[str, Any]:
    health = _per_type(healthz)["Aggregated"]
    types = _per_type(mixed)
    total = types.pop("Aggregated")
    reads = sum(v["requests"] for k, v in types.items() if k.startswith("portal"))
    per_request = {tier: seconds / max(total["requests"], 1) for tier, seconds in cpu.items()}
    peak = PEAK_LOGINS_PER_S * REQUESTS_PER_LOGIN
    cores = {tier: peak * per / TARGET_UTILISATION for tier, per in per_request.items()}
    return {
        "users": args.users,
        "gunicorn_workers": args.workers,
        "cpus": os.cpu_count(),
        "citizens": args.citizens,
        "seconds": round(mixed_s, 1),
        "healthz": health,
        "mixed": total,
        "types": types,
        "read_share": reads / max(total["requests"], 1),
        "throughput_ratio_to_healthz": total["per_s"] / health["per_s"] if health["per_s"] else None,
        "errors": total["errors"] + health["errors"] + checked["uploads_failed"] + checked["deliveries_not_final"],
        "checked": checked,
        "cpu_seconds": cpu,
        "cpu_ms_per_request": {tier: round(v * 1000, 2) for tier, v in per_request.items()},
        "sizing": {
            "peak_logins_per_s": PEAK_LOGINS_PER_S,
            "requests_per_login": REQUESTS_PER_LOGIN,
            "peak_requests_per_s": peak,
            "target_utilisation": TARGET_UTILISATION,
            "cores": {tier: round(v, 1) for tier, v in cores.items()},
        },
    }


def print_results(results: dict[str, Any]) -> None:
    print(
        f"mixed load (locust, {results['users']} users, gunicorn {results['gunicorn_workers']} workers x 4 threads, "
        f"{results['cpus']} CPUs shared with PostgreSQL, the worker and locust)"
    )
    print(f"  {'request type':28} {'count':>7} {'per s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for name, t in [
        *sorted(results["types"].items()),
        ("all (mixed)", results["mixed"]),
        ("GET /healthz (baseline)", results["healthz"]),
    ]:
        print(
            f"  {name:28} {t['requests']:>7} {t['per_s']:>7.1f} {t['p50_ms']:>7.0f} {t['p95_ms']:>7.0f} "
            f"{t['p99_ms']:>7.0f} {t['errors']:>6}"
        )
    ratio = results["throughput_ratio_to_healthz"]
    print(f"  reads {results['read_share']:.0%} of requests; throughput {ratio:.1%} of GET /healthz in the same run")
    print(f"  errors: {results['errors']} (requests, failed uploads, deliveries not final): {results['checked']}")
    cpu = results["cpu_ms_per_request"]
    print(f"  CPU per request: web {cpu['web']} ms, worker {cpu['worker']} ms, database {cpu['database']} ms")
    sizing = results["sizing"]
    print(
        f"  sizing: {sizing['peak_logins_per_s']} logins/s x {sizing['requests_per_login']} requests at "
        f"{sizing['target_utilisation']:.0%} utilisation: cores {sizing['cores']}"
    )


def contribute(results: dict[str, Any]) -> None:
    """This bench's figures in ``make bench``'s report (``bench.report``)."""
    from bench import report

    health = ("GET /healthz, same run and users", results["healthz"]["per_s"])
    rows = [
        report.row(
            "mixed load throughput (90% reads, 10% writes)", results["mixed"]["per_s"], "requests/s", baseline=health
        ),
        report.row("mixed load errors", results["errors"], "errors", target=0, higher_is_better=False),
    ]
    for name, t in sorted(results["types"].items()):
        rows.append(
            report.row(
                f"{name} p95",
                t["p95_ms"],
                "ms",
                note=f"p50 {t['p50_ms']:.0f} ms, p99 {t['p99_ms']:.0f} ms, "
                f"{t['requests']} requests, {t['errors']} errors",
            )
        )
    report.contribute("mixed_load", rows=rows, raw=results)


if __name__ == "__main__":
    sys.exit(main())
