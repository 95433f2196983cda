"""``python -m bench.run``: the speed of the audit trail, the encrypted fields and the API request path.

Each measurement runs next to a baseline in the same process and is reported as a ratio:

1. audit append: ``audit_record`` per event vs a plain Django INSERT of a row of similar width
   (``IdempotencyRecord``), in one transaction and in autocommit; and O(1) growth: the time per
   event of the first 1,000 events vs 1,000 events once 20,000 exist;
2. ``audit_seal`` (batches) and ``audit_verify`` throughput in events/s vs the plain insert rate;
3. saving and loading a ``ContactPerson`` (three encrypted fields) vs a plain-text twin model;
4. ``GET /api/v1/me`` with a bearer token (token check, order check, audit) vs ``GET /healthz``,
   both through Django's test client.

Timings use ``time.perf_counter`` with the garbage collector off inside the timed region, after
warm-up runs; variants are interleaved (rotating order) and the median of the repeats is kept.

SQLite always runs, on a throwaway file under ``var/bench/``. With ``BENCH_DATABASE_URL`` set
(e.g. ``postgres://postgres@127.0.0.1:5432/burgerprofiel``) the same benchmarks also run on
PostgreSQL, in a child process, on a throwaway database ``<name>_bench`` created next to the
one named (dropped first and afterwards; the named database itself is never touched).

Results: a table on standard output and ``var/bench/results.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import itertools
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.databases import BenchError, throwaway_postgres
from bench.report import quick_run

BASE_DIR = Path(os.environ.get("BURGERPROFIEL_BASE_DIR", Path.cwd())).resolve()
OUT_DIR = BASE_DIR / "var" / "bench"
SQLITE_PATH = OUT_DIR / "bench.sqlite3"
RESULTS_PATH = OUT_DIR / "results.json"

# Sizes: together about 70 s for SQLite and 80 s for PostgreSQL on a 2-CPU machine, migrations included.
# QUICK=1 (make bench QUICK=1, which must stay under 10 minutes whole) fills a shorter trail and repeats
# less: 162 → 79 s on 1 December.
QUICK = quick_run()
REPEATS = 3 if QUICK else 7
WARMUP = 30
APPEND_N = 300  # events per repeat, per variant and mode
GROWTH_BLOCKS = 10  # blocks of GROWTH_BLOCK events: the "first 1,000" and the "1,000 after 20,000"
GROWTH_BLOCK = 100
GROWTH_FILL_TO = 5_000 if QUICK else 20_000  # events in the trail before the second growth measurement
FILL_BATCH = 1_000
SEAL_BATCH = 2_000
VERIFY_REPEATS = 1 if QUICK else 3
CRYPTO_N = 200
REQUEST_N = 100
BREAKDOWN_N = 100

Factory = Callable[[int], Callable[[], Any]]  # prepare(n) -> run(), only run() is timed


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# timing


def _timed(run: Callable[[], Any]) -> float:
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        run()
        return time.perf_counter() - started
    finally:
        gc.enable()


def settle() -> None:
    """Start each section from the same state: on SQLite, fold the write-ahead log back first.

    Otherwise a checkpoint of what the previous section wrote lands in a random sample (seen as
    one repeat ten times slower than the others). Checkpoints of a section's own writes still
    happen inside it, as they do in production.
    """
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def compare(variants: dict[str, Factory], *, n: int, repeats: int = REPEATS, warmup: int = WARMUP) -> dict[str, Any]:
    """Seconds per operation of each variant: warm-up, then interleaved repeats; median kept."""
    settle()
    for factory in variants.values():
        if warmup:
            factory(warmup)()
    names = list(variants)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            run = variants[name](n)
            samples[name].append(_timed(run) / n)
    return {name: summary(values) for name, values in samples.items()}


def summary(per_op: list[float]) -> dict[str, Any]:
    return {
        "median_s": statistics.median(per_op),
        "min_s": min(per_op),
        "max_s": max(per_op),
        "spread": spread(per_op),
        "samples_s": per_op,
    }


def spread(samples: list[float]) -> float:
    """Half the range of the samples relative to their median: the noise of one measurement."""
    middle = statistics.median(samples)
    return (max(samples) - min(samples)) / 2 / middle if middle else float("nan")


def ratio(measured: float, baseline: float) -> float:
    return measured / baseline if baseline else float("nan")


def atomic_or_not(in_transaction: bool) -> contextlib.AbstractContextManager[Any]:
    from django.db import transaction

    return transaction.atomic() if in_transaction else contextlib.nullcontext()


def row(
    name: str,
    baseline_label: str,
    baseline: float,
    measured_label: str,
    measured: float,
    unit: str,
    *,
    higher_is_better: bool = False,
    noise: float = float("nan"),
    note: str = "",
) -> dict[str, Any]:
    """One line of the report; ``ratio`` is always measured / baseline in the unit given.

    ``noise`` is the larger relative spread of the two sides' samples (see ``spread``).
    """
    return {
        "name": name,
        "baseline": {"label": baseline_label, "value": baseline, "unit": unit},
        "measured": {"label": measured_label, "value": measured, "unit": unit},
        "ratio": ratio(measured, baseline),
        "higher_is_better": higher_is_better,
        "noise": noise,
        "note": note,
    }


# ---------------------------------------------------------------------------------------------
# environment and database


def configure_django(database_url: str) -> None:
    """Environment first (settings read it at import), then ``django.setup()`` and ``migrate``."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "burgerprofiel.conf.settings"
    os.environ.setdefault("BURGERPROFIEL_PROFILE", "test")
    os.environ.setdefault("BURGERPROFIEL_BASE_DIR", str(BASE_DIR))
    os.environ["DATABASE_URL"] = database_url
    os.environ["API_RATE_LIMIT_PER_MINUTE"] = "0"  # 0 disables the limiter: it must not throttle us
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no JSON line per request on stdout

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def fresh_sqlite_url() -> str:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{SQLITE_PATH}"


