"""``python -m bench.portal_overview``: the citizen overview's latency at national scale (PostgreSQL).

Seeds a throwaway PostgreSQL database with COPY: 1,000,000 citizens (each with their own data
key, as in production) and 10,000,000 dossiers with one owner row each (ten per citizen, a sixth
of them closed, one in seven needing an action), all of one agency. Then, for random citizens,
times ``overview_for_citizen`` (what the portal's overview page computes: open dossiers with the
ones needing action first, the five most recent decrypted, unread meldingen, accesses of the last
30 days) against the bare SELECT of the same dossier rows, interleaved, and reports p50/p95 of
both and the ratio of the p95s.

``BENCH_DATABASE_URL`` names the server (default ``postgres://postgres@127.0.0.1:5432/bp_portal``);
the throwaway database is ``<name>_overview`` next to it, dropped first and afterwards.
``BENCH_OVERVIEW_SCALE`` (default 1.0) shrinks the seed for a quick run. Results: standard output
and ``var/bench/portal_overview.json``.
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
from pathlib import Path
from typing import Any

from bench.databases import throwaway_postgres

BASE_DIR = Path(os.environ.get("BURGERPROFIEL_BASE_DIR", Path.cwd())).resolve()
OUT = BASE_DIR / "var" / "bench" / "portal_overview.json"
CITIZENS = 1_000_000
DOSSIERS_PER_CITIZEN = 10
SAMPLES = 300
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


def seed(citizens: int) -> list[int]:
    """Seed with COPY; return the ids of the citizens to sample."""
    from django.db import connection
    from django.utils import timezone

    from burgerprofiel.agencies.services import agency_onboard
    from burgerprofiel.audit.actors import SYSTEM
    from burgerprofiel.citizens.models import Citizen
    from burgerprofiel.crypto.fields import blind_index, encrypt_bytes
    from burgerprofiel.crypto.models import DataKey
    from burgerprofiel.crypto.services import data_key_create
    from burgerprofiel.dossiers.models import DosisSource

    onboarded = agency_onboard(name="Bench-agentschap", kbo="0316380841", components=["dosis"], actor=SYSTEM)
    agency = onboarded.agency
    source = DosisSource.objects.create(agency=agency, uri="urn:bench:dosis")
    template_key = data_key_create(owner_type=DataKey.OwnerType.CITIZEN)
    assert template_key.wrapped_key is not None  # a new data key is stored wrapped
    wrapped = "\\\\x" + bytes(template_key.wrapped_key).hex()
    name = encrypt_bytes(b"Omgevingsvergunning voor een verbouwing", key_id=agency.data_key_id)
    insz_cipher = encrypt_bytes(b"85073003328", key_id=template_key.id)
    now = timezone.now()
    stamp = now.isoformat()
    key_ids = [uuid.uuid4() for _ in range(citizens)]
    indexes = [blind_index(f"bench-{i:011d}", purpose="insz") for i in range(citizens)]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        progress(f"COPY {citizens:,} data keys and citizens")
        _copy(
            raw,
            DataKey._meta.db_table,
            "id, owner_type, kek_id, wrapped_key, created_at, destroyed_reason",
            (f"{k}\tcitizen\t{template_key.kek_id}\t{wrapped}\t{stamp}\t\n" for k in key_ids),
        )
        first_citizen = (Citizen.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        _copy(
            raw,
            Citizen._meta.db_table,
            "id, insz_index, insz, data_key_id, created_at",
            (f"{first_citizen + i}\t{indexes[i]}\t{insz_cipher}\t{key_ids[i]}\t{stamp}\n" for i in range(citizens)),
        )
        total = citizens * DOSSIERS_PER_CITIZEN
        progress(f"COPY {total:,} dossiers")
        phases = ["Samenstelling", "Behandeling", "Beslissing", "Beroep", "Uitvoering", "Afgerond"]

        def dossier_lines() -> Iterator[str]:
            for d in range(total):
                phase = phases[d % 6]
                closed = stamp if phase == "Afgerond" else "\\N"
                modified = f"2026-{1 + d % 12:02d}-{1 + d % 28:02d}T10:00:00+00:00"
                action = "t" if d % 7 == 0 else "f"
                yield (
                    f"{d + 1}\t{agency.pk}\t{source.pk}\tD{d}\t{name}\t\t\t\t\\N\t{phase}\tcode-{d % 40}\t"
                    f"{modified}\t{action}\t{closed}\t{'0' * 64}\t{stamp}\n"
                )

        from burgerprofiel.dossiers.models import Dossier, DossierOwner

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
            (f"{d + 1}\tinsz\t{indexes[d // DOSSIERS_PER_CITIZEN]}\n" for d in range(total)),
        )
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Dossier._meta.db_table}', 'id'), {total})")
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{Citizen._meta.db_table}', 'id'), {first_citizen + citizens})"
        )
        progress("ANALYZE")
        cursor.execute("ANALYZE")
    progress(f"seeded in {time.perf_counter() - started:.0f} s")
    rng = random.Random(7)  # noqa: S311 (a reproducible sample, not a secret)
    return [first_citizen + rng.randrange(citizens) for _ in range(SAMPLES + WARMUP)]


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


def child(citizens: int) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    sample = seed(citizens)
    result = measure(sample)
    result.update({"citizens": citizens, "dossiers": citizens * DOSSIERS_PER_CITIZEN})
    print(json.dumps(result))


def main() -> None:
    scale = float(os.environ.get("BENCH_OVERVIEW_SCALE", "1.0"))
    citizens = max(1000, int(CITIZENS * scale))
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(citizens)
        return
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bp_portal")
    with throwaway_postgres(url, "overview") as db_url:
        env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "BURGERPROFIEL_PROFILE": os.environ.get("BURGERPROFIEL_PROFILE", "test"),
        }
        env.setdefault("DJANGO_SETTINGS_MODULE", "burgerprofiel.conf.settings")
        out = subprocess.run(
            [sys.executable, "-m", "bench.portal_overview", "--child"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        sys.stderr.write(out.stderr[-4000:])
        result = json.loads(out.stdout.strip().splitlines()[-1])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print("portal overview (PostgreSQL)")
    for key, value in result.items():
        print(f"  {key:36} {value}")


if __name__ == "__main__":
    main()
