"""``python -m bench.webhooks``: webhook deliveries per second, as a ratio of the notification
e-mail hand-off rate measured in the same run, on PostgreSQL.

1. Baseline (the notifications bench's campaign, reused as it is): ``--notifications`` meldingen
   accepted with the workers stopped, then handed to a real SMTP sink (its own process) by
   ``--workers`` ``burgerprofiel worker`` processes: messages per second, worker start included.
2. Webhooks: ``--deliveries`` events published (``webhook_event_publish``, 1,000 per transaction)
   for one endpoint with the workers stopped, then delivered by the same number of workers to a
   local receiver in its own process (``burgerprofiel.webhooks.devpeers``) that answers 503 to the
   first attempt of 1% of the events (``--fail-every 100``), so those are retried (backoff base
   1 s here). Deliveries per second until every one is delivered, worker start included; each
   event must be accepted exactly once at the receiver.

It runs on a throwaway database ``<name>_wbench`` next to BENCH_DATABASE_URL (default
``postgres://postgres@127.0.0.1:5432/bp_webhooks``), dropped afterwards. Results: standard output
and ``var/bench/webhooks.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.databases import throwaway_postgres
from bench.notifications import SinkProcess, WorkerProcess, run_campaign

BASE_DIR = Path(os.environ.get("BURGERPROFIEL_BASE_DIR", Path.cwd())).resolve()
OUT = BASE_DIR / "var" / "bench" / "webhooks.json"
EVENT_TYPE = "foutmelding.ingediend"


class ReceiverProcess:
    """The agency's endpoint in its own process; every request (id → answers) read from its output."""

    def __init__(self, fail_every: int) -> None:
        self.answers: dict[str, list[int]] = {}
        self.lock = threading.Lock()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "burgerprofiel.webhooks.devpeers", "--port", "0", "--fail-every", str(fail_every)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(json.loads(self.process.stdout.readline())["listening"])
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            seen = json.loads(line)
            with self.lock:
                self.answers.setdefault(seen["id"], []).append(int(seen["status"]))

    def accepted(self) -> dict[str, int]:
        with self.lock:
            return {key: sum(1 for s in statuses if s < 300) for key, statuses in self.answers.items()}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def run_webhooks(
    *, agency: Any, workers_env: dict[str, str], size: int, n_workers: int, fail_every: int
) -> dict[str, Any]:
    from django.db import transaction

    from burgerprofiel.audit.actors import Actor
    from burgerprofiel.webhooks.models import Delivery, DeliveryStatus, Event
    from burgerprofiel.webhooks.services import webhook_endpoint_register, webhook_event_publish
    from burgerprofiel.webhooks.tasks import webhook_deliveries_dispatch_task, webhooks_housekeeping_task

    actor = Actor(kind="system", id="bench")
    receiver = ReceiverProcess(fail_every)
    try:
        webhook_endpoint_register(
            agency_id=agency.pk, url=f"http://127.0.0.1:{receiver.port}/hooks", event_types=[EVENT_TYPE], actor=actor
        )
        accept_start = time.monotonic()
        for offset in range(0, size, 1000):
            with transaction.atomic():
                for i in range(offset, min(offset + 1000, size)):
                    webhook_event_publish(
                        agency_id=agency.pk,
                        event_type=EVENT_TYPE,
                        object_type="foutmelding",
                        object_id=f"melding-{i}",
                        data={"gegeven": "domicilie", "toelichting": "Bench"},
                        actor=actor,
                    )
        accept_s = time.monotonic() - accept_start
        env = workers_env | {"WEBHOOKS_RETRY_BASE_SECONDS": "1", "WEBHOOKS_RETRY_MAX_SECONDS": "2"}
        workers = [WorkerProcess(env) for _ in range(n_workers)]
        send_start = time.monotonic()
        for _ in range(n_workers):
            webhook_deliveries_dispatch_task.enqueue()
        deadline = send_start + 3600
        last_tick = send_start
        while time.monotonic() < deadline:
            if Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() >= size:
                break
            if time.monotonic() - last_tick > 2:
                webhooks_housekeeping_task.enqueue()  # the scheduler's part: retries that came due
                last_tick = time.monotonic()
            time.sleep(0.1)
        else:
            raise RuntimeError(f"not all webhook deliveries delivered within {deadline - send_start:.0f} s")
        send_s = time.monotonic() - send_start
        peaks = [round(w.peak_rss_mb(), 1) for w in workers]
        for worker in workers:
            worker.stop()
        time.sleep(0.5)
        accepted = receiver.accepted()
        event_ids = {str(e) for e in Event.objects.values_list("event_id", flat=True)}
        return {
            "deliveries": size,
            "accept_s": round(accept_s, 1),
            "published_per_second": round(size / accept_s, 1),
            "workers": n_workers,
            "delivery_s_incl_worker_start": round(send_s, 1),
            "delivered_per_second": round(size / send_s, 1),
            "requests_at_receiver": sum(len(v) for v in receiver.answers.values()),
            "failed_once": sum(1 for v in receiver.answers.values() if v and v[0] >= 500),
            "accepted_exactly_once": sum(1 for key in event_ids if accepted.get(key) == 1),
            "accepted_more_than_once": sum(1 for n in accepted.values() if n > 1),
            "worker_peak_rss_mb": peaks,
        }
    finally:
        receiver.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--notifications", type=int, default=20_000, help="size of the same-run e-mail baseline")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fail-every", type=int, default=100, help="503 on the first attempt of every K-th event")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bp_webhooks")
    results: dict[str, Any] = {}
    sink = SinkProcess()
    try:
        with throwaway_postgres(url, "wbench") as db_url:
            os.environ.update(
                {
                    "DATABASE_URL": db_url,
                    "BURGERPROFIEL_PROFILE": os.environ.get("BURGERPROFIEL_PROFILE", "development"),
                    "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
                    "NOTIFICATIONS_SMTP_PORT": str(sink.port),
                    "LOG_LEVEL": "WARNING",
                }
            )
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "burgerprofiel.conf.settings")
            import django

            django.setup()
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            from burgerprofiel.agencies.models import Agency
            from burgerprofiel.agencies.services import agency_onboard
            from burgerprofiel.audit.actors import Actor

            onboarded = agency_onboard(
                name="Agentschap Opgroeien",
                kbo="0316380841",
                components=["notificaties", "foutmeldingen"],
                actor=Actor(kind="system", id="bench"),
            )
            agency = Agency.objects.get(pk=onboarded.agency.pk)
            names = ("DATABASE_URL", "BURGERPROFIEL_PROFILE", "TASKS_BACKEND", "NOTIFICATIONS_SMTP_PORT", "LOG_LEVEL")
            workers_env = {k: os.environ[k] for k in names}
            results["notifications"] = run_campaign(
                agency=agency, workers_env=workers_env, sink=sink, size=args.notifications, n_workers=args.workers
            )
            print("notifications (baseline):", json.dumps(results["notifications"]), flush=True)
            results["webhooks"] = run_webhooks(
                agency=agency,
                workers_env=workers_env,
                size=args.deliveries,
                n_workers=args.workers,
                fail_every=args.fail_every,
            )
            print("webhooks:", json.dumps(results["webhooks"]), flush=True)
    finally:
        sink.stop()
    baseline = results["notifications"]["delivered_per_second"]
    results["ratio_webhooks_to_email"] = round(results["webhooks"]["delivered_per_second"] / baseline, 3)
    print("ratio (webhook deliveries/s ÷ e-mail hand-offs/s):", results["ratio_webhooks_to_email"], flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2))
    complete = results["webhooks"]["accepted_exactly_once"] == args.deliveries
    from bench import report

    report.contribute(
        "webhooks",
        rows=[
            report.row(
                "webhook deliveries",
                results["webhooks"]["delivered_per_second"],
                "deliveries/s",
                baseline=("notification e-mail hand-offs, same run", baseline),
                note=f"{results['webhooks']['accepted_exactly_once']} of {args.deliveries} accepted exactly once",
            )
        ],
        raw=results,
    )
    return 0 if complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