# ---------------------------------------------------------------------------------------------
# fixtures


class Fixture:
    """An onboarded agency with an EC key for private_key_jwt, as ``conftest.make_agency`` does."""

    def __init__(self) -> None:
        from joserfc.jwk import ECKey

        from burgerprofiel.agencies.models import Agency
        from burgerprofiel.agencies.services import agency_onboard
        from burgerprofiel.audit.actors import Actor

        self.ec_key = ECKey.generate_key("P-256", parameters={"kid": "bench-ec-1"}, private=True)
        onboarded = agency_onboard(
            name="Bench-agentschap",
            kbo="0316380841",
            components=["dosis", "notificaties"],
            jwks={"keys": [self.ec_key.as_dict(private=False)]},
            actor=Actor(kind="staff", id="bench"),
        )
        self.agency: Agency = onboarded.agency
        self.client_id = onboarded.client.client_id
        self.order_version_id = onboarded.order_version.pk
        self.actor = Actor(
            kind="agency_client",
            id=self.client_id,
            agency_id=self.agency.pk,
            order_version_id=self.order_version_id,
        )

    def assertion(self) -> str:
        from joserfc import jwt

        from burgerprofiel.oauth.services import token_url

        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": token_url(),
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": now + 300,
        }
        return jwt.encode({"alg": "ES256", "kid": self.ec_key.kid}, claims, self.ec_key)

    def access_token(self) -> str:
        from burgerprofiel.oauth.services import ASSERTION_TYPE, token_issue

        issued = token_issue(
            form={
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": self.assertion(),
            },
            authorization="",
        )
        return issued.access_token


def record_events(fixture: Fixture, n: int, *, in_transaction: bool) -> None:
    from burgerprofiel.audit.actions import AuditAction
    from burgerprofiel.audit.services import audit_record

    with atomic_or_not(in_transaction):
        for i in range(n):
            # A typical agency read event (same width as before the actions became an enum).
            audit_record(actor=fixture.actor, action=AuditAction.AGENCY_ME_READ, target=fixture.agency, detail={"i": i})


