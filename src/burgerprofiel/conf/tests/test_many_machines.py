"""The web and the worker are stateless: two web processes and two workers, as on four machines, share
one PostgreSQL database, and the work is done once each, with nothing left over.

Real processes: ``burgerprofiel serve`` (gunicorn) twice, each on a port of its own, and ``burgerprofiel
worker`` twice, with their own schedulers (each enqueues the periodic tasks: audit sealing, retention
purges, the notification sweeper), a real SMTP server (aiosmtpd). Agencies call both web processes in
turn with one token (issued by the first, accepted by the second). Counted afterwards: each upload filed
once, each melding's mail at the SMTP server once, each expired dossier purged once, and the audit log's
signed tree heads one consistent history.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.models import AuditEvent, AuditLeaf, TreeHead
from burgerprofiel.audit.services import audit_seal_all, audit_verify
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, make_agency
from burgerprofiel.dossiers.models import Dossier, DossierStatus, DossierUpload
from burgerprofiel.dossiers.services import dosis_source_register
from burgerprofiel.dossiers.tests.conftest import BRON, full_payload, status
from burgerprofiel.notifications.models import FINAL_STATUSES, Delivery
from burgerprofiel.notifications.tests.factories import PRODUCT, citizen_with_contact, consent
from burgerprofiel.notifications.tests.peers import SmtpServer, free_port
from burgerprofiel.notifications.tests.workers import valid_insz, worker_env

SINGLE = 16  # single uploads, alternating between the two web processes
BULK = 40  # lines of one NDJSON bulk upload
EXPIRED = 4  # of the single uploads: closed in 2020, past the order's 90-day retention at once
MELDINGEN = 16  # one per citizen, alternating between the web processes
DEADLINE_S = 120


class Process:
    """One ``burgerprofiel`` process with its output in a log file; ``stop`` ends it (SIGTERM)."""

    def __init__(self, args: list[str], *, env: dict[str, str], log: Path) -> None:
        import os

        self.log: IO[Any] = log.open("ab")
        self.log_path = log
        executable = shutil.which("burgerprofiel", path=str(Path(sys.executable).parent)) or "burgerprofiel"
        self.process = subprocess.Popen(
            [executable, *args], env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def _web(env: dict[str, str], log: Path) -> tuple[Process, str]:
    port = free_port()
    web = Process(["serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-migrate"], env=env, log=log)
    return web, f"http://127.0.0.1:{port}"


def _wait_up(web: Process, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert web.process.poll() is None, web.log_path.read_text()[-2000:]
        time.sleep(0.2)
    raise AssertionError(f"web process did not come up: {web.log_path.read_text()[-2000:]}")


def _machine(env: dict[str, str], home: Path) -> dict[str, str]:
    """A machine of its own (its own var/ for static files), with the platform's secrets, as production
    gives each machine the same secrets from its store."""
    home.mkdir()
    secrets = {name: str(getattr(settings, name)) for name in ("SECRET_KEY", "KEY_ENCRYPTION_KEYS", "BLIND_INDEX_KEY")}
    return {**env, **secrets, "OIDC_CLIENT_SECRET": settings.OIDC_CLIENT_SECRET, "BURGERPROFIEL_BASE_DIR": str(home)}


def _token(base: str, agency: OnboardedAgency) -> str:
    """A token from ``base``'s token endpoint (the assertion's audience is the same PUBLIC_URL for all)."""
    from burgerprofiel.oauth.services import ASSERTION_TYPE

    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": agency.assertion(),
    }
    response = httpx.post(f"{base}/oauth/token", data=form, timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _uploads(count: int, prefix: str, *, expired: int = 0) -> list[dict[str, Any]]:
    uploads = []
    for i in range(count):
        number = f"{prefix}-{i}"
        if i < expired:
            payload = full_payload(
                Identificatie={"Bron": BRON, "DossierNummer": number},
                UploadId=number,
                WijzigingsDatum="2020-03-01T10:00:00+01:00",
                Status=status("Afgerond", "Uitbetaald"),
            )
        else:
            payload = full_payload(Identificatie={"Bron": BRON, "DossierNummer": number}, UploadId=number)
        uploads.append(payload)
    return uploads


def _uploads_named(event: AuditEvent) -> list[int]:
    """The uploads a ``dossier.upload_processed`` event gives evidence for (one, or a batch)."""
    detail = event.detail
    return [int(u) for u in detail.get("uploads", [])] + ([int(detail["upload"])] if "upload" in detail else [])


def _done(*, sealed_up_to: int) -> bool:
    """Everything filed (expired dossiers purged with their uploads), sent, and sealed by the workers."""
    return (
        not DossierUpload.objects.exclude(state="done").exists()
        and DossierUpload.objects.count() == SINGLE + BULK - EXPIRED
        and Delivery.objects.filter(status__in=FINAL_STATUSES).count() == MELDINGEN
        and AuditEvent.objects.filter(action="dossier.purged").count() >= EXPIRED
        and (TreeHead.objects.order_by("-tree_size").values_list("tree_size", flat=True).first() or 0) >= sealed_up_to
    )


@pytest.mark.django_db(transaction=True)
def test_two_web_and_two_worker_processes_on_one_database_do_each_piece_of_work_once(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: several processes share one database (SQLite's test database is private)")
    agency = make_agency(components="dosis,notificaties")
    org = Agency.objects.get(pk=agency.agency_id)
    dosis_source_register(agency=org, uri=BRON, actor=TEST_ACTOR)
    inszs = [valid_insz(5000 + i) for i in range(MELDINGEN)]
    for i, insz in enumerate(inszs):
        consent(citizen_with_contact(insz=insz, email=f"burger{i}@example.org"), org.pk, "email")

    smtp = SmtpServer().start()
    env = worker_env(
        smtp_port=smtp.port,
        extra={
            "WORKER_SCHEDULE_INTERVAL_SECONDS": "1",
            "RETENTION_PURGE_INTERVAL_SECONDS": "1",
            "DOSIS_DRAIN_INTERVAL_MS": "50",
            "PUBLIC_URL": settings.PUBLIC_URL,
        },
    )
    processes: list[Process] = []
    started = time.monotonic()
    try:
        web_a, base_a = _web(_machine(env, tmp_path / "a"), tmp_path / "web-a.log")
        web_b, base_b = _web(_machine(env, tmp_path / "b"), tmp_path / "web-b.log")
        processes += [web_a, web_b]
        processes += [
            Process(["worker"], env=_machine(env, tmp_path / f"w{i}"), log=tmp_path / f"worker-{i}.log")
            for i in range(2)
        ]
        _wait_up(web_a, base_a)
        _wait_up(web_b, base_b)
        bases = [base_a, base_b]
        timings = {"start": time.monotonic() - started}
        started = time.monotonic()

        token = _token(base_a, agency)  # issued by one web process, accepted by the other
        headers = {"Authorization": f"Bearer {token}"}
        answers: Counter[tuple[str, int]] = Counter()

        def send(i: int, payload: dict[str, Any]) -> None:
            response = httpx.post(f"{bases[i % 2]}/api/v2/dosis/dossiers", json=payload, headers=headers, timeout=30)
            answers[(bases[i % 2], response.status_code)] += 1

        def melding(i: int) -> None:
            body = {"insz": inszs[i], "message": f"Bericht {i}", "ipdc_product": PRODUCT}
            response = httpx.post(f"{bases[i % 2]}/api/v1/notifications", json=body, headers=headers, timeout=30)
            answers[(bases[i % 2], response.status_code)] += 1

        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(send, i, p) for i, p in enumerate(_uploads(SINGLE, "S", expired=EXPIRED))]
            futures += [pool.submit(melding, i) for i in range(MELDINGEN)]
            bulk = "\n".join(json.dumps(p) for p in _uploads(BULK, "B"))
            bulk_answer = httpx.post(
                f"{base_b}/api/v2/dosis/dossiers/bulk",
                content=bulk,
                headers={**headers, "Content-Type": "application/x-ndjson"},
                timeout=60,
            )
            for future in futures:
                future.result()
        assert bulk_answer.status_code == 200, bulk_answer.text
        assert answers[(base_a, 200)] + answers[(base_a, 202)] == (SINGLE + MELDINGEN) // 2, answers
        assert answers[(base_b, 200)] + answers[(base_b, 202)] == (SINGLE + MELDINGEN) // 2, answers

        loaded = AuditEvent.objects.count()  # the workers' seals must come to cover at least these
        timings["load"] = time.monotonic() - started
        deadline = time.monotonic() + DEADLINE_S
        while not _done(sealed_up_to=loaded) and time.monotonic() < deadline:
            for process in processes:
                assert process.process.poll() is None, process.log_path.read_text()[-3000:]
            time.sleep(0.5)
        timings["work"] = time.monotonic() - started - timings["load"]
    finally:
        for process in processes:
            process.stop()
        smtp.stop()
    print(f"2 + 2 processes: {timings}")

    # Every upload filed, once (an expired dossier's upload row went with it; its evidence stays).
    uploads = DossierUpload.objects.all()
    assert {u.state for u in uploads} == {"done"} and uploads.count() == SINGLE + BULK - EXPIRED
    processed = AuditEvent.objects.filter(action="dossier.upload_processed")
    evidence = Counter(u for event in processed for u in _uploads_named(event))
    assert len(evidence) == SINGLE + BULK and set(evidence.values()) == {1}, evidence.most_common(3)
    assert {u.pk for u in uploads} <= set(evidence)
    # Every expired dossier purged, once; every other one kept with its one status.
    purged = AuditEvent.objects.filter(action="dossier.purged")
    assert purged.count() == EXPIRED
    assert len(set(purged.values_list("object_id", flat=True))) == EXPIRED
    assert Dossier.objects.count() == SINGLE + BULK - EXPIRED
    assert DossierStatus.objects.count() == SINGLE + BULK - EXPIRED
    # Every melding's mail handed to the SMTP server, once, by one worker or the other.
    deliveries = Delivery.objects.all()
    assert deliveries.count() == MELDINGEN
    assert {d.status for d in deliveries} == {"delivered"}
    copies = smtp.sink.by_message_id()
    assert len(copies) == MELDINGEN and set(copies.values()) == {1}, copies
    # Both workers took part: each ran some of the tasks (their schedulers enqueue every second).
    workers = {w for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for w in ids}
    assert len(workers) == 2, workers
    # The audit log: one history of signed heads over contiguous leaves, each event sealed once.
    sizes = list(TreeHead.objects.order_by("signed_at", "pk").values_list("tree_size", flat=True))
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes) and len(sizes) >= 2
    leaves = list(AuditLeaf.objects.order_by("index").values_list("index", "event_id"))
    assert [index for index, _ in leaves] == list(range(len(leaves)))
    assert len({event for _, event in leaves}) == len(leaves)
    audit_seal_all()  # what the test itself wrote after the last seal
    report = audit_verify()
    assert report.ok, report.problems
    assert report.unsealed_events == 0
