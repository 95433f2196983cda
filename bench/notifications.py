"""``python -m bench.notifications``: notification delivery, measured end to end on PostgreSQL.

(a) Capacity: the offered rate is stepped (default 20, 40, 80, 160, 320 meldingen per second, 30 s
    each; ``--rates``, ``--seconds``). Each melding is POSTed to ``/api/v1/notifications`` under
    gunicorn (as ``burgerprofiel serve``, a private_key_jwt token) by concurrent clients on schedule,
    with one e-mail delivery; per step the time from the answer (accepted, committed) to hand-off at
    a real SMTP server (aiosmtpd in its own process, which stamps each Message-ID on arrival):
    p50/p95/p99 and the share within 1 s and 10 s (GOV.UK Notify promises 95% within 10 s; we aim at
    1 s). Then the highest rate whose p95 stays under 1 s, as a share of the leanest POST (a bare WSGI
    function that parses and INSERTs, ``bench.http_floor``) measured in the same run. Target: 20%.
(b) Throughput: a campaign (default 100,000 recipients) accepted with workers stopped, then delivered
    by 2 ``burgerprofiel worker`` processes to the same SMTP sink: messages per second, and each worker's
    peak memory (VmHWM). Every message is counted at the server: the run checks that each delivery
    arrived exactly once.
(c) Faults (``--faults N``): N notifications while a worker is killed (kill -9), the SMTP server is down
    for a while and answers 4xx, and a throwaway PostgreSQL cluster of the bench's own is restarted during
    dispatch; every notification must end final, no Message-ID twice at the server.

It runs on a throwaway database ``<name>_nbench`` next to BENCH_DATABASE_URL (default
``postgres://postgres@127.0.0.1:5432/bp_notif``), dropped afterwards. Results: standard output and
``var/bench/notifications.json``. Sizes: ``--rate``, ``--seconds``, ``--campaign``, ``--workers``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.databases import throwaway_postgres

BASE_DIR = Path(os.environ.get("BURGERPROFIEL_BASE_DIR", Path.cwd())).resolve()
OUT = BASE_DIR / "var" / "bench" / "notifications.json"
PRODUCT = "Groeipakket"


class SinkProcess:
    """The SMTP sink in its own process; arrivals (Message-ID → times) are read from its output."""

    def __init__(self, port: int = 0, refuse_first: int = 0, arrivals: dict[str, list[float]] | None = None) -> None:
        self.arrivals: dict[str, list[float]] = {} if arrivals is None else arrivals
        self.lock = threading.Lock()
        module = "burgerprofiel.notifications.devpeers.smtpsink"
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", module, "--port", str(port), "--refuse-first", str(refuse_first)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(json.loads(self.process.stdout.readline())["listening"])
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            event = json.loads(line)
            with self.lock:
                self.arrivals.setdefault(event["message_id"], []).append(event["received_at"])

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class WorkerProcess:
    def __init__(self, env: dict[str, str]) -> None:
        exe = str(Path(sys.executable).parent / "burgerprofiel")
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [exe, "worker", "--no-scheduler"],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def peak_rss_mb(self) -> float:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill9(self) -> None:
        self.process.kill()
        self.process.wait()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def citizens_bulk(agency_id: int, start: int, count: int) -> list[str]:
    """Citizens with a verified e-mail address and consent, created in bulk (setup, not measured)."""
    from django.db import transaction
    from django.utils import timezone

    from burgerprofiel.citizens.insz import insz_index
    from burgerprofiel.citizens.models import Citizen
    from burgerprofiel.crypto import keyring
    from burgerprofiel.crypto.models import DataKey
    from burgerprofiel.notifications.tests.workers import valid_insz
    from burgerprofiel.preferences import consent_texts
    from burgerprofiel.preferences.models import Consent, ContactPreference

    inszs = [valid_insz(start + i) for i in range(count)]
    now = timezone.now()
    for offset in range(0, count, 2000):
        chunk = inszs[offset : offset + 2000]
        with transaction.atomic():
            keys = []
            for _ in chunk:
                key_id = uuid.uuid4()
                kek_id, wrapped = keyring.wrap(data_key=os.urandom(32), key_id=str(key_id))
                keys.append(DataKey(id=key_id, owner_type="citizen", kek_id=kek_id, wrapped_key=wrapped))
            DataKey.objects.bulk_create(keys)
            citizens = Citizen.objects.bulk_create(
                [Citizen(insz_index=insz_index(i), insz=i, data_key=k) for i, k in zip(chunk, keys, strict=True)]
            )
            ContactPreference.objects.bulk_create(
                [
                    ContactPreference(citizen=c, email=f"burger{start + offset + n}@example.org", email_verified_at=now)
                    for n, c in enumerate(citizens)
                ]
            )
            Consent.objects.bulk_create(
                [
                    Consent(
                        citizen=c,
                        agency_id=agency_id,
                        ipdc_product=PRODUCT,
                        channel="email",
                        granted=True,
                        text_version=consent_texts.CURRENT_VERSION,
                        updated_at=now,
                    )
                    for c in citizens
                ]
            )
    return inszs


def wait_final(total: int, timeout: float) -> float:
    from burgerprofiel.notifications.models import FINAL_STATUSES, Delivery
    from burgerprofiel.notifications.tasks import notifications_housekeeping_task

    deadline = time.monotonic() + timeout
    last_tick = 0.0
    while time.monotonic() < deadline:
        done = Delivery.objects.filter(status__in=FINAL_STATUSES).count()
        if done >= total:
            return time.monotonic()
        if time.monotonic() - last_tick > 5:
            notifications_housekeeping_task.enqueue()  # the scheduler's part
            last_tick = time.monotonic()
        time.sleep(0.2)
    raise RuntimeError(f"not all deliveries final within {timeout} s")


def run_steps(
    *,
    base: str,
    token: str,
    agency: Any,
    workers_env: dict[str, str],
    sink: SinkProcess,
    rates: list[int],
    seconds: int,
    n_workers: int,
    clients: int,
) -> list[dict[str, Any]]:
    """Step the offered rate: at each rate, ``seconds`` of meldingen POSTed to ``/api/v1/notifications``
    on schedule (open loop: a request waits for a free client, never for the previous answer), each
    with one e-mail; the latency runs from the answer (accepted, committed) to the SMTP server's
    arrival stamp. ``n_workers`` ``burgerprofiel worker`` processes deliver meanwhile."""
    pool = citizens_bulk(agency.pk, 0, 2000)
    workers = [WorkerProcess(workers_env) for _ in range(n_workers)]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    results = []
    try:
        _workers_ready(base, headers, pool, sink, len(workers))
        for rate in rates:
            accepted, offered = _offer(base, headers, pool, rate=rate, seconds=seconds, clients=clients)
            results.append(_step_result(rate, offered, accepted, sink))
            print("step:", json.dumps(results[-1]), flush=True)
    finally:
        for worker in workers:
            worker.stop()
    return results


def _workers_ready(base: str, headers: dict[str, str], pool: list[str], sink: SinkProcess, n: int) -> None:
    """Wait until the workers deliver (not a fixed pause: on a loaded machine a worker may take longer
    than that to start, and the first step then measured its start-up, not dispatch): a few warm-up
    meldingen, not counted, each handed off to the SMTP server before the steps begin."""
    from bench.dosis_ingest import KeepAliveClient

    before = sink.count()
    http = KeepAliveClient(base, headers, timeout=60)
    try:
        for i in range(2 * n):
            body = {"insz": pool[-1 - i], "message": "Warm-up", "ipdc_product": PRODUCT}
            status, content = http.send("POST", "/api/v1/notifications", json.dumps(body).encode())
            if status != 202:
                raise RuntimeError(f"warm-up melding refused: {status} {content[:200]!r}")
    finally:
        http.close()
    deadline = time.monotonic() + 120
    while sink.count() < before + 2 * n:
        if time.monotonic() > deadline:
            raise RuntimeError("the workers did not deliver the warm-up meldingen within 120 s")
        time.sleep(0.1)
    time.sleep(1)  # every worker polling again


def _offer(
    base: str, headers: dict[str, str], pool: list[str], *, rate: int, seconds: int, clients: int
) -> tuple[dict[str, float], float]:
    """``rate`` x ``seconds`` meldingen on schedule; returns (notification id → answered at, offered rate)."""
    import queue

    from bench.dosis_ingest import KeepAliveClient

    total = rate * seconds
    accepted: dict[str, float] = {}
    lock = threading.Lock()
    errors: list[str] = []
    jobs: queue.Queue[int | None] = queue.Queue()

    def client() -> None:
        http = KeepAliveClient(base, headers, timeout=60)
        try:
            while (i := jobs.get()) is not None:
                body = {"insz": pool[i % len(pool)], "message": "Bench", "ipdc_product": PRODUCT}
                status, content = http.send("POST", "/api/v1/notifications", json.dumps(body).encode())
                answered_at = time.time()
                if status != 202:
                    errors.append(f"{status} {content[:200]!r}")
                    continue
                with lock:
                    accepted[json.loads(content)["id"]] = answered_at
        finally:
            http.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    start = time.monotonic()
    for i in range(total):
        pause = start + i / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        jobs.put(i)
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join()
    # Accepted over the time until the last answer: a server that falls behind shows here.
    offered = total / (time.monotonic() - start)
    if errors:
        raise RuntimeError(f"{len(errors)} meldingen refused, e.g. {errors[0]}")
    return accepted, offered


def _step_result(rate: int, offered: float, accepted: dict[str, float], sink: SinkProcess) -> dict[str, Any]:
    """Wait until each melding's e-mail is final, then its latency (answer → SMTP arrival)."""
    from burgerprofiel.notifications.models import FINAL_STATUSES, Delivery

    deliveries = dict(Delivery.objects.filter(notification_id__in=list(accepted)).values_list("pk", "notification_id"))
    deadline = time.monotonic() + 300
    while Delivery.objects.filter(pk__in=list(deliveries)).exclude(status__in=FINAL_STATUSES).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("deliveries not final within 300 s")
        time.sleep(0.2)
    time.sleep(0.3)  # the sink's last arrival stamps
    with sink.lock:
        arrivals = {m: list(v) for m, v in sink.arrivals.items()}
    latencies = []
    for pk, notification_id in deliveries.items():
        stamps = arrivals.get(f"<{pk}@burgerprofiel.example>")
        if stamps:
            latencies.append(stamps[0] - accepted[str(notification_id)])
    if not latencies:
        raise RuntimeError("no e-mail arrived at the SMTP server")
    return {
        "rate": rate,
        "notifications": len(accepted),
        "offered_per_second": round(offered, 1),
        "arrived": len(latencies),
        "p50_s": round(_percentile(latencies, 50), 3),
        "p95_s": round(_percentile(latencies, 95), 3),
        "p99_s": round(_percentile(latencies, 99), 3),
        "max_s": round(max(latencies), 3),
        "within_1s": round(sum(1 for x in latencies if x <= 1) / len(latencies), 4),
        "within_10s": round(sum(1 for x in latencies if x <= 10) / len(latencies), 4),
        "duplicates_at_server": sum(
            1 for pk in deliveries if len(arrivals.get(f"<{pk}@burgerprofiel.example>", [])) > 1
        ),
    }