_idempotency_keys = itertools.count()


def plain_insert(fixture: Fixture, *, in_transaction: bool) -> Factory:
    """The baseline: a plain Django model INSERT of a row of similar width (11 columns, 3 indexes)."""
    from burgerprofiel.api.models import IdempotencyRecord

    def prepare(n: int) -> Callable[[], None]:
        def run() -> None:
            with atomic_or_not(in_transaction):
                for _ in range(n):
                    IdempotencyRecord.objects.create(
                        client_id=fixture.client_id,
                        key=f"bench-{next(_idempotency_keys)}",
                        method="POST",
                        path="/api/v1/bench",
                        request_hash="0" * 64,
                        status_code=201,
                        content_type="application/json",
                        body=b'{"i":1}',
                    )

        return run

    return prepare


def audit_events(fixture: Fixture, *, in_transaction: bool) -> Factory:
    def prepare(n: int) -> Callable[[], None]:
        return lambda: record_events(fixture, n, in_transaction=in_transaction)

    return prepare


# ---------------------------------------------------------------------------------------------
# 1. audit append cost, and O(1) growth


def bench_audit_append(fixture: Fixture) -> dict[str, Any]:
    # lazy: needs Django set up, which configure_django() does at run time, after this module loaded
    from burgerprofiel.audit.actions import AuditAction
    from burgerprofiel.audit.services import audit_append, audit_event_build

    def event_insert_prehashed(in_transaction: bool) -> Factory:
        # The audit row itself with its event built (and hashed) outside the timed region: what the
        # table's width and indexes cost, without the building audit_record adds.
        def prepare(n: int) -> Callable[[], None]:
            events = [
                audit_event_build(
                    actor=fixture.actor, action=AuditAction.AGENCY_ME_READ, target=fixture.agency, detail={"i": i}
                )
                for i in range(n)
            ]

            def run() -> None:
                with atomic_or_not(in_transaction):
                    for event in events:
                        audit_append(event)

            return run

        return prepare

    result: dict[str, Any] = {"n_per_repeat": APPEND_N, "modes": {}}
    rows = []
    for mode, in_tx in (("transaction", True), ("autocommit", False)):
        progress(f"audit append ({mode})")
        timings = compare(
            {
                "plain_insert": plain_insert(fixture, in_transaction=in_tx),
                "audit_event_insert_prehashed": event_insert_prehashed(in_tx),
                "audit_record": audit_events(fixture, in_transaction=in_tx),
            },
            n=APPEND_N,
        )
        result["modes"][mode] = timings
        base = timings["plain_insert"]
        label = "one transaction" if in_tx else "autocommit, one commit each"
        for name, measured_label, variant in (
            (f"audit_record per event ({label})", "audit_record", "audit_record"),
            (
                f"  the audit row alone, no hashing ({label})",
                "AuditEvent INSERT, hash precomputed",
                "audit_event_insert_prehashed",
            ),
        ):
            rows.append(
                row(
                    name,
                    "plain INSERT (IdempotencyRecord)",
                    base["median_s"] * 1e6,
                    measured_label,
                    timings[variant]["median_s"] * 1e6,
                    "µs/event",
                    noise=max(base["spread"], timings[variant]["spread"]),
                )
            )
    result["rows"] = rows
    return result


