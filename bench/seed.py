"""``python -m bench.seed``: ``burgerprofiel seed`` on PostgreSQL against a bare COPY of the same rows.

One throwaway PostgreSQL database, migrated, is filled by ``burgerprofiel seed --citizens N
--dossiers-per-citizen M`` (default 100,000 and 10, as issue 15 asks; ``QUICK=1``: 1,000), run
in-process with its progress bar on stderr: made-up people, INSZ checked by the citizens app, every
personal value sealed by the encrypted fields' own code, content hashes, audit events, COPY per batch.
Then the rows it wrote (citizens' data keys, citizens, dossiers, owners, status history) are read
back out with COPY TO into files, the tables emptied (and vacuumed), and the same rows COPYed back
from the files into the same tables, indexes and constraints: the floor of writing those rows. The
figure is the seed's rows per second over the bare COPY's rows per second, both measured in the same
run on the same database. On a loaded machine both move: compare the ratio, not the rates.

``BENCH_DATABASE_URL`` names the server (default ``postgres://postgres@127.0.0.1:5432/bp``); the
throwaway database is ``<name>_seed_bench`` next to it, dropped first and afterwards.
``BENCH_SEED_CITIZENS`` / ``BENCH_SEED_DOSSIERS`` change the sizes.
Results: standard output, ``var/bench/seed.json`` and ``make bench``'s report.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.databases import throwaway_postgres
from bench.report import quick_run

BASE_DIR = Path(os.environ.get("BURGERPROFIEL_BASE_DIR", Path.cwd())).resolve()
OUT = BASE_DIR / "var" / "bench" / "seed.json"
CITIZENS = 100_000
DOSSIERS_PER_CITIZEN = 10
CHUNK = 1 << 20


def progress(message: str) -> None:
    print(f"[bench seed] {message}", file=sys.stderr, flush=True)


def _tables() -> list[tuple[Any, str]]:
    """The tables the seed fills, parents first, with the rows of each that it wrote."""
    from burgerprofiel.citizens.models import Citizen
    from burgerprofiel.crypto.models import DataKey
    from burgerprofiel.dossiers.models import Dossier, DossierOwner, DossierStatus

    return [
        (DataKey, "owner_type = 'citizen'"),
        (Citizen, "TRUE"),
        (Dossier, "TRUE"),
        (DossierOwner, "TRUE"),
        (DossierStatus, "TRUE"),
    ]


def bare_copy(workdir: Path) -> dict[str, Any]:
    """Read the seeded rows out, empty their tables, and time COPYing the same rows back in."""
    from django.db import connection

    from burgerprofiel.crypto.models import DataKey

    tables = _tables()
    columns: dict[str, str] = {}
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for model, where in tables:
            table = model._meta.db_table
            columns[table] = ", ".join(f.column for f in model._meta.concrete_fields)
            path = workdir / f"{table}.copy"
            progress(f"COPY TO: {table}")
            with (
                path.open("wb") as out,
                raw.copy(f"COPY (SELECT {columns[table]} FROM {table} WHERE {where}) TO STDOUT") as copy,  # noqa: S608 - our table names
            ):
                for block in copy:
                    out.write(block)
            cursor.execute(f"SELECT count(*) FROM {table} WHERE {where}")  # noqa: S608 - our table names
            counts[table] = cursor.fetchone()[0]
        progress("emptying the seeded tables (TRUNCATE, DELETE of the citizens' keys, VACUUM ANALYZE)")
        children = ", ".join(model._meta.db_table for model, _ in reversed(tables) if model is not DataKey)
        cursor.execute(f"TRUNCATE {children} CASCADE")
        cursor.execute(f"DELETE FROM {DataKey._meta.db_table} WHERE owner_type = 'citizen'")  # noqa: S608
    connection.close()
    with connection.cursor() as cursor:
        for model, _ in tables:
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    rows = sum(counts.values())
    progress(f"bare COPY FROM of the same {rows:,} rows")
    started = time.perf_counter()
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        for model, _ in tables:
            table = model._meta.db_table
            with (
                (workdir / f"{table}.copy").open("rb") as source,
                raw.copy(f"COPY {table} ({columns[table]}) FROM STDIN") as copy,
            ):
                while block := source.read(CHUNK):
                    copy.write(block)
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_second": round(rows / seconds), "tables": counts}


def child(citizens: int, dossiers: int) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    progress(f"burgerprofiel seed --citizens {citizens:,} --dossiers-per-citizen {dossiers}")
    out = io.StringIO()
    call_command("seed", citizens=citizens, dossiers_per_citizen=dossiers, stdout=out)
    seeded = json.loads(out.getvalue())
    with tempfile.TemporaryDirectory(prefix="bench-seed-") as workdir:
        bare = bare_copy(Path(workdir))
    print(json.dumps({"seed": seeded, "bare_copy": bare}))


def main() -> None:
    quick = quick_run()
    citizens = int(os.environ.get("BENCH_SEED_CITIZENS", 1000 if quick else CITIZENS))
    dossiers = int(os.environ.get("BENCH_SEED_DOSSIERS", DOSSIERS_PER_CITIZEN))
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(citizens, dossiers)
        return
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bp")
    with throwaway_postgres(url, "seed_bench") as db_url:
        env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "BURGERPROFIEL_PROFILE": os.environ.get("BURGERPROFIEL_PROFILE", "test"),
        }
        env.setdefault("DJANGO_SETTINGS_MODULE", "burgerprofiel.conf.settings")
        process = subprocess.run(
            [sys.executable, "-m", "bench.seed", "--child"], env=env, check=False, stdout=subprocess.PIPE, text=True
        )
        if process.returncode != 0:
            raise SystemExit(f"the seed bench failed ({process.returncode})")
        measured = json.loads(process.stdout.strip().splitlines()[-1])
    seed, bare = measured["seed"], measured["bare_copy"]
    if seed["rows"] != bare["rows"]:
        progress(f"note: the seed counted {seed['rows']:,} rows, the tables hold {bare['rows']:,}")
    ratio = seed["rows_per_second"] / bare["rows_per_second"]
    result = {**measured, "citizens": citizens, "dossiers_per_citizen": dossiers, "ratio": round(ratio, 3)}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print(f"burgerprofiel seed --citizens {citizens:,} --dossiers-per-citizen {dossiers} (PostgreSQL)")
    print(f"  seed:      {seed['rows']:>11,} rows in {seed['seconds']:>8.1f} s = {seed['rows_per_second']:>9,} rows/s")
    print(f"  bare COPY: {bare['rows']:>11,} rows in {bare['seconds']:>8.1f} s = {bare['rows_per_second']:>9,} rows/s")
    print(f"  ratio: {ratio:.3f} of a bare COPY of the same rows ({1 / ratio:.1f}x slower)")
    print(f"results: {OUT}")
    contribute(result)


def contribute(result: dict[str, Any]) -> None:
    """This bench's figure in ``make bench``'s report: the seed's rows/s against the bare COPY's."""
    from bench import report

    seed, bare = result["seed"], result["bare_copy"]
    rows = [
        report.row(
            f"burgerprofiel seed, {result['citizens']:,} citizens x {result['dossiers_per_citizen']} dossiers",
            seed["rows_per_second"],
            "rows/s",
            baseline=("bare COPY of the same rows", bare["rows_per_second"]),
            note=f"{seed['rows']:,} rows in {seed['seconds']} s; bare COPY {bare['seconds']} s",
        )
    ]
    report.contribute("seed", rows=rows, raw=result)


if __name__ == "__main__":
    main()
