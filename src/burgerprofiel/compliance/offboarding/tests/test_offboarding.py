"""The end of an order (charter 12.2, issue 13 item 2): delete, return, legal holds, and the key."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client

from burgerprofiel.agencies.models import Agency, ProcessingOrder
from burgerprofiel.agencies.services import processing_order_terminate
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.errors import Conflict
from burgerprofiel.compliance.offboarding import verify
from burgerprofiel.compliance.offboarding.models import LegalHold, Offboarding, ReturnBundle
from burgerprofiel.compliance.offboarding.services import (
    certificate_pdf,
    legal_hold_place,
    legal_holds_release_due,
    offboarding_run,
    offboarding_start,
)
from burgerprofiel.compliance.tests.factories import AN, BERT, agency_with_everything, populate, rows_per_holding
from burgerprofiel.conftest import TEST_ACTOR, bearer, post_form, token_with_secret
from burgerprofiel.crypto import keystore
from burgerprofiel.crypto.fields import UNREADABLE
from burgerprofiel.crypto.signing import jwks
from burgerprofiel.dossiers.models import Dossier
from burgerprofiel.payments.models import Payment

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[5]


@pytest.fixture
def two() -> tuple[Any, Any]:
    a = agency_with_everything("Agentschap Opgroeien", "0316380841")
    b = agency_with_everything("Departement Mobiliteit", "0887010362")
    populate(a.agency_id, insz=AN, tag="a")
    populate(a.agency_id, insz=BERT, tag="a2")
    populate(b.agency_id, insz=AN, tag="b")
    return a, b


def _order(onboarded: Any) -> ProcessingOrder:
    return ProcessingOrder.objects.get(pk=onboarded.order_id)


def _terminate(onboarded: Any) -> ProcessingOrder:
    order = _order(onboarded)
    processing_order_terminate(order=order, reason="einde samenwerking", actor=TEST_ACTOR)
    return order


def test_the_factory_fills_every_holding_for_both_agencies(two):
    a, b = two
    for agency in (a, b):
        empty = [label for label, count in rows_per_holding(agency.agency_id).items() if count == 0]
        assert empty == [], f"the test data misses {empty}: the deletion test would prove nothing there"


def test_delete_leaves_zero_rows_of_the_agency_in_every_model_and_the_other_intact(two):
    a, b = two
    before_b = rows_per_holding(b.agency_id)
    order = _terminate(a)
    key_id = Agency.objects.get(pk=a.agency_id).data_key_id
    offboarding = offboarding_start(order=order, mode="delete", actor=TEST_ACTOR)
    offboarding = offboarding_run(offboarding=offboarding, actor=TEST_ACTOR, batch_size=2)

    assert {label: n for label, n in rows_per_holding(a.agency_id).items() if n} == {}
    assert rows_per_holding(b.agency_id) == before_b
    assert offboarding.state == Offboarding.State.DONE
    agency = Agency.objects.get(pk=a.agency_id)
    assert agency.data_key.is_destroyed and not keystore.secret_exists(key_id)
    assert agency.dpo_name in ("", UNREADABLE)
    # the other agency still reads its data
    assert Dossier.objects.filter(agency_id=b.agency_id).get().name == "Dossier van b"
    # the certificate: counts per component, signed by the platform's key
    entry = offboarding.certificates[-1]
    certificate = entry["certificate"]
    assert certificate["final"] is True and certificate["data_key"]["destroyed_at"]
    assert certificate["deleted_per_component"]["dossiers"] >= 6
    assert certificate["deleted_per_component"]["betalingen"] == 4
    payload, _ = verify.jws_verify(entry["jws"], jwks())
    assert json.loads(payload) == certificate
    assert certificate_pdf(entry).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="offboarding.certificate_issued", agency_id=a.agency_id).exists()
    assert AuditEvent.objects.filter(action="crypto.data_key.destroy").exists()


def test_an_unterminated_order_is_refused_unless_terminated_first(two):
    a, _ = two
    with pytest.raises(Conflict):
        offboarding_start(order=_order(a), mode="delete", actor=TEST_ACTOR)
    assert Payment.objects.filter(agency_id=a.agency_id).exists()
    offboarding = offboarding_start(order=_order(a), mode="delete", actor=TEST_ACTOR, terminate=True, reason="einde")
    assert _order(a).current.state == "terminated"
    assert offboarding.mode == "delete"


def test_a_run_that_stops_is_continued_by_running_it_again(two):
    a, _ = two
    offboarding = offboarding_start(order=_terminate(a), mode="delete", actor=TEST_ACTOR)
    offboarding_run(offboarding=offboarding, actor=TEST_ACTOR, batch_size=1, stop_after_batches=5)
    offboarding.refresh_from_db()
    assert sum(offboarding.progress.values()) >= 5 and offboarding.state == Offboarding.State.PURGING
    assert any(rows_per_holding(a.agency_id).values())  # stopped halfway
    again = offboarding_start(order=_order(a), mode="delete", actor=TEST_ACTOR)  # the same run
    assert again.pk == offboarding.pk
    offboarding_run(offboarding=again, actor=TEST_ACTOR, batch_size=1)
    assert not any(rows_per_holding(a.agency_id).values())
    again.refresh_from_db()
    assert again.state == Offboarding.State.DONE
    total = sum(again.counts.values())
    assert total == sum(again.progress.values()) > 20  # counted once across both runs


def test_after_the_order_ends_the_api_refuses_the_agencys_clients(two, client: Client):
    a, _ = two
    headers = bearer(client, a)  # a token from before the end
    assert client.get("/api/v1/me", **headers).status_code == 200
    _terminate(a)
    refused = client.get("/api/v1/me", **headers)
    assert refused.status_code == 403 and refused.json()["reason"] == "order-terminated"
    assert token_with_secret(client, a).status_code == 400  # no new token either
    # ... except a token for the bundle only; with it, nothing else
    basic = {"HTTP_AUTHORIZATION": "Basic " + _basic(a)}
    token = post_form(client, {"grant_type": "client_credentials", "scope": "offboarding"}, **basic)
    assert token.status_code == 200, token.content
    only = {"HTTP_AUTHORIZATION": f"Bearer {token.json()['access_token']}"}
    assert client.get("/api/v1/me", **only).status_code == 403
    assert client.get("/api/v1/offboarding/bundle", **only).status_code == 404  # no bundle made
    # an active agency has no bundle
    assert client.get("/api/v1/offboarding/bundle", **bearer(client, two[1])).status_code == 404


def _basic(onboarded: Any) -> str:
    import base64

    return base64.b64encode(f"{onboarded.client_id}:{onboarded.client_secret}".encode()).decode()


def _offboarding_token(client: Client, onboarded: Any) -> dict[str, str]:
    response = post_form(
        client,
        {"grant_type": "client_credentials", "scope": "offboarding"},
        HTTP_AUTHORIZATION="Basic " + _basic(onboarded),
    )
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}


def test_return_bundle_verifies_is_fetched_once_and_a_tampered_file_fails(two, client: Client, tmp_path: Path):
    a, b = two
    _early_headers = bearer(client, a)
    offboarding = offboarding_start(order=_terminate(a), mode="return", actor=TEST_ACTOR)
    offboarding = offboarding_run(offboarding=offboarding, actor=TEST_ACTOR)
    assert not any(v for k, v in rows_per_holding(a.agency_id).items() if k != "agencies.ApiClient")
    headers = _offboarding_token(client, a)
    # A token without the offboarding scope (from before the end) does not fetch it.
    early = client.get("/api/v1/offboarding/bundle", **_early_headers)
    assert early.status_code == 403 and early.json()["reason"] == "insufficient-scope"
    response = client.get("/api/v1/offboarding/bundle", **headers)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    bundle_path = tmp_path / "bundle.zip"
    bundle_path.write_bytes(response.content)
    jwks_path = tmp_path / "jwks.json"
    jwks_path.write_text(json.dumps(client.get("/oauth/jwks").json()))

    # What it holds: the agency's data in clear, nothing of the other agency.
    with zipfile.ZipFile(bundle_path) as archive:
        names = set(archive.namelist())
        dossiers = [json.loads(line) for line in archive.read("data/dossiers.ndjson").splitlines()]
        everything = b"".join(archive.read(n) for n in names)
    assert {"manifest.json", "manifest.jws", "data/betalingen.ndjson"} <= names
    assert any(n.startswith("attachments/foutmeldingen/") for n in names)
    assert {d["fields"].get("name") for d in dossiers if d["model"] == "dossiers.Dossier"} == {
        "Dossier van a",
        "Dossier van a2",
    }
    assert b"Dossier van b" not in everything and b"Betaling b" not in everything

    # Verifies with the package's verifier, the CLI, and the standalone script.
    manifest = verify.bundle_verify(str(bundle_path), json.loads(jwks_path.read_text()))
    assert manifest["agency"]["kbo"] == "0316380841"
    out = io.StringIO()
    call_command("bundle", "verify", str(bundle_path), "--jwks", str(jwks_path), stdout=out)
    assert out.getvalue().startswith("OK")
    script = REPO / "scripts" / "verify_bundle.py"
    run = subprocess.run(
        [sys.executable, str(script), str(bundle_path), "--jwks", str(jwks_path)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr

    # A tampered file fails.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle_path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "data/betalingen.ndjson":
                data = data.replace(b"1234", b"9234")
            dst.writestr(name, data)
    with pytest.raises(verify.BundleInvalid, match="betalingen"):
        verify.bundle_verify(str(tampered), json.loads(jwks_path.read_text()))
    run = subprocess.run(
        [sys.executable, str(script), str(tampered), "--jwks", str(jwks_path)], capture_output=True, text=True
    )
    assert run.returncode == 1 and "NOT VALID" in run.stdout

    # Once only: the second fetch is 410 problem+json; the content and its key are gone.
    second = client.get("/api/v1/offboarding/bundle", **headers)
    assert second.status_code == 410 and second["Content-Type"].startswith("application/problem+json")
    bundle = ReturnBundle.objects.get(offboarding=offboarding)
    assert bundle.content is None and not keystore.secret_exists(bundle.key_id)
    assert AuditEvent.objects.filter(action="offboarding.bundle_downloaded").count() == 1
    assert AuditEvent.objects.filter(action="offboarding.bundle_refused").count() == 1
    # The other agency is untouched.
    assert Dossier.objects.filter(agency_id=b.agency_id).count() == 1


def test_the_script_is_the_packaged_verifier():
    assert (REPO / "scripts" / "verify_bundle.py").read_bytes() == Path(verify.__file__).read_bytes()


def test_a_legal_hold_keeps_its_record_until_it_ends_then_the_purge_finishes(two):
    a, b = two
    payment = Payment.objects.filter(agency_id=a.agency_id).order_by("pk").first()
    description = payment.description
    hold = legal_hold_place(
        agency=Agency.objects.get(pk=a.agency_id),
        model="payments.Payment",
        object_id=str(payment.pk),
        reason="Boekhoudwet: 7 jaar bewaren",
        until=dt.date.today() + dt.timedelta(days=30),
        actor=TEST_ACTOR,
    )
    offboarding = offboarding_start(order=_terminate(a), mode="delete", actor=TEST_ACTOR)
    offboarding = offboarding_run(offboarding=offboarding, actor=TEST_ACTOR)
    assert offboarding.state == Offboarding.State.HELD
    left = {label: n for label, n in rows_per_holding(a.agency_id).items() if n}
    assert left == {"payments.Payment": 1, "payments.Refund": 1}  # the held payment and what hangs on it
    assert Payment.objects.get(pk=payment.pk).description == description  # still readable: key kept
    assert not Agency.objects.get(pk=a.agency_id).data_key.is_destroyed
    assert offboarding.certificates[-1]["certificate"]["final"] is False
    assert offboarding.certificates[-1]["certificate"]["kept_under_legal_hold"]["holds"][0]["reason"].startswith(
        "Boekhoudwet"
    )
    # Before the end date nothing changes; after it, the record goes, the key too, a final certificate.
    assert legal_holds_release_due(actor=TEST_ACTOR) == 0
    assert legal_holds_release_due(actor=TEST_ACTOR, on=hold.until + dt.timedelta(days=1)) == 1
    offboarding.refresh_from_db()
    assert offboarding.state == Offboarding.State.DONE
    assert not any(rows_per_holding(a.agency_id).values())
    assert Agency.objects.get(pk=a.agency_id).data_key.is_destroyed
    assert [c["certificate"]["final"] for c in offboarding.certificates] == [False, True]
    assert LegalHold.objects.get(pk=hold.pk).released_at is not None
    assert AuditEvent.objects.filter(action="offboarding.legal_hold_placed").count() == 1
    assert AuditEvent.objects.filter(action="offboarding.legal_hold_released").count() == 1
    assert Payment.objects.filter(agency_id=b.agency_id).count() == 1


def test_cli_offboard_delete_with_progress_and_certificate(two, tmp_path: Path):
    a, _ = two
    _terminate(a)
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "agency",
        "offboard",
        "--order",
        str(a.order_id),
        "--mode",
        "delete",
        "--yes",
        "--certificate",
        str(tmp_path / "attest"),
        stdout=out,
        stderr=err,
    )
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["state"] == "done" and result["key_destroyed"] is True
    assert "wissen [" in err.getvalue() and "100.0%" in err.getvalue()
    assert json.loads((tmp_path / "attest.json").read_text())["certificate"]["final"] is True
    assert (tmp_path / "attest.pdf").read_bytes().startswith(b"%PDF")
    assert not any(rows_per_holding(a.agency_id).values())


def _platform(database: Path | str, script: str) -> str:
    """``burgerprofiel shell -c`` against an SQLite file (or a database URL), with this session's
    secrets and key store."""
    env = {
        **os.environ,
        "BURGERPROFIEL_PROFILE": "test",
        "DATABASE_URL": database if isinstance(database, str) else f"sqlite:///{database}",
        "LOG_LEVEL": "WARNING",
        "KEY_ENCRYPTION_KEYS": settings.KEY_ENCRYPTION_KEYS,
        "BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
        "KEY_STORE_DIR": str(settings.KEY_STORE_DIR),
    }
    executable = shutil.which("burgerprofiel", path=str(Path(sys.executable).parent)) or "burgerprofiel"
    args = ["migrate", "--no-input"] if script == "migrate" else ["shell", "-c", script]
    run = subprocess.run([executable, *args], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


SETUP = """
import json
from burgerprofiel.agencies.models import ContactPerson
from burgerprofiel.agencies.services import agency_onboard
from burgerprofiel.audit.actors import Actor
actor = Actor(kind="staff", id="drill")
ids = {}
for tag, name, kbo in (("a", "Agentschap Opgroeien", "0316380841"), ("b", "Departement Mobiliteit", "0887010362")):
    onboarded = agency_onboard(name=name, kbo=kbo, components=["notificaties"], actor=actor)
    person = ContactPerson.objects.create(agency=onboarded.agency, name=tag, email=f"{tag}@example.be", role="x")
    ids[tag] = {"order": onboarded.order_version.order_id, "person": person.pk}