def bench_audit_growth(fixture: Fixture) -> dict[str, Any]:
    """Time per event of the first 1,000 events vs 1,000 events once 20,000 exist (expect ~1).

    A trail can only be young once, so the two phases cannot be interleaved with each other; each
    is interleaved with plain-INSERT blocks instead, and the ratio normalised by them cancels
    what the machine did in between (other processes, frequency scaling).
    """
    from burgerprofiel.audit.models import AuditEvent

    variants = {
        "plain_insert": plain_insert(fixture, in_transaction=True),
        "audit_record": audit_events(fixture, in_transaction=True),
    }
    events = GROWTH_BLOCK * GROWTH_BLOCKS
    for factory in variants.values():
        factory(20)()  # warm the code path, hardly the table
    early_count = AuditEvent.objects.count()
    progress(f"audit growth: first {events} events")
    early = compare(variants, n=GROWTH_BLOCK, repeats=GROWTH_BLOCKS, warmup=0)

    progress(f"audit growth: filling the trail to {GROWTH_FILL_TO} events")
    started = time.perf_counter()
    count = AuditEvent.objects.count()
    while count < GROWTH_FILL_TO:
        batch = min(FILL_BATCH, GROWTH_FILL_TO - count)
        record_events(fixture, batch, in_transaction=True)
        count += batch
    fill_seconds = time.perf_counter() - started

    late_count = AuditEvent.objects.count()
    progress(f"audit growth: {events} events after {late_count}")
    late = compare(variants, n=GROWTH_BLOCK, repeats=GROWTH_BLOCKS, warmup=0)

    early_audit, late_audit = early["audit_record"], late["audit_record"]
    early_rel = early_audit["median_s"] / early["plain_insert"]["median_s"]
    late_rel = late_audit["median_s"] / late["plain_insert"]["median_s"]
    noise = max(early_audit["spread"], late_audit["spread"])
    return {
        "block": GROWTH_BLOCK,
        "blocks": GROWTH_BLOCKS,
        "early": {"events_before": early_count, **early},
        "late": {"events_before": late_count, **late},
        "fill_seconds": fill_seconds,
        "fill_events_per_s": (late_count - early_count - events) / fill_seconds,
        "rows": [
            row(
                f"audit_record per event, {late_count} vs {early_count} events in the trail",
                f"first {events} events",
                early_audit["median_s"] * 1e6,
                f"{events} events after {late_count}",
                late_audit["median_s"] * 1e6,
                "µs/event",
                noise=noise,
                note="O(1) append: expect a ratio near 1",
            ),
            row(
                "  same, each phase relative to its own plain INSERT",
                "audit_record / plain INSERT, young trail",
                early_rel,
                f"same, after {late_count} events",
                late_rel,
                "x",
                noise=noise,
                note="machine drift between the two phases cancels here",
            ),
        ],
    }


# ---------------------------------------------------------------------------------------------
# 2. sealing and verifying


def bench_seal_verify(plain_insert_s: float) -> dict[str, Any]:
    from burgerprofiel.audit.models import AuditEvent, AuditLeaf
    from burgerprofiel.audit.services import audit_seal, audit_verify

    plain_rate = 1.0 / plain_insert_s
    settle()
    pending = AuditEvent.objects.filter(leaf__isnull=True).count()
    progress(f"audit_seal: {pending} events in batches of {SEAL_BATCH}")
    batches = []
    size = AuditLeaf.objects.count()
    total_started = time.perf_counter()
    heads: list[Any] = []
    while True:
        seconds = _timed(lambda: heads.append(audit_seal(batch_size=SEAL_BATCH)))
        head = heads.pop()
        if head is None:
            break
        batches.append({"events": head.tree_size - size, "seconds": seconds, "tree_size": head.tree_size})
        size = head.tree_size
    seal_total = time.perf_counter() - total_started
    if size != AuditEvent.objects.count():
        raise BenchError(f"sealing stopped at {size} leaves for {AuditEvent.objects.count()} events")
    full = [b for b in batches if b["events"] == SEAL_BATCH] or batches
    seal_rate = statistics.median(b["events"] / b["seconds"] for b in full)
    first_rate = full[0]["events"] / full[0]["seconds"]
    last_rate = full[-1]["events"] / full[-1]["seconds"]

    progress(f"audit_verify: {size} events x {VERIFY_REPEATS}")
    reports = []
    verify_seconds = []
    audit_verify()  # warm-up (also the first correctness check)
    for _ in range(VERIFY_REPEATS):
        verify_seconds.append(_timed(lambda: reports.append(audit_verify())))
    for report in reports:
        if not report.ok or report.events_checked != size:
            raise BenchError(f"audit_verify failed on an untouched trail: {report.problems[:3]}")
    verify_rate = size / statistics.median(verify_seconds)

    return {
        "events": size,
        "seal_batch": SEAL_BATCH,
        "seal_batches": batches,
        "seal_total_seconds": seal_total,
        "seal_events_per_s_median": seal_rate,
        "seal_events_per_s_first_batch": first_rate,
        "seal_events_per_s_last_batch": last_rate,
        "verify_seconds": verify_seconds,
        "verify_events_per_s": verify_rate,
        "tree_heads": reports[-1].tree_heads_checked,
        "plain_insert_per_s": plain_rate,
        "rows": [
            row(
                f"audit_seal throughput ({len(batches)} batches of {SEAL_BATCH}, median)",
                "plain INSERT rate (one transaction)",
                plain_rate,
                "audit_seal",
                seal_rate,
                "events/s",
                higher_is_better=True,
                noise=spread([b["events"] / b["seconds"] for b in full]),
                note=f"first batch {first_rate:,.0f}/s, last {last_rate:,.0f}/s",
            ),
            row(
                f"audit_verify throughput ({size} events, {reports[-1].tree_heads_checked} heads)",
                "plain INSERT rate (one transaction)",
                plain_rate,
                "audit_verify",
                verify_rate,
                "events/s",
                higher_is_better=True,
                noise=spread(verify_seconds),
            ),
        ],
    }


