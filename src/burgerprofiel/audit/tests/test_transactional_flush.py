"""Transactional tests can run although the audit tables refuse DELETE (conftest's flush)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import SYSTEM
from burgerprofiel.audit.models import AuditEvent, AuditLeaf, TreeHead
from burgerprofiel.audit.services import audit_record, audit_seal_all


def _delete_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
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
