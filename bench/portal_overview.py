"""``python -m bench.portal_overview``: the citizen overview's latency as the platform grows (PostgreSQL).

One throwaway PostgreSQL database grows through the sizes in ``BENCH_OVERVIEW_SIZES`` (default
100,000 then 1,000,000 citizens), seeded with COPY: each citizen with a data key of their own (as in
production) and ten dossiers with one owner row each (a sixth of them closed, one in seven needing an
action), all of one agency. At each size, for random citizens, it times ``overview_for_citizen`` (what
the portal's overview page computes: open dossiers with the ones needing action first, the five most
recent decrypted, unread meldingen, accesses of the last 30 days) against the bare SELECT of the same
dossier rows, interleaved, and reports p50/p95 of both. The growth is the p95 at the largest size over
the p95 at the smallest, measured in the same run (issue 14: at most 1.2x, and under 20 ms at 1M).

``BENCH_DATABASE_URL`` names the server (default ``postgres://postgres@127.0.0.1:5432/bp_portal``);
the throwaway database is ``<name>_overview`` next to it, dropped first and afterwards.
``BENCH_OVERVIEW_SCALE`` scales the sizes (``QUICK=1``: 0.01, that is 1,000 and 10,000 citizens).
Results: standard output, ``var/bench/portal_overview.json`` and ``make bench``'s report.
"""

from __future__ import annotations

import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.databases import throwaway_postgres
from bench.report import quick_run

BASE_DIR = Path(os.environ.get("BURGERPROFIEL_BASE_DIR", Path.cwd())).resolve()
OUT = BASE_DIR / "var" / "bench" / "portal_overview.json"
SIZES = (100_000, 1_000_000)  # citizens: the growth is the p95 at the last size over the p95 at the first
DOSSIERS_PER_CITIZEN = 10
TARGET_GROWTH = 1.2  # issue 14: the p95 may grow at most 1.2x from 100k to 1M citizens
TARGET_P95_MS = 20.0
SAMPLES = 1000  # the p95 of 300 random citizens moved by a millisecond from run to run
WARMUP = 30
CHUNK = 200_000


def progress(message: str) -> None:
    print(f"[bench overview] {message}", file=sys.stderr, flush=True)


def _copy(cursor: Any, table: str, columns: str, lines: Iterable[str]) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for count, line in enumerate(lines, start=1):
            buffer.write(line)
            if count % CHUNK == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