# ---------------------------------------------------------------------------------------------
# 3. encrypted fields


def plain_contact_model() -> Any:
    """A plain-text twin of ContactPerson (same columns, TextField instead of EncryptedTextField).

    Registered under the label ``bench`` and created with the schema editor in the throwaway
    database only; no migration, nothing outside this process sees it.
    """
    from django.db import connection, models

    class PlainContact(models.Model):
        agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
        name = models.TextField()
        email = models.TextField()
        phone = models.TextField(blank=True, default="")
        role = models.CharField(max_length=100)
        authorised_from = models.DateField(default=dt.date.today)
        authorised_until = models.DateField(null=True, blank=True)
        created_at = models.DateTimeField(auto_now_add=True)

        class Meta:
            app_label = "bench"
            db_table = "bench_plain_contact"

        def __str__(self) -> str:
            return self.role

    with connection.schema_editor() as editor:
        editor.create_model(PlainContact)
    return PlainContact


def bench_encrypted_fields(fixture: Fixture) -> dict[str, Any]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from burgerprofiel.agencies.models import ContactPerson
    from burgerprofiel.crypto.services import data_key_material

    plain_model = plain_contact_model()
    agency = fixture.agency
    values = {"name": "Jan Janssens", "email": "jan.janssens@example.be", "phone": "+32 2 123 45 67"}

    def save_and_load(model: Any) -> Factory:
        def prepare(n: int) -> Callable[[], None]:
            def run() -> None:
                with atomic_or_not(True):
                    for _ in range(n):
                        saved = model.objects.create(agency=agency, role="DPO", **values)
                        loaded = model.objects.get(pk=saved.pk)
                        if loaded.email != values["email"]:
                            raise BenchError(f"{model.__name__} did not read back what it wrote")

            return run

        return prepare

    key_id = agency.data_key_id
    aad = str(key_id).encode()
    plaintexts = [v.encode() for v in values.values()]

    def raw_aes_gcm(n: int) -> Callable[[], None]:
        def run() -> None:
            for _ in range(n):
                cipher = AESGCM(data_key_material(key_id))
                for plaintext in plaintexts:
                    nonce = os.urandom(12)
                    cipher.decrypt(nonce, cipher.encrypt(nonce, plaintext, aad), aad)

        return run

    progress("encrypted fields: ContactPerson vs plain twin")
    timings = compare(
        {
            "plain_twin": save_and_load(plain_model),
            "contact_person_encrypted": save_and_load(ContactPerson),
            "raw_aes_gcm_3_fields": raw_aes_gcm,
        },
        n=CRYPTO_N,
    )
    base = timings["plain_twin"]["median_s"]
    enc = timings["contact_person_encrypted"]["median_s"]
    raw = timings["raw_aes_gcm_3_fields"]["median_s"]
    return {
        "n_per_repeat": CRYPTO_N,
        "timings": timings,
        "rows": [
            row(
                "ContactPerson save+load, 3 encrypted fields",
                "plain-text twin model save+load",
                base * 1e6,
                "ContactPerson (EncryptedTextField)",
                enc * 1e6,
                "µs/row",
                noise=max(timings["plain_twin"]["spread"], timings["contact_person_encrypted"]["spread"]),
                note=f"overhead {(enc - base) * 1e6:.0f} µs/row; raw AES-GCM enc+dec of the 3 values "
                f"{raw * 1e6:.0f} µs",
            ),
        ],
    }


