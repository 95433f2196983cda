"""The users of ``bench.mixed_load`` (run by locust, headless, against gunicorn on loopback).

``MixedUser``: 90% citizen reads (overview, Mijn dossiers, Meldingen, Uw gegevens with a local source)
and 10% agency writes (single and bulk DOSIS uploads, meldingen), no think time: the platform's
capacity and its latencies at that concurrency. ``HealthzUser``: ``GET /healthz`` only, the baseline of
the same run. Both stop after ``MIXED_LOAD_MAX_REQUESTS`` requests, whatever locust's ``--run-time``.

Citizens arrive with a portal session minted by ``bench.mixed_load`` the way ``conftest.login_citizen``
makes one (a bench-only shortcut: the OIDC login itself is not what this measures). Every request that
is not answered as the platform answers a good one counts as an error: a redirect to the login page,
a 4xx, a 5xx, a timeout.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, constant, events, task

CONFIG: dict[str, Any] = json.loads(Path(os.environ["MIXED_LOAD_CONFIG"]).read_text())
MAX_REQUESTS = int(os.environ.get("MIXED_LOAD_MAX_REQUESTS", "100000"))
_sent = itertools.count(1)
_numbers = itertools.count(1)
_ENVIRONMENT: dict[str, Any] = {}


@events.request.add_listener
def _bounded(**kwargs: Any) -> None:
    """Stop the run after MAX_REQUESTS requests (bounded in requests as well as in time)."""
    if next(_sent) == MAX_REQUESTS:
        environment = _ENVIRONMENT.get("environment")
        if environment is not None and environment.runner is not None:
            gevent.spawn(environment.runner.quit)


@events.init.add_listener
def _remember(environment: Any, **kwargs: Any) -> None:
    _ENVIRONMENT["environment"] = environment


def _upload(insz: str, number: str) -> dict[str, Any]:
    return {
        "Identificatie": {"Bron": CONFIG["bron"], "DossierNummer": number},
        "UploadId": number,
        "Naam": f"Aanvraag {number}",
        "WijzigingsDatum": "2026-11-02T09:30:00+01:00",
        "Status": {
            "VlaamsCode": "In behandeling",
            "VlaamsFase": "Behandeling",
            "Detail1": "Uw aanvraag wordt nagekeken.",
            "Actie": {"ActieNodig": False, "Actie": ""},
        },
        "Doorverwijzing": f"https://loket.bench.example/dossiers/{number}",
        "TypeDossierCode": "GROEIPAKKET",
        "Producten": [{"Id": "1502"}],
        "Agenten": [{"Identificatie": insz, "Toegangsrechten": [{"Code": "Raadpleger"}]}],
    }


class MixedUser(FastHttpUser):
    wait_time = constant(0)

    def _page(self, path: str, name: str) -> None:
        session = random.choice(CONFIG["sessions"])  # noqa: S311 - load spread, not a secret
        headers = {"Cookie": f"{CONFIG['session_cookie']}={session}"}
        with self.client.get(path, headers=headers, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")

    def _agency(self, path: str, name: str, body: str, content_type: str, expected: int) -> None:
        headers = {"Authorization": f"Bearer {CONFIG['token']}", "Content-Type": content_type}
        with self.client.post(path, data=body, headers=headers, name=name, catch_response=True) as r:
            if r.status_code != expected:
                r.failure(f"{r.status_code}: {(r.text or '')[:200]}")

    @task(30)
    def overview(self) -> None:
        self._page("/", "portal: overview")

    @task(25)
    def dossiers(self) -> None:
        self._page("/mijn-dossiers/", "portal: Mijn dossiers")

    @task(20)
    def meldingen(self) -> None:
        self._page("/meldingen", "portal: Meldingen")

    @task(15)
    def uw_gegevens(self) -> None:
        self._page("/uw-gegevens", "portal: Uw gegevens")

    @task(5)
    def dosis_single(self) -> None:
        number = f"L-{os.getpid()}-{next(_numbers)}"
        body = json.dumps(_upload(random.choice(CONFIG["inszs"]), number))  # noqa: S311 - load spread, not a secret
        self._agency("/api/v2/dosis/dossiers", "agency: DOSIS single", body, "application/json", 200)

    @task(1)
    def dosis_bulk(self) -> None:
        lines = []
        for _ in range(CONFIG["bulk_lines"]):
            lines.append(json.dumps(_upload(random.choice(CONFIG["inszs"]), f"LB-{os.getpid()}-{next(_numbers)}")))  # noqa: S311 - load spread, not a secret
        body = "\n".join(lines)
        self._agency("/api/v2/dosis/dossiers/bulk", "agency: DOSIS bulk", body, "application/x-ndjson", 200)

    @task(4)
    def melding(self) -> None:
        insz = random.choice(CONFIG["inszs"])  # noqa: S311 - load spread, not a secret
        body = json.dumps({"insz": insz, "message": "Uw aanvraag is ontvangen.", "ipdc_product": CONFIG["product"]})
        self._agency("/api/v1/notifications", "agency: melding", body, "application/json", 202)


class HealthzUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        with self.client.get("/healthz", name="GET /healthz", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
