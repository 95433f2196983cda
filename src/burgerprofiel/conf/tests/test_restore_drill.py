"""The restore drill of docs/operations.md, run by the suite: seed, ``pg_dump``, restore into a new
database, and the platform reads the restored data with the same key-encryption keys; ``audit verify``
passes there. The dump carries the data keys only wrapped, never a key-encryption key, so without the
KEKs (kept apart from the backups) the restored personal data cannot be read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client

from burgerprofiel.agencies.models import Agency
from burgerprofiel.audit.services import audit_seal_all
from burgerprofiel.conftest import TEST_ACTOR, make_agency
from burgerprofiel.dossiers.models import Dossier
from burgerprofiel.dossiers.services import dosis_source_register
from burgerprofiel.dossiers.tests.conftest import BRON, PARENT_1, full_payload
from burgerprofiel.notifications.tests.factories import citizen_with_contact

NAME = "Aanvraag kinderbijslag voor Lotte Peeters (hersteldrill)"
EMAIL = "lotte.hersteld@example.org"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(PG_BIN)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def _url(name: str) -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


@pytest.fixture
def restored_name() -> Iterator[str]:
    name = connection.settings_dict["NAME"].removeprefix("test_") + "_restored"

    def admin(sql: str) -> None:
        with psycopg.connect(_url("postgres"), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    yield name
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _platform(database: str, script: str, *, keks: str | None = None) -> subprocess.CompletedProcess[str]:
    """``burgerprofiel shell -c`` against ``database``, with this checkout's secrets (or other KEKs)."""
    env = {**os.environ, "BURGERPROFIEL_PROFILE": "test", "DATABASE_URL": _url(database), "LOG_LEVEL": "WARNING"}
    env["KEY_ENCRYPTION_KEYS"] = keks or settings.KEY_ENCRYPTION_KEYS
    env["BLIND_INDEX_KEY"] = settings.BLIND_INDEX_KEY
    executable = shutil.which("burgerprofiel", path=str(Path(sys.executable).parent)) or "burgerprofiel"
    return subprocess.run(
        [executable, "shell", "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )


READ_BACK = """
import json
from burgerprofiel.audit.services import audit_verify
from burgerprofiel.citizens.selectors import citizen_by_insz
from burgerprofiel.dossiers.models import Dossier
from burgerprofiel.preferences.models import ContactPreference
citizen = citizen_by_insz(insz="{insz}")
report = audit_verify()
print(json.dumps({{
    "dossier": Dossier.objects.get().name,
    "email": ContactPreference.objects.get(citizen=citizen).email,
    "verify_ok": report.ok, "events": report.events_checked, "problems": report.problems,
}}))
"""


@pytest.mark.django_db(transaction=True)
def test_a_dump_restored_into_a_new_database_is_read_with_the_same_keks_and_its_audit_log_verifies(
    client: Client, restored_name: str, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the restore drill is PostgreSQL's (pg_dump and pg_restore)")
    agency = make_agency()
    dosis_source_register(agency=Agency.objects.get(pk=agency.agency_id), uri=BRON, actor=TEST_ACTOR)
    from burgerprofiel.conftest import bearer

    headers = bearer(client, agency)
    response = client.post(
        "/api/v2/dosis/dossiers", json.dumps(full_payload(Naam=NAME)), content_type="application/json", **headers
    )
    assert response.status_code == 200
    assert Dossier.objects.get().name == NAME
    citizen_with_contact(insz=PARENT_1, email=EMAIL)
    audit_seal_all()

    dump = tmp_path / "burgerprofiel.dump"
    source = connection.settings_dict["NAME"]
    connections.close_all()
    # As docs/operations.md says, uncompressed here only so that the test can read what is in it.
    subprocess.run([_tool("pg_dump"), "-Fc", "-Z0", "-d", _url(source), "-f", str(dump)], check=True, timeout=120)
    subprocess.run(
        [_tool("pg_restore"), "--exit-on-error", "--no-owner", "-d", _url(restored_name), str(dump)],
        check=True,
        timeout=120,
    )

    restored = _platform(restored_name, READ_BACK.format(insz=PARENT_1))
    assert restored.returncode == 0, restored.stderr[-3000:]
    read = json.loads(restored.stdout.strip().splitlines()[-1])
    assert (read["dossier"], read["email"]) == (NAME, EMAIL)
    assert read["verify_ok"], read["problems"]
    assert read["events"] > 0

    content = dump.read_bytes()
    assert NAME.encode() not in content and EMAIL.encode() not in content  # encrypted at rest, in the dump too
    for kek in settings.KEY_ENCRYPTION_KEYS.split(","):
        assert kek.split(":", 1)[1].encode() not in content  # no key-encryption key travels with a dump

    kek_id = settings.KEY_ENCRYPTION_KEYS.split(",")[0].split(":", 1)[0]
    other_keks = f"{kek_id}:{'A' * 43}"  # the same id, 32 other bytes: a guessed key opens nothing
    without = _platform(restored_name, READ_BACK.format(insz=PARENT_1), keks=other_keks)
    assert without.returncode != 0
    # The wrapped data key does not open, and says so (crypto.services.KeyUnwrapError, not a bare InvalidTag).
    assert "KeyUnwrapError" in without.stderr and "does not unwrap" in without.stderr, without.stderr[-2000:]
    assert NAME not in without.stdout and EMAIL not in without.stdout