# ---------------------------------------------------------------------------------------------
# 4. the request path


def bench_requests(fixture: Fixture) -> dict[str, Any]:
    from django.test import Client

    from burgerprofiel.agencies.order_check import order_check
    from burgerprofiel.oauth.services import access_token_verify

    client = Client()
    token = fixture.access_token()  # lives ACCESS_TOKEN_TTL_SECONDS (300 s): ample for this section
    auth = {"Authorization": f"Bearer {token}"}

    first = client.get("/api/v1/me", headers=auth)
    if first.status_code != 200 or first.json().get("client_id") != fixture.client_id:
        raise BenchError(f"GET /api/v1/me answered {first.status_code}: {first.content[:300]!r}")

    def get(path: str, headers: dict[str, str]) -> Factory:
        def prepare(n: int) -> Callable[[], None]:
            def run() -> None:
                for _ in range(n):
                    response = client.get(path, headers=headers)
                    if response.status_code != 200:
                        raise BenchError(f"GET {path} answered {response.status_code}: {response.content[:300]!r}")

            return run

        return prepare

    progress("request path: GET /api/v1/me vs GET /healthz")
    timings = compare({"healthz": get("/healthz", {}), "me": get("/api/v1/me", auth)}, n=REQUEST_N)

    progress("request path: where /api/v1/me spends its time")

    def verify(n: int) -> Callable[[], Any]:
        return lambda: [access_token_verify(token) for _ in range(n)]

    def check(n: int) -> Callable[[], Any]:
        return lambda: [order_check(actor=fixture.actor, agency_id=fixture.agency.pk) for _ in range(n)]

    def audit(n: int) -> Callable[[], None]:
        return lambda: record_events(fixture, n, in_transaction=False)

    parts = compare(
        {"access_token_verify": verify, "order_check": check, "audit_record_autocommit": audit}, n=BREAKDOWN_N
    )
    health = timings["healthz"]["median_s"]
    me = timings["me"]["median_s"]
    return {
        "n_per_repeat": REQUEST_N,
        "timings": timings,
        "healthz_requests_per_s": 1.0 / health,
        "me_requests_per_s": 1.0 / me,
        "breakdown": parts,
        "rows": [
            row(
                "GET /api/v1/me (token + order check + audit)",
                "GET /healthz, same test client",
                health * 1e6,
                "GET /api/v1/me",
                me * 1e6,
                "µs/request",
                noise=max(timings["healthz"]["spread"], timings["me"]["spread"]),
                note=f"{1 / health:,.0f} vs {1 / me:,.0f} requests/s; inside /me: "
                + ", ".join(f"{name} {v['median_s'] * 1e6:.0f} µs" for name, v in parts.items()),
            ),
        ],
    }


# ---------------------------------------------------------------------------------------------
# running a backend, reporting