@dataclass
class Seeder:
    """What every seeded citizen shares (one agency, one Bron, ciphertexts made once), and how far it got."""

    agency_id: int
    source_id: int
    kek_id: str
    wrapped: str
    name: str
    insz_cipher: str
    stamp: str
    first_citizen: int
    seeded: int = 0

    @classmethod
    def start(cls) -> Seeder:
        from django.utils import timezone

        from burgerprofiel.agencies.services import agency_onboard
        from burgerprofiel.audit.actors import SYSTEM
        from burgerprofiel.citizens.models import Citizen
        from burgerprofiel.crypto.fields import encrypt_bytes, encrypted_field
        from burgerprofiel.crypto.models import DataKey
        from burgerprofiel.crypto.services import data_key_create
        from burgerprofiel.dossiers.models import DosisSource, Dossier

        onboarded = agency_onboard(name="Bench-agentschap", kbo="0316380841", components=["dosis"], actor=SYSTEM)
        agency = onboarded.agency
        source = DosisSource.objects.create(agency=agency, uri="urn:bench:dosis")
        template_key = data_key_create(owner_type=DataKey.OwnerType.CITIZEN)
        assert template_key.wrapped_key is not None  # a new data key is stored wrapped
        return cls(
            agency_id=agency.pk,
            source_id=source.pk,
            kek_id=template_key.kek_id,
            wrapped="\\\\x" + bytes(template_key.wrapped_key).hex(),
            name=encrypt_bytes(
                b"Omgevingsvergunning voor een verbouwing",
                key_id=agency.data_key_id,
                context=encrypted_field(Dossier, "name").seal_context,  # bound to the column it is copied into
            ),
            insz_cipher=encrypt_bytes(
                b"85073003328", key_id=template_key.id, context=encrypted_field(Citizen, "insz").seal_context
            ),
            stamp=timezone.now().isoformat(),
            first_citizen=(Citizen.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1,
        )

    def grow_to(self, citizens: int) -> float:
        """COPY citizens (each with a data key of their own) and their dossiers up to ``citizens``; seconds taken."""
        from django.db import connection

        from burgerprofiel.citizens.models import Citizen
        from burgerprofiel.crypto.fields import blind_index
        from burgerprofiel.crypto.models import DataKey
        from burgerprofiel.dossiers.models import Dossier, DossierOwner

        start, count = self.seeded, citizens - self.seeded
        if count <= 0:
            return 0.0
        started = time.perf_counter()
        stamp = self.stamp
        key_ids = [uuid.uuid4() for _ in range(count)]
        indexes = [blind_index(f"bench-{start + i:011d}", purpose="insz") for i in range(count)]
        with connection.cursor() as cursor:
            raw = cursor.cursor
            progress(f"COPY {count:,} data keys and citizens (to {citizens:,})")
            _copy(
                raw,
                DataKey._meta.db_table,
                "id, owner_type, kek_id, wrapped_key, created_at, destroyed_reason",
                (f"{k}\tcitizen\t{self.kek_id}\t{self.wrapped}\t{stamp}\t\n" for k in key_ids),
            )
            first = self.first_citizen + start
            _copy(
                raw,
                Citizen._meta.db_table,
                "id, insz_index, insz, data_key_id, created_at",
                (f"{first + i}\t{indexes[i]}\t{self.insz_cipher}\t{key_ids[i]}\t{stamp}\n" for i in range(count)),
            )
            total = count * DOSSIERS_PER_CITIZEN
            offset = start * DOSSIERS_PER_CITIZEN
            progress(f"COPY {total:,} dossiers")
            phases = ["Samenstelling", "Behandeling", "Beslissing", "Beroep", "Uitvoering", "Afgerond"]

            def dossier_lines() -> Iterator[str]:
                for d in range(offset, offset + total):
                    phase = phases[d % 6]
                    closed = stamp if phase == "Afgerond" else "\\N"
                    modified = f"2026-{1 + d % 12:02d}-{1 + d % 28:02d}T10:00:00+00:00"
                    action = "t" if d % 7 == 0 else "f"
                    yield (
                        f"{d + 1}\t{self.agency_id}\t{self.source_id}\tD{d}\t{self.name}\t\t\t\t\\N\t{phase}\t"
                        f"code-{d % 40}\t{modified}\t{action}\t{closed}\t{'0' * 64}\t{stamp}\n"
                    )

            _copy(
                raw,
                Dossier._meta.db_table,
                "id, agency_id, source_id, number, name, ipdc_product, type_code, redirect_url, manager, "
                "current_phase, current_code, current_modified_at, action_needed, closed_at, content_hash, created_at",
                dossier_lines(),
            )
            progress(f"COPY {total:,} dossier owners")
            _copy(
                raw,
                DossierOwner._meta.db_table,
                "dossier_id, kind, key",
                (
                    f"{d + 1}\tinsz\t{indexes[(d - offset) // DOSSIERS_PER_CITIZEN]}\n"
                    for d in range(offset, offset + total)
                ),
            )
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Dossier._meta.db_table}', 'id'), {offset + total})")
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Citizen._meta.db_table}', 'id'), {first + count})")
            progress("VACUUM ANALYZE, CHECKPOINT")
            cursor.execute("VACUUM ANALYZE")
            # The seed and the vacuum leave gigabytes of dirty pages: without a checkpoint now, the
            # checkpointer writes them out while the overview is timed, and the largest size's p95
            # measures that flush instead of the overview (a running platform has no such backlog).
            cursor.execute("CHECKPOINT")
        self.seeded = citizens
        seconds = time.perf_counter() - started
        progress(f"seeded to {citizens:,} citizens in {seconds:.0f} s")
        return seconds

    def sample(self) -> list[int]:
        rng = random.Random(7 + self.seeded)  # noqa: S311 (a reproducible sample, not a secret)
        return [self.first_citizen + rng.randrange(self.seeded) for _ in range(SAMPLES + WARMUP)]


