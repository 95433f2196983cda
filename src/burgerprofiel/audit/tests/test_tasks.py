"""The audit tasks the worker schedules do their work (the task backend runs them inline in tests)."""

from __future__ import annotations

import pytest

from burgerprofiel.audit.actors import SYSTEM
from burgerprofiel.audit.models import AuditEvent, TreeHead
from burgerprofiel.audit.services import audit_record
from burgerprofiel.audit.tasks import audit_seal_task

pytestmark = pytest.mark.django_db


def test_housekeeping_seals_pending_audit_events_into_a_signed_tree_head():
    audit_record(actor=SYSTEM, action="test.pending")
    result = audit_seal_task.enqueue().return_value
    assert result["tree_heads"] == 1
    assert TreeHead.objects.get().tree_size == AuditEvent.objects.count()