def leanest_post(db_url: str, token: str, clients: int, per_client: int) -> tuple[float, list[float]]:
    """The leanest POST (``bench.http_floor`` under the same gunicorn as ``bench.dosis_ingest``), faster of two."""
    import psycopg

    from bench.dosis_ingest import PLAIN_TABLE, faster_of_two, gunicorn, http_single

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(PLAIN_TABLE)
    workers = max(1, min(clients, os.cpu_count() or 1))
    with gunicorn(workers, "immediate", 4, app="bench.http_floor:application") as base:
        http_single(base, token, clients, 5, "FW")  # warm-up
        rate, runs, _ = faster_of_two(lambda r: http_single(base, token, clients, per_client, f"F{r}"))
    return rate, runs


def run_campaign(
    *, agency: Any, workers_env: dict[str, str], sink: SinkProcess, size: int, n_workers: int
) -> dict[str, Any]:
    from burgerprofiel.audit.actors import Actor
    from burgerprofiel.notifications.models import Delivery
    from burgerprofiel.notifications.services import NotificationInput, notifications_bulk_create
    from burgerprofiel.notifications.tasks import deliveries_dispatch_task

    setup_start = time.monotonic()
    inszs = citizens_bulk(agency.pk, 10_000, size)
    setup_s = time.monotonic() - setup_start
    before = sink.count()
    accept_start = time.monotonic()
    for offset in range(0, size, 10_000):  # the API's bulk limit per request
        notifications_bulk_create(
            agency=agency,
            items=[
                NotificationInput(insz=i, message="Campagne", ipdc_product=PRODUCT)
                for i in inszs[offset : offset + 10_000]
            ],
            actor=Actor(kind="system", id="bench"),
        )
    accept_s = time.monotonic() - accept_start
    deliveries = Delivery.objects.count()
    workers = [WorkerProcess(workers_env) for _ in range(n_workers)]
    send_start = time.monotonic()
    for _ in range(n_workers):
        deliveries_dispatch_task.enqueue()
    end = wait_final(deliveries, timeout=3600)
    send_s = end - send_start
    peaks = [round(w.peak_rss_mb(), 1) for w in workers]
    for worker in workers:
        worker.stop()
    time.sleep(0.5)
    arrived = sink.count() - before
    return {
        "recipients": size,
        "setup_s": round(setup_s, 1),
        "accept_s": round(accept_s, 1),
        "accepted_per_second": round(size / accept_s, 1),
        "workers": n_workers,
        "delivery_s_incl_worker_start": round(send_s, 1),
        "delivered_per_second": round(size / send_s, 1),
        "arrived_at_server": arrived,
        "delivered": Delivery.objects.filter(status="delivered").count(),
        "duplicates_at_server": sum(1 for v in sink.arrivals.values() if len(v) > 1),
        "worker_peak_rss_mb": peaks,
    }


PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(*command: str) -> None:
    """Run a PostgreSQL tool as the postgres user (initdb and pg_ctl refuse root)."""
    subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True)  # noqa: S603, S607 - a fixed command of ours, no caller input


@contextlib.contextmanager
def own_postgres() -> Iterator[tuple[str, Path, int]]:
    """A throwaway PostgreSQL cluster of the bench's own (so it may be restarted): (url, data dir, port)."""
    import tempfile

    from burgerprofiel.notifications.tests.peers import free_port

    root = Path(tempfile.mkdtemp(prefix="bp-nbench-pg-"))
    data = root / "data"
    port = free_port()
    shutil.chown(root, "postgres")
    _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    _pg_ctl(data, port, "start")
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres", data, port
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            _pg_ctl(data, port, "stop", "-m", "immediate")
        shutil.rmtree(root, ignore_errors=True)


def _pg_ctl(data: Path, port: int, *action: str) -> None:
    root = data.parent
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
    _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", options, "-w", *action)


def pg_restart(data: Path, port: int) -> float:
    started = time.monotonic()
    _pg_ctl(data, port, "restart", "-m", "fast")
    return time.monotonic() - started


def run_faults(*, size: int, outage_s: int, data: Path, port: int) -> dict[str, Any]:
    """kill -9 a worker mid-batch, SMTP down for ``outage_s`` then back, 4xx answers, PostgreSQL restarted."""
    from django.db import InterfaceError, OperationalError
    from django.db import connection as db

    from burgerprofiel.agencies.models import Agency
    from burgerprofiel.agencies.services import agency_onboard
    from burgerprofiel.audit.actors import Actor
    from burgerprofiel.notifications.models import FINAL_STATUSES, Delivery
    from burgerprofiel.notifications.services import NotificationInput, notifications_bulk_create
    from burgerprofiel.notifications.tasks import notifications_housekeeping_task

    actor = Actor(kind="system", id="bench")
    onboarded = agency_onboard(name="Agentschap Opgroeien", kbo="0316380841", components=["notificaties"], actor=actor)
    agency = Agency.objects.get(pk=onboarded.agency.pk)
    inszs = citizens_bulk(agency.pk, 0, size)
    sink = SinkProcess(refuse_first=size // 20)
    env = {k: os.environ[k] for k in ("DATABASE_URL", "BURGERPROFIEL_PROFILE", "TASKS_BACKEND", "LOG_LEVEL")} | {
        "NOTIFICATIONS_SMTP_PORT": str(sink.port),
        "NOTIFICATIONS_RETRY_SECONDS": "10",
        "NOTIFICATIONS_LEASE_SECONDS": "15",
        "NOTIFICATIONS_SENDING_TIMEOUT_SECONDS": "60",
        "NOTIFICATIONS_BATCH_SIZE": "50",
    }
    workers = [WorkerProcess(env) for _ in range(2)]
    events: list[str] = []
    os.environ["NOTIFICATIONS_SMTP_PORT"] = str(sink.port)
    notifications_bulk_create(
        agency=agency,
        items=[NotificationInput(insz=i, message="Storing", ipdc_product=PRODUCT) for i in inszs],
        actor=actor,
    )
    started = time.monotonic()
    killed = down = restarted = False
    final = 0
    while time.monotonic() - started < 1800:
        received = sink.count()
        try:
            final = Delivery.objects.filter(status__in=FINAL_STATUSES).count()
            if final >= size:
                break
            notifications_housekeeping_task.enqueue()
        except (OperationalError, InterfaceError):
            db.close()
        if not killed and received >= size // 5:
            workers[0].kill9()
            workers[0] = WorkerProcess(env)
            killed = True
            events.append(f"kill -9 worker at {received} received")
        if killed and not down and received >= (2 * size) // 5:
            sink.stop()
            events.append(f"SMTP down for {outage_s} s at {received} received")
            time.sleep(outage_s)
            sink = SinkProcess(port=sink.port, arrivals=sink.arrivals)
            down = True
        if down and not restarted and received >= (3 * size) // 5:
            took = pg_restart(data, port)
            db.close()
            events.append(f"PostgreSQL restarted ({took:.1f} s) at {received} received")
            restarted = True
        for i, worker in enumerate(workers):
            if worker.process.poll() is not None:
                events.append(f"worker {i} exited ({worker.process.returncode}); restarted")
                workers[i] = WorkerProcess(env)
        time.sleep(1)
    elapsed = time.monotonic() - started
    for worker in workers:
        worker.stop()
    time.sleep(0.5)
    sink.stop()
    statuses: dict[str, int] = {}
    for status in Delivery.objects.values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    delivered = {
        f"<{pk}@burgerprofiel.example>"
        for pk in Delivery.objects.filter(status="delivered").values_list("pk", flat=True)
    }
    return {
        "accepted": size,
        "events": events,
        "elapsed_s": round(elapsed, 1),
        "statuses": statuses,
        "all_final": final >= size,
        "distinct_at_server": len(sink.arrivals),
        "copies_more_than_one": sum(1 for v in sink.arrivals.values() if len(v) > 1),
        "delivered_not_at_server": len(delivered - set(sink.arrivals)),
    }


TARGET = 0.20


def capacity(steps: list[dict[str, Any]], floor: float, floor_runs: list[float]) -> dict[str, Any]:
    """The highest offered rate whose p95 stayed under 1 s (and that the load could offer: at least 90%
    of the step's rate), as a share of the leanest POST measured in the same run."""
    held = [s for s in steps if s["p95_s"] < 1.0 and s["offered_per_second"] >= 0.9 * s["rate"]]  # answered in time
    best = max((s["offered_per_second"] for s in held), default=0.0)
    return {
        "highest_rate_p95_under_1s": best,
        "leanest_post_per_s": round(floor, 1),
        "leanest_post_runs": [round(r, 1) for r in floor_runs],
        "ratio": round(best / floor, 4) if floor else 0.0,
        "target": TARGET,
        "meets": bool(floor) and best / floor >= TARGET,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--rates", default="20,40,80,160,320", help="offered rates per second, stepped (comma-separated)"
    )
    parser.add_argument("--seconds", type=int, default=30, help="seconds per step")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients offering the load")
    parser.add_argument("--campaign", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip", choices=["latency", "campaign"], action="append", default=[])
    parser.add_argument("--faults", type=int, default=0, help="run only the fault bench with this many notifications")
    parser.add_argument("--outage", type=int, default=60, help="seconds the SMTP server is down in the fault bench")
    args = parser.parse_args(argv)
    if args.faults:
        return main_faults(args.faults, args.outage)
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bp_notif")
    results: dict[str, Any] = {}
    sink = SinkProcess()
    try:
        with throwaway_postgres(url, "nbench") as db_url:
            os.environ.update(
                {
                    "DATABASE_URL": db_url,
                    "BURGERPROFIEL_PROFILE": os.environ.get("BURGERPROFIEL_PROFILE", "development"),
                    "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
                    "NOTIFICATIONS_SMTP_PORT": str(sink.port),
                    "LOG_LEVEL": "WARNING",
                    "API_RATE_LIMIT_PER_MINUTE": "0",
                    "ACCESS_TOKEN_TTL_SECONDS": "3600",
                }
            )
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "burgerprofiel.conf.settings")
            import django

            django.setup()
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            from bench.dosis_ingest import gunicorn, onboard
            from burgerprofiel.agencies.models import Agency
            from burgerprofiel.oauth.services import access_token_verify

            token = onboard(["dosis", "notificaties"])  # a private_key_jwt client, as agencies call
            agency = Agency.objects.get(pk=access_token_verify(token).agency_id)
            workers_env = {
                k: os.environ[k]
                for k in (
                    "DATABASE_URL",
                    "BURGERPROFIEL_PROFILE",
                    "TASKS_BACKEND",
                    "NOTIFICATIONS_SMTP_PORT",
                    "LOG_LEVEL",
                )
            }
            if "latency" not in args.skip:
                floor, floor_runs = leanest_post(db_url, token, 4, 300)
                print(f"leanest POST: {floor:,.0f}/s (faster of {floor_runs})", flush=True)
                with gunicorn(2, "django_tasks_db.DatabaseBackend", 4) as base:
                    steps = run_steps(
                        base=base,
                        token=token,
                        agency=agency,
                        workers_env=workers_env,
                        sink=sink,
                        rates=[int(r) for r in args.rates.split(",")],
                        seconds=args.seconds,
                        n_workers=args.workers,
                        clients=args.clients,
                    )
                results["steps"] = steps
                results["capacity"] = capacity(steps, floor, floor_runs)
                print("capacity:", json.dumps(results["capacity"]), flush=True)
            if "campaign" not in args.skip:
                from burgerprofiel.notifications.models import Delivery, Notification

                Delivery.objects.all().delete()
                Notification.objects.all().delete()
                results["campaign"] = run_campaign(
                    agency=agency, workers_env=workers_env, sink=sink, size=args.campaign, n_workers=args.workers
                )
                print("campaign:", json.dumps(results["campaign"]), flush=True)
    finally:
        sink.stop()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2))
    contribute(results)
    return 0