print(json.dumps(ids))
"""
DELETE = """
from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.audit.actors import Actor
from burgerprofiel.compliance.offboarding.services import offboarding_run, offboarding_start
actor = Actor(kind="staff", id="drill")
run = offboarding_start(order=ProcessingOrder.objects.get(pk={order}), mode="delete", actor=actor, terminate=True,
                        reason="einde")
print(offboarding_run(offboarding=run, actor=actor).state)
"""
READ = """
import json
from burgerprofiel.agencies.models import ContactPerson
from burgerprofiel.crypto.fields import UNREADABLE
def shown(pk):
    person = ContactPerson.objects.filter(pk=pk).first()
    if person is None:
        return "deleted"
    return None if person.email is UNREADABLE else person.email
print(json.dumps({{"a": shown({a}), "b": shown({b})}}))
"""


def test_a_copy_of_the_sqlite_file_made_before_deletion_cannot_decrypt_that_agency(tmp_path: Path):
    """The backup test of issue 13: copy the SQLite file, delete agency A, restore the copy with the
    same settings (same KEK, same key store): A's encrypted fields do not decrypt, B's do."""
    live, backup = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    _platform(live, "migrate")
    ids = json.loads(_platform(live, SETUP).strip().splitlines()[-1])
    read = READ.format(a=ids["a"]["person"], b=ids["b"]["person"])
    assert json.loads(_platform(live, read).strip().splitlines()[-1]) == {"a": "a@example.be", "b": "b@example.be"}
    shutil.copy(live, backup)  # the backup, taken before the deletion (no process writes meanwhile)

    assert _platform(live, DELETE.format(order=ids["a"]["order"])).strip().endswith("done")
    assert json.loads(_platform(live, read).strip().splitlines()[-1]) == {"a": "deleted", "b": "b@example.be"}

    shutil.copy(backup, live)  # restore the copy, same configuration: A's row is back, its key is not
    assert json.loads(_platform(live, read).strip().splitlines()[-1]) == {"a": None, "b": "b@example.be"}


def test_a_pg_dump_made_before_deletion_restored_cannot_decrypt_that_agency(tmp_path: Path):
    """The same drill on PostgreSQL with the operator's tools: ``pg_dump`` before deleting agency A,
    ``pg_restore`` into a new database, open it with the same settings: A unreadable, B readable."""
    if connection.vendor != "postgresql" or not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("a pg_dump drill: PostgreSQL with postgresql-client")
    params = connection.settings_dict
    server = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
    live_name, restore_name = f"{params['NAME']}_drill_live", f"{params['NAME']}_drill_restore"
    live, restored = f"{server}/{live_name}", f"{server}/{restore_name}"

    def psql(sql: str) -> None:
        subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True, capture_output=True, timeout=60)

    for name in (live_name, restore_name):
        psql(f'DROP DATABASE IF EXISTS "{name}"')
    psql(f'CREATE DATABASE "{live_name}"')
    try:
        _platform(live, "migrate")
        ids = json.loads(_platform(live, SETUP).strip().splitlines()[-1])
        read = READ.format(a=ids["a"]["person"], b=ids["b"]["person"])
        assert json.loads(_platform(live, read).strip().splitlines()[-1]) == {"a": "a@example.be", "b": "b@example.be"}
        dump = tmp_path / "backup.dump"
        subprocess.run(["pg_dump", "-Fc", "-f", str(dump), live], check=True, capture_output=True, timeout=120)

        assert _platform(live, DELETE.format(order=ids["a"]["order"])).strip().endswith("done")
        assert json.loads(_platform(live, read).strip().splitlines()[-1]) == {"a": "deleted", "b": "b@example.be"}

        psql(f'CREATE DATABASE "{restore_name}"')
        subprocess.run(
            ["pg_restore", "--no-owner", "-d", restored, str(dump)], check=True, capture_output=True, timeout=120
        )
        assert json.loads(_platform(restored, read).strip().splitlines()[-1]) == {"a": None, "b": "b@example.be"}
    finally:
        for name in (live_name, restore_name):
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
