"""``kill -9`` of the web process and of the worker while agencies send: nothing answered is lost,
nothing is filed twice (DESIGN rule 4; docs/reliability.md, row "kill -9 of web and worker").

Real processes on the test's PostgreSQL database: ``burgerprofiel serve`` and ``burgerprofiel worker``,
each in a process group of its own so that ``kill -9`` takes the whole of it (gunicorn's master and its
workers; the worker's threads). Four agency connectors send single DOSIS uploads; when a request gets
no answer (the web process is gone) the connector sends the same upload again once the platform is
back, as a DOSIS connector does. Counted afterwards: every upload answered ``OK`` is filed, each dossier
exists once, no upload is left pending or failed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection

from burgerprofiel.agencies.models import Agency
from burgerprofiel.conf.tests.test_many_machines import _machine, _token, _uploads
from burgerprofiel.conftest import TEST_ACTOR, make_agency
from burgerprofiel.dossiers.models import Dossier, DossierUpload
from burgerprofiel.dossiers.services import dosis_source_register
from burgerprofiel.dossiers.tests.conftest import BRON
from burgerprofiel.notifications.tests.peers import SmtpServer, free_port
from burgerprofiel.notifications.tests.workers import worker_env

UPLOADS = 120
CONNECTORS = 4


class Group:
    """A ``burgerprofiel`` command in a process group of its own."""

    def __init__(self, args: list[str], *, env: dict[str, str], log: Path) -> None:
        import shutil
        import sys

        executable = shutil.which("burgerprofiel", path=str(Path(sys.executable).parent)) or "burgerprofiel"
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [executable, *args],
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill9(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill9()
        self.log.close()


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.django_db(transaction=True)
def test_kill_9_of_web_and_worker_under_load_loses_no_answered_upload_and_files_none_twice(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: several processes share one database")
    agency = make_agency(components="dosis")
    dosis_source_register(agency=Agency.objects.get(pk=agency.agency_id), uri=BRON, actor=TEST_ACTOR)
    smtp = SmtpServer().start()
    env = _machine(worker_env(smtp_port=smtp.port, extra={"DOSIS_DRAIN_INTERVAL_MS": "50"}), tmp_path / "m")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = ["serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-migrate"]
    web = Group(serve, env=env, log=tmp_path / "web.log")
    worker = Group(["worker", "--no-scheduler"], env=env, log=tmp_path / "worker.log")
    uploads = _uploads(UPLOADS, "K")
    answered: set[str] = set()
    unanswered = 0
    lock = threading.Lock()
    events: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while not _up(base):
            assert time.monotonic() < deadline, "web process did not come up"
            time.sleep(0.2)
        headers = {"Authorization": f"Bearer {_token(base, agency)}"}

        def connector(c: int) -> None:
            nonlocal unanswered
            for payload in uploads[c::CONNECTORS]:
                while True:  # a connector sends an upload until it is answered
                    try:
                        response = httpx.post(
                            f"{base}/api/v2/dosis/dossiers", json=payload, headers=headers, timeout=10
                        )
                    except httpx.HTTPError:
                        with lock:
                            unanswered += 1
                        time.sleep(0.5)
                        continue
                    if response.status_code == 200:
                        with lock:
                            answered.add(payload["UploadId"])
                        break
                    time.sleep(0.5)  # 5xx while coming back up: send again

        threads = [threading.Thread(target=connector, args=(c,)) for c in range(CONNECTORS)]
        for t in threads:
            t.start()
        while len(answered) < UPLOADS // 3:
            time.sleep(0.05)
        web.kill9()
        events.append(f"kill -9 web at {len(answered)} answered")
        while DossierUpload.objects.filter(state="done").count() < UPLOADS // 6:
            time.sleep(0.05)
        worker.kill9()
        events.append(f"kill -9 worker at {DossierUpload.objects.filter(state='done').count()} filed")
        time.sleep(1)
        web = Group(serve, env=env, log=tmp_path / "web2.log")
        worker = Group(["worker", "--no-scheduler"], env=env, log=tmp_path / "worker2.log")
        for t in threads:
            t.join(timeout=180)
        deadline = time.monotonic() + 120
        while DossierUpload.objects.filter(state="pending").exists():
            assert time.monotonic() < deadline, "the restarted worker did not drain the queue"
            time.sleep(0.2)
    finally:
        web.stop()
        worker.stop()
        smtp.stop()

    numbers = {p["Identificatie"]["DossierNummer"] for p in uploads}
    filed = set(DossierUpload.objects.filter(state="done").values_list("upload_id", flat=True))
    print(
        f"kill -9 run: {events}; {len(answered)} answered, {unanswered} requests unanswered and sent again; "
        f"{DossierUpload.objects.count()} upload rows (a resent upload stored before its answer was lost: a 2nd row)"
    )
    assert answered == {p["UploadId"] for p in uploads}  # every connector got its answers in the end
    assert answered <= filed  # nothing answered is lost
    assert not DossierUpload.objects.exclude(state="done").exists()
    assert set(Dossier.objects.values_list("number", flat=True)) == numbers
    assert Dossier.objects.count() == UPLOADS  # a resent upload stored twice is filed as "unchanged"
    assert len(events) == 2