def run_backend(label: str, database_url: str) -> dict[str, Any]:
    progress(f"{label}: migrating a fresh database")
    configure_django(database_url)

    from django.db import connection

    started = time.perf_counter()
    fixture = Fixture()
    growth = bench_audit_growth(fixture)
    append = bench_audit_append(fixture)
    plain_tx = append["modes"]["transaction"]["plain_insert"]["median_s"]
    seal = bench_seal_verify(plain_tx)
    crypto = bench_encrypted_fields(fixture)
    requests = bench_requests(fixture)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
        server_version = cursor.fetchone()[0]
    sections = {
        "audit_append": append,
        "audit_growth": growth,
        "audit_seal_verify": seal,
        "encrypted_fields": crypto,
        "request_path": requests,
    }
    return {
        "backend": label,
        "vendor": connection.vendor,
        "server_version": server_version,
        "seconds": time.perf_counter() - started,
        "sections": sections,
        "rows": append["rows"] + growth["rows"] + seal["rows"] + crypto["rows"] + requests["rows"],
    }


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def print_table(results: dict[str, Any]) -> None:
    header = ("backend", "measurement", "baseline", "measured", "unit", "ratio", "noise")
    lines = []
    for backend in results["backends"].values():
        for r in backend["rows"]:
            lines.append(
                (
                    backend["backend"],
                    r["name"],
                    _fmt(r["baseline"]["value"]),
                    _fmt(r["measured"]["value"]),
                    r["baseline"]["unit"],
                    f"{r['ratio']:.2f}x",
                    f"±{r['noise'] * 100:.0f}%",
                )
            )
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    right = {2, 3, 5, 6}

    def fmt(line: tuple[str, ...]) -> str:
        cells = [
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    print(fmt(header))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print(fmt(line))
    print()
    print("ratio = measured / baseline, both in the unit shown, medians of repeats in this same run.")
    print("For µs units lower is better; for events/s higher is better. noise: half the range of the")
    print("repeats relative to their median, the larger of the two sides.")
    for backend in results["backends"].values():
        for r in backend["rows"]:
            if r["note"]:
                print(f"  [{backend['backend']}] {r['name'].strip()}: {r['note']}")
    print()
    for backend in results["backends"].values():
        print(f"{backend['backend']} ({backend['vendor']} {backend['server_version']}): {backend['seconds']:.1f} s")
    print(f"results: {RESULTS_PATH}")


def meta() -> dict[str, Any]:
    import django

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - read-only, for labelling results
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": commit,
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "repeats": REPEATS,
        "warmup": WARMUP,
    }


def _postgres_child(url: str) -> dict[str, Any]:
    """Run the PostgreSQL benchmarks in a fresh interpreter: settings are read once per process."""
    out = OUT_DIR / "results-postgresql.json"
    out.unlink(missing_ok=True)
    env = {**os.environ, "BURGERPROFIEL_BASE_DIR": str(BASE_DIR)}
    subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "bench.run", "--backend", "postgresql", "--out", str(out)],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    data: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    pg_url = os.environ.get("BENCH_DATABASE_URL", "")

    if args.backend == "postgresql":  # the child process
        with throwaway_postgres(pg_url, "bench") as url:
            data = run_backend("postgresql", url)
        args.out.write_text(json.dumps(data, indent=2, default=str))
        return 0

    results: dict[str, Any] = {"backends": {}}
    results["backends"]["sqlite"] = run_backend("sqlite", fresh_sqlite_url())
    results["meta"] = meta()
    if pg_url:
        results["backends"]["postgresql"] = _postgres_child(pg_url)
    RESULTS_PATH.write_text(json.dumps(results, indent=2, default=str))
    print_table(results)
    contribute(results)
    return 0


def contribute(results: dict[str, Any]) -> None:
    """This bench's rows in ``make bench``'s report (``bench.report``)."""
    from bench import report

    rows = [
        report.row(
            f"[{backend['backend']}] {r['name'].strip()}",
            r["measured"]["value"],
            r["measured"]["unit"],
            baseline=(r["baseline"]["label"], r["baseline"]["value"]),
            higher_is_better=r["higher_is_better"],
            note=r["note"],
        )
        for backend in results["backends"].values()
        for r in backend["rows"]
    ]
    report.contribute("run", rows=rows, raw=results)


if __name__ == "__main__":
    sys.exit(main())
