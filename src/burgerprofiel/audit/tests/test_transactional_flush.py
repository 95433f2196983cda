"""Transactional tests can run although the audit tables refuse DELETE (conftest's flush)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from burgerprofiel.audit.actors import SYSTEM
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_writes_audit_events_and_is_flushed_afterwards():
    audit_record(actor=SYSTEM, action="test.transactional")
    assert AuditEvent.objects.filter(action="test.transactional").count() == 1


@pytest.mark.django_db(transaction=True)
def test_after_a_flush_the_log_is_empty_and_still_append_only():
    assert not AuditEvent.objects.filter(action="test.transactional").exists()
    event = audit_record(actor=SYSTEM, action="test.after_flush")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()