def contribute(results: dict[str, Any]) -> None:
    """This bench's figures in ``make bench``'s report (``bench.report``): the latency per offered rate
    (one point per rate measured; a stepped run gives one per step) and the campaign's rate."""
    from bench import report

    steps = results.get("steps") or ([results["latency"]] if "latency" in results else [])
    rows = []
    if "capacity" in results:
        cap = results["capacity"]
        rows.append(
            report.row(
                "meldingen: highest rate with p95 accepted → SMTP < 1 s",
                cap["highest_rate_p95_under_1s"],
                "meldingen/s",
                baseline=("leanest POST (bare WSGI parse + INSERT)", cap["leanest_post_per_s"]),
                target=TARGET,
            )
        )
    for step in steps:
        offered = step["offered_per_second"]
        rows.append(
            report.row(
                f"accepted → SMTP p95 at {offered:g}/s offered",
                step["p95_s"],
                "s",
                target=1.0,
                note=f"p50 {step['p50_s']} s, p99 {step['p99_s']} s, {step['within_1s']:.1%} within 1 s, "
                f"{step['within_10s']:.1%} within 10 s",
            )
        )
    if "campaign" in results:
        campaign = results["campaign"]
        rows.append(
            report.row(
                f"campaign of {campaign['recipients']:,} delivered",
                campaign["delivered_per_second"],
                "messages/s",
                note=f"accepted at {campaign['accepted_per_second']:,}/s",
            )
        )
    series = {
        "notification_latency": [
            {"offered_per_s": s["offered_per_second"], "p50_s": s["p50_s"], "p95_s": s["p95_s"], "p99_s": s["p99_s"]}
            for s in steps
        ]
    }
    report.contribute("notifications", rows=rows, series=series, raw=results)


