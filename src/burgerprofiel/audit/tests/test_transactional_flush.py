"""Transactional tests can run although the audit tables refuse DELETE (conftest's flush)."""

from __future__ import annotations

import asyncio

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import SYSTEM
from burgerprofiel.audit.models import AuditEvent, AuditLeaf, TreeHead
from burgerprofiel.audit.services import audit_record, audit_seal_all


def _delete_refused(event: AuditEvent) -> None:
    # On PostgreSQL the row lies in a month's partition: the refusal names the table, as migrated.
    refused = pytest.raises(DatabaseError, match="append-only: DELETE on audit_auditevent refused")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_flush_after_a_transactional_test_empties_the_audit_log_and_puts_its_guard_back():
    """What pytest-django runs after every transactional test, run here within one test, so the
    result does not depend on which test ran before this one."""
    before = audit_record(actor=SYSTEM, action=AuditAction.PORTAL_LOGIN)
    audit_seal_all()
    assert AuditLeaf.objects.exists() and TreeHead.objects.exists()
    _delete_refused(before)  # the guard is on before the flush

    call_command("flush", verbosity=0, interactive=False, database="default", inhibit_post_migrate=True)

    assert not AuditEvent.objects.exists()
    assert not AuditLeaf.objects.exists() and not TreeHead.objects.exists()
    _delete_refused(audit_record(actor=SYSTEM, action=AuditAction.PORTAL_LOGIN))  # and on again after it


ROLES = {"operator", "auditor"}  # made by the back-office's data migrations


def _flush_keeps_the_roles() -> None:
    call_command("flush", verbosity=0, interactive=False, database="default", inhibit_post_migrate=True)
    assert set(Group.objects.values_list("name", flat=True)) >= ROLES


@pytest.mark.django_db(transaction=True)
def test_the_flush_puts_the_roles_back_whether_or_not_an_event_loop_is_marked_running(monkeypatch):
    """Playwright's sync API marks its event loop as running in the test thread (browser tests), and
    Django's connections then are a second set, context-local (asgiref's Local). The flush after a
    browser test runs through that second set, the flush after any other transactional test through
    the first: both put back what migrations made, whichever set the session's first test opened."""
    plain = connections["default"]
    _flush_keeps_the_roles()

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    loop = asyncio.new_event_loop()
    left_behind = asyncio._get_running_loop()
    asyncio._set_running_loop(loop)
    marked = connections["default"]
    try:
        assert marked is not plain  # what made the roles go missing: a connection object of its own
        _flush_keeps_the_roles()
    finally:
        marked.close()
        asyncio._set_running_loop(left_behind)
        loop.close()
