"""``python -m bench.sizing``: rows, table and index sizes for Flanders, from a seeded sample (PostgreSQL).

A throwaway database ``<name>_sizing`` (next to ``BENCH_DATABASE_URL``) is filled through the platform's
own code paths, so every row has its real width (ciphertexts, hashes, JSON, indexes): ``--citizens``
citizens with a data key, contact preferences and consents; ten dossiers each, uploaded in NDJSON bulk
and filed, each then updated three times (four statuses, as an active dossier gathers them); meldingen
delivered by e-mail to a real SMTP sink (with their signed receipts); portal page views (audit events).
Then, per table (partitions summed), the bytes per row of the table (heap and TOAST) and of its indexes
are measured and multiplied by the rows a Flemish profile gives (``PROFILE``: rows per citizen) for
6.8 million citizens. The profile is an assumption, printed with the figures; the bytes per row are
measured after ``VACUUM FULL`` (live data, no free space). ``QUICK=1`` seeds a small sample. Results:
standard output (a markdown table for docs/operations.md), ``var/bench/sizing.json`` and ``make bench``'s
report.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.databases import BenchError, throwaway_postgres
from bench.dosis_ingest import BRON, configure, onboard
from bench.notifications import PRODUCT, SinkProcess, citizens_bulk
from bench.report import quick_run

BASE_DIR = Path(os.environ.get("BURGERPROFIEL_BASE_DIR", Path.cwd())).resolve()
OUT = BASE_DIR / "var" / "bench" / "sizing.json"
FLANDERS = 6_800_000
DOSSIERS = 10  # per citizen (issue 14's assumption)
STATUSES = 4  # per dossier: the upload that created it and three changes
# Rows per citizen in Flanders, for one year of use. Assumptions (say so when quoting the figures):
# 60% of citizens set contact preferences, 2 consents each; 12 meldingen a year, 1.2 deliveries each
# (e-mail, sometimes SMS); 150 audit events a citizen a year (24 logins x 5 audited page views, plus the
# agencies' acts on their data); 10 dossiers with 4 statuses, one owner row each, one outbox row per
# status and one upload result per status.
PROFILE: dict[str, float] = {
    "citizens_citizen": 1,
    "crypto_datakey": 1,
    "preferences_contactpreference": 0.6,
    "preferences_consent": 1.2,
    "preferences_consentevent": 1.2,
    "dossiers_dossier": DOSSIERS,
    "dossiers_dossierowner": DOSSIERS,
    "dossiers_dossierstatus": DOSSIERS * STATUSES,
    "dossiers_dossierstatuschange": DOSSIERS * STATUSES,
    "dossiers_dossierupload": DOSSIERS * STATUSES,
    "notifications_notification": 12,
    "notifications_delivery": 12 * 1.2,
    "notifications_deliveryreceipt": 12 * 1.2,
    "audit_auditevent": 150,
    "audit_auditleaf": 150,
}


def progress(message: str) -> None:
    print(f"[sizing] {message}", file=sys.stderr, flush=True)


def _upload(insz: str, number: str, version: int) -> str:
    return json.dumps(
        {
            "Identificatie": {"Bron": BRON, "DossierNummer": number},
            "UploadId": f"{number}-v{version}",
            "Naam": f"Aanvraag omgevingsvergunning {number} voor een verbouwing",
            "WijzigingsDatum": f"2026-{1 + version * 3:02d}-02T09:30:00+01:00",
            "Status": {
                "VlaamsCode": ["Ontvangen", "In behandeling", "Beslissing genomen", "Afgehandeld"][version],
                "VlaamsFase": ["Samenstelling", "Behandeling", "Beslissing", "Uitvoering"][version],
                "Detail1": "Uw aanvraag wordt nagekeken door de dossierbehandelaar.",
                "Actie": {"ActieNodig": version == 1, "Actie": "Bezorg ons het attest." if version == 1 else ""},
            },
            "Doorverwijzing": f"https://loket.example/dossiers/{number}",
            "TypeDossierCode": "OMGEVINGSVERGUNNING",
            "Producten": [{"Id": "1502"}],
            "DossierBeheerder": {
                "Naam": "Els Maes",
                "Dienst": "Team Omgeving",
                "Telefoon": "+32 2 553 11 11",
                "Email": "els.maes@example.org",
                "Website": "https://example.org",
                "Adres": {
                    "Straat": "Koningin Maria Hendrikaplein",
                    "Nummer": "70",
                    "Postcode": "9000",
                    "Gemeente": "Gent",
                },
            },
            "Agenten": [{"Identificatie": insz, "Toegangsrechten": [{"Code": "Raadpleger"}]}],
        }
    )


def seed(citizens: int, token: str) -> None:
    from django.test import Client

    from burgerprofiel.agencies.models import Agency
    from burgerprofiel.audit.actors import Actor
    from burgerprofiel.audit.services import audit_seal_all
    from burgerprofiel.citizens.insz import insz_index
    from burgerprofiel.citizens.models import Citizen
    from burgerprofiel.dossiers.services import dosis_queue_drain
    from burgerprofiel.notifications.services import NotificationInput, notifications_bulk_create

    agency = Agency.objects.get()
    progress(f"{citizens} citizens with contact preferences and consent")
    inszs = citizens_bulk(agency.pk, 0, citizens)
    client = Client()
    headers = {"Authorization": f"Bearer {token}"}
    for version in range(STATUSES):
        progress(f"dossier statuses, round {version + 1} of {STATUSES}: {citizens * DOSSIERS} uploads")
        lines = [_upload(insz, f"D-{i}-{d}", version) for i, insz in enumerate(inszs) for d in range(DOSSIERS)]
        for offset in range(0, len(lines), 10_000):
            body = "\n".join(lines[offset : offset + 10_000])
            answer = client.post(
                "/api/v2/dosis/dossiers/bulk", body, content_type="application/x-ndjson", headers=headers
            )
            if answer.status_code != 200:
                raise BenchError(f"bulk upload answered {answer.status_code}: {answer.content[:300]!r}")
        while dosis_queue_drain():  # the worker's loop, in this process
            pass
    progress(f"meldingen: {citizens} x 12, delivered to the SMTP sink")
    for round_ in range(12):
        notifications_bulk_create(
            agency=agency,
            items=[NotificationInput(insz=i, message=f"Uw aanvraag {round_} is in behandeling genomen.",
                                     ipdc_product=PRODUCT) for i in inszs],
            actor=Actor(kind="system", id="bench"),
        )  # fmt: skip
    progress("portal page views (audit events)")
    from django.conf import settings

    from bench.mixed_load import sessions_for

    ids = list(Citizen.objects.filter(insz_index__in=[insz_index(i) for i in inszs]).values_list("pk", flat=True))
    for key in sessions_for(ids):
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        for path in ("/", "/mijn-dossiers/", "/meldingen"):
            if client.get(path).status_code != 200:
                raise BenchError(f"GET {path} did not answer 200")
    audit_seal_all()


# A plain table is its own tree; a partitioned one is the sum of its partitions (the parent holds nothing).
SIZES = """
SELECT coalesce(sum(pg_table_size(r)), 0), coalesce(sum(pg_indexes_size(r)), 0)
FROM (SELECT relid AS r FROM pg_partition_tree(%s::regclass) UNION SELECT %s::regclass) AS tree
"""


def measure() -> list[dict[str, Any]]:
    from django.db import connection

    rows = []
    with connection.cursor() as cursor:
        # Compact first: the sample was written in bursts (four statuses back to back, payloads dropped
        # right after filing), which leaves more dead space than a steady state would. The live size is
        # measured; docs/operations.md adds headroom for the free space a running database keeps.
        cursor.execute("VACUUM FULL ANALYZE")
        for table, per_citizen in PROFILE.items():
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - our table names
            count = int(cursor.fetchone()[0])
            cursor.execute(SIZES, [table, table])
            table_bytes, index_bytes = (int(v) for v in cursor.fetchone())
            if count == 0:
                continue
            flanders_rows = per_citizen * FLANDERS
            rows.append(
                {
                    "table": table,
                    "sample_rows": count,
                    "table_bytes_per_row": table_bytes / count,
                    "index_bytes_per_row": index_bytes / count,
                    "rows_per_citizen": per_citizen,
                    "flanders_rows": flanders_rows,
                    "flanders_table_gb": flanders_rows * table_bytes / count / 1e9,
                    "flanders_index_gb": flanders_rows * index_bytes / count / 1e9,
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    quick = quick_run()
    parser = argparse.ArgumentParser(prog="python -m bench.sizing", description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=60 if quick else 1_000, help="citizens in the sample")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/burgerprofiel")
    sink = SinkProcess()
    started = time.perf_counter()
    try:
        with throwaway_postgres(url, "sizing") as db_url:
            os.environ["NOTIFICATIONS_SMTP_PORT"] = str(sink.port)
            configure(db_url)
            token = onboard(components=["dosis", "notificaties"])
            seed(args.citizens, token)
            rows = measure()
    finally:
        sink.stop()
    total_table = sum(r["flanders_table_gb"] for r in rows)
    total_index = sum(r["flanders_index_gb"] for r in rows)
    result = {
        "sample_citizens": args.citizens,
        "flanders_citizens": FLANDERS,
        "profile": PROFILE,
        "tables": rows,
        "flanders_table_gb": round(total_table, 1),
        "flanders_index_gb": round(total_index, 1),
        "seconds": round(time.perf_counter() - started),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print(f"sizing for {FLANDERS:,} citizens, from a sample of {args.citizens:,} seeded through the platform's code")
    print()
    print("| table | rows per citizen (assumed) | bytes/row: table | bytes/row: indexes | rows | table | indexes |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['table']} | {r['rows_per_citizen']:g} | {r['table_bytes_per_row']:,.0f} | "
            f"{r['index_bytes_per_row']:,.0f} | {r['flanders_rows'] / 1e6:,.1f} M | {r['flanders_table_gb']:,.1f} GB | "
            f"{r['flanders_index_gb']:,.1f} GB |"
        )
    print(f"| **total** | | | | | **{total_table:,.0f} GB** | **{total_index:,.0f} GB** |")
    print(f"results: {OUT}")
    from bench import report

    report.contribute(
        "sizing",
        rows=[
            report.row(f"Flanders ({FLANDERS / 1e6:.1f} M citizens, one year): tables", total_table, "GB"),
            report.row(f"Flanders ({FLANDERS / 1e6:.1f} M citizens, one year): indexes", total_index, "GB"),
        ],
        raw=result,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
