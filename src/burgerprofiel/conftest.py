"""Shared fixtures: an onboarded agency with both client authentication methods."""

from __future__ import annotations

import asyncio
import atexit
import base64
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, settings
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from burgerprofiel.agencies import services as agency_services
from burgerprofiel.agencies.services import agency_onboard
from burgerprofiel.audit.actors import Actor
from burgerprofiel.crypto.services import forget_cached_keys
from burgerprofiel.crypto.signing import forget_public_keys
from burgerprofiel.oauth.services import ASSERTION_TYPE, token_url

TEST_ACTOR = Actor(kind="staff", id="test-operator")

# The key store (crypto.keystore) of this test session: a directory of its own, so that two sessions
# at once (SQLite and PostgreSQL) never rewrap or destroy each other's secrets. In the environment too,
# for the processes tests start (restore drill, many machines).
_KEY_STORE = tempfile.mkdtemp(prefix="bp-keystore-")
os.environ["KEY_STORE_DIR"] = _KEY_STORE
django_settings.KEY_STORE_DIR = _KEY_STORE
atexit.register(shutil.rmtree, _KEY_STORE, True)

# Hypothesis: modest in `make test` (every property still meets dozens of examples), thorough on demand
# (HYPOTHESIS_PROFILE=thorough). No deadline: the machines that run the suite are shared and slow.
settings.register_profile("suite", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


@dataclass
class OnboardedAgency:
    agency_id: int
    client_id: str
    client_secret: str
    order_id: int
    rsa_key: RSAKey
    ec_key: ECKey

    def assertion(self, *, key: Any = None, alg: str = "RS256", **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": token_url(),
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": now + 300,
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        signing_key = key or (self.rsa_key if alg == "RS256" else self.ec_key)
        return jwt.encode({"alg": alg, "kid": signing_key.kid}, claims, signing_key)


# What makes onboarding slow in a test is key material: an RSA key (2048 bits) and an EC key per
# agency, and the argon2 hash of its client secret. They are made once per session and handed out
# in order: the n-th agency a test onboards gets the session's n-th keys and secret, so agencies of
# one test never share them, and later tests reuse them (each test has a fresh database).
_KEYS: list[tuple[RSAKey, ECKey]] = []
_SECRETS: list[tuple[str, str]] = []  # (client secret, its argon2 hash)
_handed_out = 0


def _session_material(n: int) -> tuple[RSAKey, ECKey, str, str]:
    while len(_KEYS) <= n:
        _KEYS.append(
            (
                RSAKey.generate_key(2048, parameters={"kid": "rsa-1"}, private=True),
                ECKey.generate_key("P-256", parameters={"kid": "ec-1"}, private=True),
            )
        )
        secret = secrets.token_urlsafe(32)
        _SECRETS.append((secret, agency_services._hasher.hash(secret)))
    return (*_KEYS[n], *_SECRETS[n])


class _PresetSecret:
    """Stands in for ``secrets`` and the argon2 hasher in ``agencies.services`` while one agency is
    onboarded: its client secret is the session's, already hashed. Everything else is the real thing."""

    def __init__(self, secret: str, hashed: str) -> None:
        self.secret, self.hashed = secret, hashed

    def token_urlsafe(self, nbytes: int | None = None) -> str:
        return self.secret

    def hash(self, password: str) -> str:
        return self.hashed if password == self.secret else agency_services._hasher.hash(password)

    def __getattr__(self, name: str) -> Any:
        return getattr(secrets, name)


def make_agency(
    *,
    name: str = "Agentschap Opgroeien",
    kbo: str = "0316380841",
    components: str = "dosis,notificaties",
    **kwargs: Any,
) -> OnboardedAgency:
    global _handed_out
    rsa_key, ec_key, secret, hashed = _session_material(_handed_out)
    _handed_out += 1
    jwks = {"keys": [rsa_key.as_dict(private=False), ec_key.as_dict(private=False)]}
    preset = _PresetSecret(secret, hashed)
    with mock.patch.object(agency_services, "secrets", preset), mock.patch.object(agency_services, "_hasher", preset):
        result = agency_onboard(
            name=name, kbo=kbo, components=components.split(","), jwks=jwks, actor=TEST_ACTOR, **kwargs
        )
    assert result.client_secret == secret
    return OnboardedAgency(
        agency_id=result.agency.pk,
        client_id=result.client.client_id,
        client_secret=result.client_secret,
        order_id=result.order_version.order_id,
        rsa_key=rsa_key,
        ec_key=ec_key,
    )


@pytest.fixture(autouse=True)
def _session_material_from_the_start() -> None:
    """Each test hands out the session's keys and secrets from the first again."""
    global _handed_out
    _handed_out = 0


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> Any:
    from django.core.cache import cache

    cache.clear()  # rate-limit windows belong to one test
    forget_cached_keys()
    forget_public_keys()
    yield
    forget_cached_keys()
    forget_public_keys()


@pytest.fixture
def agency(db: Any) -> OnboardedAgency:
    return make_agency()


@pytest.fixture
def other_agency(db: Any) -> OnboardedAgency:
    return make_agency(name="Departement Mobiliteit", kbo="0887010362", components="notificaties")


def post_form(client: Client, data: dict[str, str], **extra: Any) -> Any:
    return client.post("/oauth/token", urlencode(data), content_type="application/x-www-form-urlencoded", **extra)


def token_with_assertion(client: Client, agency: OnboardedAgency, **kwargs: Any) -> Any:
    return post_form(
        client,
        {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": agency.assertion(**kwargs),
        },
    )


def token_with_secret(client: Client, agency: OnboardedAgency, secret: str | None = None) -> Any:
    basic = base64.b64encode(f"{agency.client_id}:{secret or agency.client_secret}".encode()).decode()
    return post_form(client, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}")


def bearer(client: Client, agency: OnboardedAgency) -> dict[str, str]:
    response = token_with_assertion(client, agency)
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def auth_headers(client: Client, agency: OnboardedAgency) -> dict[str, str]:
    return bearer(client, agency)


def login_citizen(client: Client, insz: str, *, acr: str = "eid") -> Any:
    """Log a citizen into the portal session directly (the OIDC flow has tests of its own)."""
    from burgerprofiel.citizens.services import citizen_get_or_create
    from burgerprofiel.portal.auth import SESSION_ACR, SESSION_CITIZEN, SESSION_LOGIN_AT, SESSION_NAME, session_seal

    citizen = citizen_get_or_create(insz=insz)
    session = client.session
    session[SESSION_CITIZEN] = citizen.pk
    session[SESSION_ACR] = acr
    session[SESSION_LOGIN_AT] = int(time.time())
    session[SESSION_NAME] = session_seal(citizen, "Test Burger")
    session.save()
    return citizen


# Django's snapshot of the freshly migrated test databases, by alias (see ``django_db_setup``).
_SNAPSHOTS: dict[str, str] = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """pytest-django's test databases, with Django's snapshot of what migrations put in them.

    Django keeps that snapshot only when a test of the session asks for ``serialized_rollback``;
    the flush below needs it always (it is small: content types, permissions, the back-office
    roles).

    Django keeps it as an attribute of the connection object, and assumes one connection object per
    alias and thread. A thread has two: asgiref's ``Local`` (Django's ``connections``) gives a thread
    in which an event loop is marked running a second set of connections, and Playwright's sync API
    marks its loop so in the test thread from the first browser test to the end of the session. The
    snapshot then sat on only one of the two objects, and a flush through the other (the browser
    tests' flush when a test without a browser opened the databases, the other way round when a
    browser test did) ran without it: the roles, made by data migrations, were gone for every later
    test. So the snapshot belongs to the session, and every connection object the session makes
    for a test database carries it.
    """
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all(initialized_only=True):
            snapshot = getattr(connection, "_test_serialized_contents", None)
            _SNAPSHOTS[connection.alias] = snapshot or connection.creation.serialize_db_to_string()
            connection._test_serialized_contents = _SNAPSHOTS[connection.alias]  # type: ignore[attr-defined]
    create = connections.create_connection

    def create_connection(alias: str) -> Any:
        connection = create(alias)
        if alias in _SNAPSHOTS:
            connection._test_serialized_contents = _SNAPSHOTS[alias]  # type: ignore[attr-defined]
        return connection

    connections.create_connection = create_connection  # type: ignore[method-assign]
    yield
    del connections.create_connection


@pytest.fixture(autouse=True, scope="session")
def _flush_past_audit_triggers() -> Any:
    """Let transactional tests (live servers, browsers) empty the database between tests.

    The audit tables refuse DELETE and TRUNCATE in the database itself. Django's ``flush``,
    which transactional tests run on teardown, removes the triggers, empties every table and
    puts the triggers back. Production code has no such path.

    The flush also empties what migrations put in the database (the back-office roles), which
    every later test would then miss: Django's snapshot of the freshly migrated database (see
    ``django_db_setup``) is loaded again right after the flush.
    """
    import importlib

    from django.core.management.commands import flush
    from django.db import connections

    from burgerprofiel.common.partitions import statement_triggers_sync

    triggers = importlib.import_module("burgerprofiel.audit.migrations.0002_append_only_triggers")
    node_triggers = importlib.import_module("burgerprofiel.audit.migrations.0007_tree_nodes")
    partitioned = importlib.import_module("burgerprofiel.audit.migrations.0005_partition_by_month")
    original = flush.Command.handle

    def handle(self: Any, **options: Any) -> Any:
        alias = options.get("database") or "default"
        connection = connections[alias]
        with connection.schema_editor(atomic=False) as editor:
            triggers.backwards(None, editor)
            node_triggers.guard_drop(None, editor)
            if connection.vendor == "postgresql":  # the partitions' copies of the TRUNCATE guard go too
                statement_triggers_sync(editor.connection.cursor())
        snapshot = _SNAPSHOTS.get(alias)
        if snapshot:  # the snapshot holds the content types and permissions post_migrate would recreate
            options["inhibit_post_migrate"] = True
        try:
            return original(self, **options)
        finally:
            with connection.schema_editor(atomic=False) as editor:
                triggers.forwards(None, editor)
                node_triggers.guard_add(None, editor)
                if connection.vendor == "postgresql":
                    # 0002's forwards also put back its first version of the guard's function; the
                    # migrated database has 0005's, whose refusal on a partition names the partitioned
                    # table. (A serial run hid this: pytest-django runs transactional tests last.)
                    editor.execute(partitioned.REFUSE_NAMING_THE_TABLE, params=None)
                    statement_triggers_sync(editor.connection.cursor())
            if snapshot:
                connection.creation.deserialize_db_from_string(snapshot)

    flush.Command.handle = handle  # type: ignore[method-assign]
    yield
    flush.Command.handle = original  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Playwright's event loop belongs to the tests that drive a browser, and only to them.

    Playwright's sync API (a session fixture, started by the first browser test) marks its event
    loop as running in the main thread between its calls, and keeps it so until the session ends.
    Every later test would run "inside" that loop: ``asyncio.run`` refuses to start, code that
    checks for a running loop takes its async path, and Django's guard refuses ORM calls. So a test
    that does not use Playwright runs with no loop marked, and only a test that does lifts
    Django's guard (``DJANGO_ALLOW_ASYNC_UNSAFE``: its ORM calls are plain synchronous calls made
    in the thread that also drives the browser). A hook around the whole test rather than a
    fixture: the database's flush after a transactional test runs after every fixture's teardown.
    """
    guard = "DJANGO_ALLOW_ASYNC_UNSAFE"
    before = os.environ.get(guard)
    browser = "playwright" in getattr(item, "fixturenames", ())
    left_behind = asyncio._get_running_loop()
    if browser:
        os.environ[guard] = "true"
    else:
        os.environ.pop(guard, None)
        asyncio._set_running_loop(None)
    try:
        return (yield)
    finally:
        if before is None:
            os.environ.pop(guard, None)
        else:
            os.environ[guard] = before
        if not browser:
            asyncio._set_running_loop(left_behind)