BARE_SQL = """
SELECT d.id, d.name, d.current_phase, d.current_code, d.current_modified_at, d.action_needed
FROM {dossier} d
WHERE d.id IN (SELECT o.dossier_id FROM {owner} o WHERE o.kind = 'insz' AND o.key = %s)
  AND d.current_phase <> 'Afgerond'
ORDER BY d.action_needed DESC, d.current_modified_at DESC, d.id DESC
"""


def measure(sample: list[int]) -> dict[str, object]:
    from django.db import connection

    from burgerprofiel.citizens.models import Citizen
    from burgerprofiel.dossiers.models import Dossier, DossierOwner
    from burgerprofiel.portal.overview import overview_for_citizen

    sql = BARE_SQL.format(dossier=Dossier._meta.db_table, owner=DossierOwner._meta.db_table)
    overview_ms: list[float] = []
    bare_ms: list[float] = []
    rows_seen = []
    for n, citizen_id in enumerate(sample):
        citizen = Citizen.objects.get(pk=citizen_id)
        order = [0, 1] if n % 2 else [1, 0]  # interleave, alternating who goes first
        for which in order:
            started = time.perf_counter()
            if which == 0:
                sections = overview_for_citizen(citizen=citizen)
                elapsed = time.perf_counter() - started
                rows_seen.append(next(s.count for s in sections if s.key == "dossiers"))
            else:
                with connection.cursor() as cursor:
                    cursor.execute(sql, [citizen.insz_index])
                    cursor.fetchall()
                elapsed = time.perf_counter() - started
            if n >= WARMUP:
                (overview_ms if which == 0 else bare_ms).append(elapsed * 1000)

    def pct(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1]

    return {
        "samples": len(overview_ms),
        "open_dossiers_per_citizen_median": statistics.median(rows_seen),
        "overview_p50_ms": round(pct(overview_ms, 50), 2),
        "overview_p95_ms": round(pct(overview_ms, 95), 2),
        "bare_select_p50_ms": round(pct(bare_ms, 50), 2),
        "bare_select_p95_ms": round(pct(bare_ms, 95), 2),
        "p95_ratio": round(pct(overview_ms, 95) / pct(bare_ms, 95), 2),
    }