def main_faults(size: int, outage: int) -> int:
    with own_postgres() as (admin_url, data, port), throwaway_postgres(admin_url, "nbench") as db_url:
        os.environ.update(
            {
                "DATABASE_URL": db_url,
                "BURGERPROFIEL_PROFILE": os.environ.get("BURGERPROFIEL_PROFILE", "development"),
                "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
                "LOG_LEVEL": "WARNING",
            }
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "burgerprofiel.conf.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        result = run_faults(size=size, outage_s=outage, data=data, port=port)
    print("faults:", json.dumps(result), flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    (OUT.parent / "notifications-faults.json").write_text(json.dumps(result, indent=2))
    ok = result["all_final"] and result["copies_more_than_one"] == 0 and result["delivered_not_at_server"] == 0
    from bench import report

    rows = [
        report.row(
            "deliveries not final after the faults",
            size
            - sum(
                n
                for status, n in result["statuses"].items()
                if status in ("delivered", "permanent-failure", "technical-failure")
            ),
            "deliveries",
            target=0,
        ),
        report.row(
            "messages at the SMTP server more than once",
            result["copies_more_than_one"],
            "messages",
            target=0,
            note="; ".join(result["events"]),
        ),
        report.row("delivered but never at the server", result["delivered_not_at_server"], "messages", target=0),
    ]
    report.contribute("notifications_faults", rows=rows, raw=result)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
