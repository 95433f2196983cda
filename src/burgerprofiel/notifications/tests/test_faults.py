"""Nothing accepted is lost, nothing delivered twice: real worker processes, kill -9, SMTP down and 4xx,
database connections cut during dispatch. PostgreSQL only (the workers are separate processes that share
the test database; SQLite's test database lives in this process's memory).

The count is taken at the SMTP server: every Message-ID (the delivery's UUID) it accepted, how often."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from burgerprofiel.agencies.models import Agency
from burgerprofiel.conftest import TEST_ACTOR
from burgerprofiel.notifications.models import FINAL_STATUSES, Delivery
from burgerprofiel.notifications.services import NotificationInput, notifications_bulk_create
from burgerprofiel.notifications.tasks import notifications_housekeeping_task
from burgerprofiel.notifications.tests.factories import PRODUCT, citizen_with_contact, consent
from burgerprofiel.notifications.tests.peers import SmtpServer
from burgerprofiel.notifications.tests.workers import Worker, valid_insz, worker_env

N = 300
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _cut_worker_connections() -> int:
    """What a PostgreSQL restart looks like to the workers: every other session is terminated."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def _final_count() -> int:
    return Delivery.objects.filter(status__in=FINAL_STATUSES).count()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("smtp", ["lockstep", "pipelining"])
def test_workers_killed_mid_batch_with_smtp_down_and_4xx_lose_nothing_and_deliver_no_copy_twice(
    agency, tmp_path: Path, smtp: str
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: worker processes share the test database")
    org = Agency.objects.get(pk=agency.agency_id)
    inszs = [valid_insz(i) for i in range(N)]
    for i, insz in enumerate(inszs):
        citizen = citizen_with_contact(insz=insz, email=f"burger{i}@example.org")
        consent(citizen, org.pk, "email")

    server = SmtpServer(pipelining=smtp == "pipelining").start()
    server.sink.refuse_next = 25  # the first answers are "451 try again later"
    server.sink.hold_at = (3 * N) // 4  # the sessions are cut while sends wait for their answer
    env = worker_env(smtp_port=server.port)
    workers = [Worker(env=env, log=tmp_path / f"worker{i}.log") for i in range(2)]
    events: list[str] = []
    try:
        with override_settings(TASKS=DB_BACKEND):
            notifications_bulk_create(
                agency=org,
                items=[NotificationInput(insz=i, message="Nieuw bericht", ipdc_product=PRODUCT) for i in inszs],
                actor=TEST_ACTOR,
            )
            deadline = time.monotonic() + 90
            killed = down = cut = False
            while _final_count() < N and time.monotonic() < deadline:
                received = len(server.sink.messages)
                if not killed and received >= N // 4:
                    workers[0].kill9()
                    workers[0] = Worker(env=env, log=tmp_path / "worker0b.log")
                    killed = True
                    events.append(f"kill -9 worker at {received} received")
                if killed and not down and received >= N // 2:
                    server.stop()
                    events.append(f"SMTP down at {received} received")
                    time.sleep(3)
                    server_restarted = SmtpServer(port=server.port)
                    server_restarted.sink = server.sink  # one count across the outage
                    server_restarted.controller.handler = server.sink
                    server = server_restarted.start()
                    down = True
                if down and not cut and received >= (3 * N) // 4:
                    events.append(f"cut {_cut_worker_connections()} database sessions at {received} received")
                    cut = True
                    server.sink.hold_at = None
                for i, worker in enumerate(workers):
                    if not worker.alive:  # what a supervisor (systemd, Kubernetes) does
                        events.append(f"worker {i} exited ({worker.process.returncode}); restarted")
                        workers[i] = Worker(env=env, log=tmp_path / f"worker{i}-{time.monotonic():.0f}.log")
                notifications_housekeeping_task.enqueue()  # the scheduler's part
                time.sleep(0.5)
    finally:
        for worker in workers:
            worker.stop()
        server.stop()

    statuses = dict.fromkeys(FINAL_STATUSES, 0)
    for status in Delivery.objects.values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    copies = server.sink.by_message_id()
    domain = settings.NOTIFICATIONS_MAIL_FROM.rpartition("@")[2].rstrip(">")
    delivered = {f"<{pk}@{domain}>" for pk in Delivery.objects.filter(status="delivered").values_list("pk", flat=True)}
    print(f"fault run: {events}; statuses {statuses}; {len(copies)} distinct messages at the server")
    assert Delivery.objects.count() == N
    assert _final_count() == N, statuses  # every accepted notification ends in a final status
    assert all(count == 1 for count in copies.values()), {k: v for k, v in copies.items() if v > 1}
    assert delivered <= set(copies)  # every delivered one arrived, exactly once (above)
    # Only sends a fault interrupted may end as technical-failure: each sending thread of a worker
    # (NOTIFICATIONS_DRAIN_THREADS) holds at most one chunk marked `sending` (NOTIFICATIONS_SENDING_CHUNK);
    # the kill -9 interrupts one worker's chunks and the cut database sessions at most as many again.
    in_flight = settings.NOTIFICATIONS_DRAIN_THREADS * settings.NOTIFICATIONS_SENDING_CHUNK
    assert statuses["delivered"] >= N - 2 * in_flight, statuses
    assert killed and down and cut
