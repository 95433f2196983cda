"""Portal reads go to the read replica; writes, the order check, transactions and a citizen's reads after
their own write stay on the primary (``common.replica``).

Two real PostgreSQL databases on the test server: the test database is the primary, and a copy of it
(``CREATE DATABASE ... TEMPLATE``) plays the replica. The test keeps it in sync by copying again
(``sync``); whatever the primary writes after a copy is the replica's lag, which is what the rules must
survive. The replica is opened read-only, as the settings open it.
"""

from __future__ import annotations

import contextlib
import copy
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.utils import load_backend
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from burgerprofiel.agencies.models import Agency, ProcessingOrder
from burgerprofiel.agencies.services import processing_order_suspend
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common import replica
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, login_citizen, make_agency
from burgerprofiel.dossiers.models import Dossier
from burgerprofiel.dossiers.tests.conftest import BRON, PARENT_1, full_payload
from burgerprofiel.notifications.models import Notification
from burgerprofiel.notifications.services import notification_create
from burgerprofiel.notifications.tests.factories import PRODUCT
from burgerprofiel.personal_data.devpeers import Spec
from burgerprofiel.personal_data.tests.factories import register

transactional = pytest.mark.django_db(transaction=True)  # the replica is a copy of what the primary committed

Sync = Callable[[], None]