def child(sizes: list[int]) -> None:
    """Grow one database through ``sizes`` (citizens), measuring the overview at each size."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    seeder = Seeder.start()
    steps = []
    for size in sorted(sizes):
        seeded_s = seeder.grow_to(size)
        result = measure(seeder.sample())
        result.update({"citizens": size, "dossiers": size * DOSSIERS_PER_CITIZEN, "seed_seconds": round(seeded_s)})
        steps.append(result)
        progress(f"{size:,} citizens: overview p50 {result['overview_p50_ms']} ms, p95 {result['overview_p95_ms']} ms")
    print(json.dumps({"steps": steps}))


def sizes_from_environment() -> list[int]:
    """``BENCH_OVERVIEW_SIZES`` (citizens, comma-separated), scaled by ``BENCH_OVERVIEW_SCALE``; QUICK=1 runs
    a hundredth of the default sizes."""
    default = ",".join(str(n) for n in SIZES)
    sizes = [int(n) for n in os.environ.get("BENCH_OVERVIEW_SIZES", default).split(",") if n.strip()]
    quick = quick_run()
    scale = float(os.environ.get("BENCH_OVERVIEW_SCALE", "0.01" if quick else "1"))
    return [max(1000, int(n * scale)) for n in sizes]


def main() -> None:
    sizes = sizes_from_environment()
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sizes)
        return
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bp_portal")
    with throwaway_postgres(url, "overview") as db_url:
        env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "BURGERPROFIEL_PROFILE": os.environ.get("BURGERPROFIEL_PROFILE", "test"),
        }
        env.setdefault("DJANGO_SETTINGS_MODULE", "burgerprofiel.conf.settings")
        process = subprocess.run(
            [sys.executable, "-m", "bench.portal_overview", "--child"],
            env=env,
            check=False,
            stdout=subprocess.PIPE,
            text=True,
        )
        if process.returncode != 0:
            raise SystemExit(f"the overview bench failed ({process.returncode})")
        steps = json.loads(process.stdout.strip().splitlines()[-1])["steps"]
    first, last = steps[0], steps[-1]
    growth = last["overview_p95_ms"] / first["overview_p95_ms"]
    result = {
        "steps": steps,
        "p95_growth_ratio": round(growth, 2),
        "target_growth_ratio": TARGET_GROWTH,
        "target_p95_ms": TARGET_P95_MS,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print("portal overview (PostgreSQL), one database grown through each size")
    print(f"  {'citizens':>10} {'dossiers':>11} {'overview p50':>13} {'p95':>8} {'bare SELECT p95':>16} {'ratio':>6}")
    for step in steps:
        print(
            f"  {step['citizens']:>10,} {step['dossiers']:>11,} {step['overview_p50_ms']:>10.2f} ms "
            f"{step['overview_p95_ms']:>5.2f} ms {step['bare_select_p95_ms']:>13.2f} ms {step['p95_ratio']:>5.2f}x"
        )
    verdict = "meets" if growth <= TARGET_GROWTH else "BEYOND"
    print(
        f"  growth: p95 at {last['citizens']:,} / p95 at {first['citizens']:,} = {growth:.2f}x "
        f"({verdict} the {TARGET_GROWTH}x target); p95 at {last['citizens']:,}: {last['overview_p95_ms']} ms "
        f"({'meets' if last['overview_p95_ms'] < TARGET_P95_MS else 'BEYOND'} the {TARGET_P95_MS:g} ms target)"
    )
    print(f"results: {OUT}")
    contribute(result)


def contribute(result: dict[str, Any]) -> None:
    """This bench's figures in ``make bench``'s report (``bench.report``): p95 per size and the growth ratio."""
    from bench import report

    steps = result["steps"]
    first, last = steps[0], steps[-1]
    rows = [
        report.row(
            f"overview p95 at {step['citizens']:,} citizens",
            step["overview_p95_ms"],
            "ms",
            baseline=("bare SELECT of the same rows, p95", step["bare_select_p95_ms"]),
            note=f"p50 {step['overview_p50_ms']} ms",
        )
        for step in steps
    ]
    rows.append(
        report.row(
            f"overview p95 at {last['citizens']:,} citizens (target)",
            last["overview_p95_ms"],
            "ms",
            target=TARGET_P95_MS,
            higher_is_better=False,
        )
    )
    rows.append(
        report.row(
            f"growth of the overview p95, {first['citizens']:,} → {last['citizens']:,} citizens",
            last["overview_p95_ms"],
            "ms",
            baseline=(f"p95 at {first['citizens']:,}", first["overview_p95_ms"]),
            target=TARGET_GROWTH,
            higher_is_better=False,
        )
    )
    series = {
        "growth": [
            {"citizens": s["citizens"], "p50_ms": s["overview_p50_ms"], "p95_ms": s["overview_p95_ms"]} for s in steps
        ]
    }
    report.contribute("portal_overview", rows=rows, series=series, raw=result)


if __name__ == "__main__":
    main()
