"""``python -m bench.seal_micro``: the CPU cost of sealing one encrypted value and of reading one row
with two encrypted fields as the ORM does (``from_db_value``, then ``Model.from_db``), in this tree.

No database is touched: a data key is put in the key cache. CPU time of this process (best of 5),
so the figure holds on a shared, loaded machine where wall-clock benches do not. Runs on trees
before row binding (issue 11 item 12e) as well, to compare: there values are sealed without a row.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "burgerprofiel.conf.settings")

import django

django.setup()

from django.db import connection  # noqa: E402 - after django.setup()

from burgerprofiel.crypto import fields, services  # noqa: E402
from burgerprofiel.dossiers.models import DossierStatus  # noqa: E402

N = 20_000


def _best(fn: Callable[[], Any], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    key = uuid.uuid4()
    services._cache[key] = (os.urandom(32), time.monotonic() + 3600)
    bound = hasattr(fields.Sealer, "seal_row")
    sealer: Any = fields.Sealer(key, "dossiers_dossierstatus.detail")
    seal_ids = [uuid.uuid4() for _ in range(N)]
    text = b"Uw aanvraag wordt nagekeken door dossierbehandelaar Els Maes."
    if bound:
        seal = _best(lambda: [sealer.seal_row(text, s) for s in seal_ids])
    else:
        seal = _best(lambda: [sealer.seal(text) for _ in seal_ids])

    detail = fields.encrypted_field(DossierStatus, "detail")
    action = fields.encrypted_field(DossierStatus, "action_text")
    names = [f.attname for f in DossierStatus._meta.concrete_fields]
    now = dt.datetime.now(dt.UTC)
    context = {"agency.data_key_id": key}
    rows = []
    for i, seal_id in enumerate(seal_ids):
        extra: dict[str, Any] = {"row_id": seal_id} if bound else {}
        row: dict[str, Any] = dict.fromkeys(names)
        row.update(
            id=i,
            dossier_id=1,
            agency_id=1,
            phase="behandeling",
            code="x",
            action_needed=False,
            modified_at=now,
            content_hash="h",
            created_at=now,
            detail=detail.stored("Uw aanvraag wordt nagekeken.", row=context, **extra),
            action_text=action.stored("Bezorg ons het attest.", row=context, **extra),
        )
        if bound:
            row["seal_id"] = seal_id
        rows.append([row[n] for n in names])
    at_detail, at_action = names.index("detail"), names.index("action_text")

    def read() -> list[DossierStatus]:
        out = []
        for stored in rows:
            values = list(stored)
            values[at_detail] = detail.from_db_value(values[at_detail], None, connection)
            values[at_action] = action.from_db_value(values[at_action], None, connection)
            out.append(DossierStatus.from_db("default", names, values))
        return out

    first = read()[0]
    if (first.detail, first.action_text) != ("Uw aanvraag wordt nagekeken.", "Bezorg ons het attest."):
        raise SystemExit("read back wrong")
    print(f"seal one value ({'bp3, bound to its row' if bound else 'bp2'}): {seal / N * 1e6:.2f} us")
    print(f"read one DossierStatus (2 encrypted fields): {_best(read) / N * 1e6:.2f} us")


if __name__ == "__main__":
    main()
