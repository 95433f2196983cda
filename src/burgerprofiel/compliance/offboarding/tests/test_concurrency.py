"""One run of an offboarding at a time (issue 13 gaps, item 1): no duplicate certificates when the
legal-holds task and a manual CLI run meet."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.agencies.services import processing_order_terminate
from burgerprofiel.compliance.offboarding.models import Offboarding
from burgerprofiel.compliance.offboarding.services import (
    LEASE,
    OffboardingBusy,
    legal_holds_release_due,
    offboarding_run,
    offboarding_start,
)
from burgerprofiel.compliance.offboarding.tasks import offboarding_run_task
from burgerprofiel.compliance.tests.factories import AN, agency_with_everything, populate, rows_per_holding
from burgerprofiel.conftest import TEST_ACTOR


def _started() -> tuple[Any, Offboarding]:
    a = agency_with_everything("Agentschap Opgroeien", "0316380841")
    populate(a.agency_id, insz=AN, tag="a")
    order = ProcessingOrder.objects.get(pk=a.order_id)
    processing_order_terminate(order=order, reason="einde samenwerking", actor=TEST_ACTOR)
    return a, offboarding_start(order=order, mode="delete", actor=TEST_ACTOR)


def _claim(offboarding: Offboarding, *, until: dt.datetime) -> None:
    Offboarding.objects.filter(pk=offboarding.pk).update(runner="other-run", lease_until=until)


@pytest.mark.django_db
def test_a_second_run_while_one_holds_a_fresh_claim_is_refused_and_changes_nothing():
    a, offboarding = _started()
    before = rows_per_holding(a.agency_id)
    _claim(offboarding, until=timezone.now() + LEASE)
    with pytest.raises(OffboardingBusy) as refused:
        offboarding_run(offboarding=offboarding, actor=TEST_ACTOR)
    assert refused.value.status == 409 and refused.value.code == "offboarding-running"
    assert rows_per_holding(a.agency_id) == before
    offboarding.refresh_from_db()
    assert offboarding.certificates == [] and offboarding.runner == "other-run"  # its claim untouched
    # the worker task and the legal-holds task step aside instead of failing
    assert offboarding_run_task.call(offboarding.pk, "system", "test")["state"] == "busy"
    Offboarding.objects.filter(pk=offboarding.pk).update(state=Offboarding.State.HELD)
    legal_holds_release_due(actor=TEST_ACTOR)
    assert rows_per_holding(a.agency_id) == before
    # and the CLI says so
    with pytest.raises(CommandError, match="loopt al"):
        call_command("agency", "offboard", "--order", str(offboarding.order_id), "--mode", "delete", "--yes")


@pytest.mark.django_db
def test_a_lapsed_claim_of_a_crashed_run_is_taken_over_and_released_after():
    a, offboarding = _started()
    _claim(offboarding, until=timezone.now() - dt.timedelta(seconds=1))
    done = offboarding_run(offboarding=offboarding, actor=TEST_ACTOR)
    assert done.state == Offboarding.State.DONE and len(done.certificates) == 1
    assert done.runner == "" and done.lease_until is None
    assert not any(rows_per_holding(a.agency_id).values())


@pytest.mark.django_db
def test_a_run_whose_claim_was_taken_over_stops_before_the_next_batch_and_certifies_nothing():
    a, offboarding = _started()
    batches: list[int] = []

    def taken_over(done: int) -> None:  # between two batches another run takes the (lapsed) claim
        batches.append(done)
        _claim(offboarding, until=timezone.now() + LEASE)

    with pytest.raises(OffboardingBusy):
        offboarding_run(offboarding=offboarding, actor=TEST_ACTOR, batch_size=1, on_progress=taken_over)
    assert batches == [1]
    offboarding.refresh_from_db()
    assert offboarding.certificates == [] and offboarding.state == Offboarding.State.PURGING
    assert sum(offboarding.progress.values()) >= 1 and any(rows_per_holding(a.agency_id).values())


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_issue_one_certificate_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("real row locks between connections: PostgreSQL")
    a, offboarding = _started()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        try:
            barrier.wait()
            offboarding_run(offboarding=Offboarding.objects.get(pk=offboarding.pk), actor=TEST_ACTOR, batch_size=1)
            outcomes.append("ran")
        except OffboardingBusy:
            outcomes.append("busy")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    offboarding.refresh_from_db()
    assert sorted(outcomes) in (["busy", "ran"], ["ran", "ran"])  # the second may start after the first ended
    assert offboarding.state == Offboarding.State.DONE
    assert len(offboarding.certificates) == 1
    assert not any(rows_per_holding(a.agency_id).values())