@pytest.fixture
def replica_db() -> Iterator[Sync]:
    """A second database playing the replica, configured as the settings configure DATABASE_REPLICA_URL."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a second PostgreSQL database plays the read replica")
    primary = connections.settings[DEFAULT_DB_ALIAS]
    name = primary["NAME"].removeprefix("test_") + "_replica"
    admin_url = f"postgres://{primary['USER'] or 'postgres'}@{primary['HOST'] or '127.0.0.1'}:{primary['PORT'] or 5432}"

    def admin(sql: str) -> None:
        with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def sync() -> None:
        """Copy the primary as it is now: what it writes afterwards, the replica has not seen yet."""
        connections.close_all()
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        try:
            admin(f'CREATE DATABASE "{name}" TEMPLATE "{primary["NAME"]}"')  # a file copy: fast
        except psycopg.errors.ObjectInUse:
            # Another session holds the test database (a process of an earlier test still ending): copy
            # through pg_dump instead, which needs nobody to leave.
            admin(f'CREATE DATABASE "{name}"')
            dump = subprocess.run(
                [_pg_tool("pg_dump"), "-Fc", "-Z0", "-d", f"{admin_url}/{primary['NAME']}"],
                check=True,
                capture_output=True,
                timeout=120,
            ).stdout
            subprocess.run(
                [_pg_tool("pg_restore"), "--exit-on-error", "--no-owner", "-d", f"{admin_url}/{name}"],
                input=dump,
                check=True,
                capture_output=True,
                timeout=120,
            )

    settings_dict = copy.deepcopy(primary)
    settings_dict["NAME"] = name
    settings_dict["OPTIONS"] = {**settings_dict.get("OPTIONS", {}), "options": "-c default_transaction_read_only=on"}
    sync()
    # Configured as DATABASE_REPLICA_URL configures it; the connection is made here, in this thread (the
    # test client's), because the test runner allows only the databases it set up itself.
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, replica.REPLICA)
    connections[replica.REPLICA] = wrapper
    with override_settings(DATABASES={**settings.DATABASES, replica.REPLICA: settings_dict}):
        try:
            yield sync
        finally:
            wrapper.close()
            del connections[replica.REPLICA]
            admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_tool(name: str) -> str:
    return shutil.which(name, path="/usr/lib/postgresql/15/bin") or shutil.which(name) or name


def _upload(client: Client, headers: dict[str, str], number: str, name: str) -> None:
    payload = full_payload(Identificatie={"Bron": BRON, "DossierNummer": number}, UploadId=number, Naam=name)
    response = client.post("/api/v2/dosis/dossiers", json.dumps(payload), content_type="application/json", **headers)
    assert response.status_code == 200, response.content


@pytest.fixture
def dossier_headers(client: Client, agency: OnboardedAgency) -> dict[str, str]:
    from burgerprofiel.conftest import bearer
    from burgerprofiel.dossiers.services import dosis_source_register

    dosis_source_register(agency=Agency.objects.get(pk=agency.agency_id), uri=BRON, actor=TEST_ACTOR)
    return bearer(client, agency)


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]


@transactional
def test_the_dossier_list_is_read_from_the_replica_and_its_audit_event_written_on_the_primary(
    client: Client, dossier_headers: dict[str, str], replica_db: Sync
) -> None:
    _upload(client, dossier_headers, "R-1", "Al gerepliceerd dossier")
    replica_db()
    _upload(client, dossier_headers, "R-2", "Nog niet gerepliceerd dossier")  # the replica lags behind this one
    login_citizen(client, PARENT_1)

    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        page = client.get("/mijn-dossiers/").content.decode()

    assert "Al gerepliceerd dossier" in page
    assert "Nog niet gerepliceerd dossier" not in page  # read where the lag shows: the replica
    assert any('"dossiers_dossier"' in q["sql"] for q in on_replica.captured_queries)
    assert _writes(on_replica) == []
    assert AuditEvent.objects.using(DEFAULT_DB_ALIAS).filter(action="dossier.list_viewed").count() == 1
    assert AuditEvent.objects.using(replica.REPLICA).filter(action="dossier.list_viewed").count() == 0


@transactional
def test_the_agency_api_never_reads_from_the_replica(
    client: Client, dossier_headers: dict[str, str], replica_db: Sync
) -> None:
    _upload(client, dossier_headers, "R-1", "Dossier")
    replica_db()

    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        response = client.get("/api/v1/dosis/resultaten", {"bron": BRON, "dossierNummer": "R-1"}, **dossier_headers)

    assert response.status_code == 200, response.content
    assert on_replica.captured_queries == []


@transactional
def test_a_citizens_own_write_is_read_back_from_the_primary_in_the_same_request_and_just_after(
    client: Client, agency: OnboardedAgency, replica_db: Sync
) -> None:
    citizen = login_citizen(client, PARENT_1)
    melding = notification_create(
        agency=Agency.objects.get(pk=agency.agency_id),
        insz=PARENT_1,
        message="Uw aanvraag is goedgekeurd.",
        ipdc_product=PRODUCT,
        actor=TEST_ACTOR,
    )
    replica_db()  # the replica knows the melding as unread

    opened = client.get(f"/meldingen/{melding.pk}")  # opening marks it read (a write), then renders the header

    assert opened.status_code == 200
    assert Notification.objects.using(DEFAULT_DB_ALIAS).get(pk=melding.pk).read_at is not None
    assert Notification.objects.using(replica.REPLICA).get(pk=melding.pk).read_at is None  # lagging
    assert 'class="badge"' not in opened.content.decode()  # the header's unread count came from the primary
    assert replica.PIN_COOKIE in opened.cookies
    listed = client.get("/meldingen").content.decode()  # the next request still reads the primary
    assert "U hebt geen ongelezen meldingen." in listed
    client.cookies.pop(replica.PIN_COOKIE)
    unpinned = client.get("/meldingen").content.decode()
    assert "U hebt 1 ongelezen melding." in unpinned  # the proof that the pin, not luck, read the primary
    assert Notification.objects.filter(citizen=citizen).count() == 1


@transactional
def test_the_order_check_reads_the_primary_so_a_suspension_counts_although_the_replica_lags(
    client: Client, demo: Any, replica_db: Sync
) -> None:
    agency = make_agency(components="uw_gegevens,attesten")
    server = demo({"gezin": Spec("uw_gegevens", "U en uw gezin")})
    register(server, "gezin", agency.agency_id)
    login_citizen(client, PARENT_1)
    replica_db()
    assert "Gezinssamenstelling" in client.get("/uw-gegevens").content.decode()
    cache.clear()  # forget the answer kept from that visit: the next one asks the source again

    processing_order_suspend(
        order=ProcessingOrder.objects.get(pk=agency.order_id), reason="Rechtsgrond in herziening", actor=TEST_ACTOR
    )
    with CaptureQueriesContext(connections[replica.REPLICA]) as on_replica:
        page = client.get("/uw-gegevens").content.decode()

    assert "Gezinssamenstelling" not in page
    assert not any("agencies_processingorder" in q["sql"] for q in on_replica.captured_queries)  # the order check
    assert AuditEvent.objects.using(DEFAULT_DB_ALIAS).filter(action="order_check.refused").exists()


@transactional
def test_reads_inside_a_transaction_stay_on_the_primary(replica_db: Sync) -> None:
    router = replica.ReplicaRouter()
    with _portal_request():
        assert router.db_for_read(Dossier) == replica.REPLICA
        assert router.db_for_read(ProcessingOrder) == DEFAULT_DB_ALIAS  # not a portal table
        with transaction.atomic():
            assert router.db_for_read(Dossier) == DEFAULT_DB_ALIAS
        assert router.db_for_write(Dossier) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Dossier) == DEFAULT_DB_ALIAS  # no portal request: the primary


def test_without_a_replica_the_router_leaves_every_choice_to_django() -> None:
    router = replica.ReplicaRouter()
    with _portal_request():
        assert router.db_for_read(Dossier) is None
        assert router.db_for_write(Dossier) is None


def test_a_statement_writing_only_audit_events_or_the_session_is_not_the_citizens_write() -> None:
    assert not replica._citizens_write('INSERT INTO "audit_auditevent" ("occurred_at") VALUES (%s)')
    assert not replica._citizens_write('UPDATE "django_session" SET "expire_date" = %s')
    assert not replica._citizens_write('SELECT "dossiers_dossier"."id" FROM "dossiers_dossier"')
    assert replica._citizens_write('UPDATE "notifications_notification" SET "read_at" = %s')
    assert replica._citizens_write("WITH moved AS (DELETE FROM x RETURNING *) SELECT 1")


@contextlib.contextmanager
def _portal_request() -> Iterator[None]:
    token = replica._reads.set(replica._RequestReads())
    try:
        yield
    finally:
        replica._reads.reset(token)


def test_database_replica_url_configures_a_read_only_replica_that_tests_mirror_to_the_primary(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "BURGERPROFIEL_PROFILE": "test",
        "BURGERPROFIEL_BASE_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://app@db.example:5432/burgerprofiel",
        "DATABASE_REPLICA_URL": "postgres://app@replica.example:5432/burgerprofiel",
        "DJANGO_SETTINGS_MODULE": "burgerprofiel.conf.settings",
    }
    script = (  # the settings module alone: no app loading, no database
        "import json; from burgerprofiel.conf import settings as s; r = s.DATABASES['replica']; "
        "print(json.dumps([r['HOST'], r['OPTIONS'], r['TEST'], s.DATABASE_ROUTERS]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    host, options, test, routers = json.loads(out.stdout.strip().splitlines()[-1])
    assert host == "replica.example"
    assert options == {"options": "-c default_transaction_read_only=on"}
    assert test["MIRROR"] == "default"
    assert routers == ["burgerprofiel.common.replica.ReplicaRouter"]
