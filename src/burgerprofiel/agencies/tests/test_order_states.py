"""The processing order's state machine (agencies.services.ORDER_TRANSITIONS) from every entry point.

Every transition the table does not allow is refused by the service, by a direct
``processing_order_change(state=...)``, by the CLI and by the back-office's actions, and leaves no new
version and no audit event. Only platform staff make transitions; an agency's API client never does,
and the API processes an agency's calls only while its order is active.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from burgerprofiel.agencies.models import Agency, ProcessingOrder, ProcessingOrderVersion
from burgerprofiel.agencies.services import (
    ORDER_TRANSITIONS,
    processing_order_change,
    processing_order_create,
    processing_order_resume,
    processing_order_transition,
)
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.tests.conftest import logged_in, make_staff
from burgerprofiel.common.errors import Conflict, PermissionDenied
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, bearer

pytestmark = pytest.mark.django_db

STATES = [s.value for s in ProcessingOrderVersion.State]
ILLEGAL = [(state, verb) for state in STATES for verb, t in ORDER_TRANSITIONS.items() if state not in t.sources]
# A plain ``processing_order_change(state=...)`` from one state to another no transition connects.
ILLEGAL_CHANGES = [
    (a, b)
    for a in STATES
    for b in STATES
    if a != b and not any(a in t.sources and t.target == b for t in ORDER_TRANSITIONS.values())
]
LEGAL = [(state, verb) for state in STATES for verb, t in ORDER_TRANSITIONS.items() if state in t.sources]
# The back-office offers these transitions as list actions (terminations belong to compliance).
BACKOFFICE_ACTIONS = {verb: f"{verb}_orders" for verb in ORDER_TRANSITIONS}  # every transition in both surfaces


def _cli_args(verb: str) -> list[str]:
    """The reason a transition needs, and ``--yes`` for terminate (which otherwise asks for the agency's name)."""
    reason = ["--reason", "Reden"] if ORDER_TRANSITIONS[verb].needs_reason else []
    return [*reason, "--yes"] if verb == "terminate" else reason


def _order_in(state: str, agency: OnboardedAgency) -> ProcessingOrder:
    """An order of ``agency`` whose current version is in ``state``, reached only by legal steps."""
    if state == "draft":
        version = processing_order_create(
            agency=Agency.objects.get(pk=agency.agency_id), components=["dosis"], actor=TEST_ACTOR, state="draft"
        )
        return version.order
    order = ProcessingOrder.objects.get(pk=agency.order_id)
    if state == "suspended":
        processing_order_transition(order=order, verb="suspend", actor=TEST_ACTOR, reason="Onderzoek")
    elif state == "terminated":
        processing_order_transition(order=order, verb="terminate", actor=TEST_ACTOR, reason="Opgezegd")
    return order


def _snapshot(order: ProcessingOrder) -> tuple[int, int, str]:
    current = order.versions.order_by("-number").first()
    assert current is not None
    return order.versions.count(), AuditEvent.objects.count(), current.state


def test_the_table_has_the_four_transitions_of_the_charter() -> None:
    assert {v: (sorted(t.sources), t.target) for v, t in ORDER_TRANSITIONS.items()} == {
        "activate": (["draft"], "active"),
        "suspend": (["active"], "suspended"),
        "resume": (["suspended"], "active"),
        "terminate": (["active", "draft", "suspended"], "terminated"),
    }
    assert len(ILLEGAL) == 10 and len(LEGAL) == 6
    assert sorted(ILLEGAL_CHANGES) == [
        ("active", "draft"),
        ("draft", "suspended"),
        ("suspended", "draft"),
        ("terminated", "active"),
        ("terminated", "draft"),
        ("terminated", "suspended"),
    ]


@pytest.mark.parametrize(("state", "verb"), ILLEGAL)
def test_an_illegal_transition_is_refused_by_the_service_and_writes_nothing(agency, state: str, verb: str) -> None:
    order = _order_in(state, agency)
    before = _snapshot(order)
    with pytest.raises(Conflict) as refused:
        processing_order_transition(order=order, verb=verb, actor=TEST_ACTOR, reason="Reden")
    assert refused.value.extra == {"transition": verb, "state": state}
    assert _snapshot(order) == before


@pytest.mark.parametrize(("state", "target"), ILLEGAL_CHANGES)
def test_a_state_change_outside_the_table_is_refused_when_asked_as_a_plain_change(
    agency, state: str, target: str
) -> None:
    order = _order_in(state, agency)
    before = _snapshot(order)
    with pytest.raises(Conflict):
        processing_order_change(order=order, actor=TEST_ACTOR, note="", state=target, state_reason="Reden")
    assert _snapshot(order) == before


@pytest.mark.parametrize(("state", "verb"), ILLEGAL)
def test_an_illegal_transition_is_refused_by_the_cli(agency, state: str, verb: str) -> None:
    order = _order_in(state, agency)
    before = _snapshot(order)
    with pytest.raises(CommandError, match=f"kan dus niet {ORDER_TRANSITIONS[verb].label} worden"):
        call_command("agency", verb, "--order", str(order.pk), *_cli_args(verb), stdout=io.StringIO())
    assert _snapshot(order) == before


def test_agency_resume_on_a_draft_order_is_refused_and_the_draft_stays_a_draft(agency) -> None:
    """The defect of issue 10: ``burgerprofiel agency resume`` used to activate a draft."""
    order = _order_in("draft", agency)
    with pytest.raises(CommandError, match="is ontwerp en kan dus niet hervat worden"):
        call_command("agency", "resume", "--order", str(order.pk), stdout=io.StringIO())
    with pytest.raises(Conflict):
        processing_order_resume(order=order, actor=TEST_ACTOR)
    assert [v.state for v in order.versions.all()] == ["draft"]


@pytest.mark.parametrize(("state", "verb"), [(s, v) for s, v in ILLEGAL if v in BACKOFFICE_ACTIONS])
def test_an_illegal_transition_is_refused_by_the_back_office_action(agency, state: str, verb: str) -> None:
    order = _order_in(state, agency)
    operator = logged_in(make_staff("operator", "olivia.operator"))
    before = _snapshot(order)
    # Every state action of the list asks for a confirmation first; "apply" is the confirmed submit.
    data: dict[str, Any] = {"action": BACKOFFICE_ACTIONS[verb], "_selected_action": [order.pk], "index": "0"}
    data["apply"] = "1"
    if ORDER_TRANSITIONS[verb].needs_reason:
        data["reason"] = "Reden"
    response = operator.post("/backoffice/agencies/processingorder/", data, follow=True)
    assert response.status_code == 200
    assert f"kan dus niet {ORDER_TRANSITIONS[verb].label} worden" in response.content.decode()
    assert _snapshot(order) == before


@pytest.mark.parametrize(("state", "verb"), LEGAL)
def test_a_legal_transition_through_the_cli_makes_one_new_version_in_the_target_state(
    agency, state: str, verb: str
) -> None:
    order = _order_in(state, agency)
    versions = order.versions.count()
    call_command("agency", verb, "--order", str(order.pk), *_cli_args(verb), stdout=io.StringIO())
    assert order.versions.count() == versions + 1
    assert _snapshot(order)[2] == ORDER_TRANSITIONS[verb].target


@pytest.mark.parametrize(("state", "verb"), [(s, v) for s, v in LEGAL if v in BACKOFFICE_ACTIONS])
def test_a_legal_transition_through_the_back_office_is_made_and_audited(agency, state: str, verb: str) -> None:
    order = _order_in(state, agency)
    operator = logged_in(make_staff("operator", "olivia.operator"))
    # Every state action of the list asks for a confirmation first; "apply" is the confirmed submit.
    data: dict[str, Any] = {"action": BACKOFFICE_ACTIONS[verb], "_selected_action": [order.pk], "index": "0"}
    data["apply"] = "1"
    if ORDER_TRANSITIONS[verb].needs_reason:
        data["reason"] = "Reden"
    operator.post("/backoffice/agencies/processingorder/", data)
    assert _snapshot(order)[2] == ORDER_TRANSITIONS[verb].target
    assert AuditEvent.objects.filter(action__startswith="backoffice.processingorder.", object_id=str(order.pk)).exists()


@pytest.mark.parametrize("verb", list(ORDER_TRANSITIONS))
@pytest.mark.parametrize("kind", ["agency_client", "citizen", "system", "anonymous"])
def test_only_platform_staff_change_an_orders_state(agency, verb: str, kind: str) -> None:
    state = next(s for s in STATES if s in ORDER_TRANSITIONS[verb].sources)
    order = _order_in(state, agency)
    before = _snapshot(order)
    actor = Actor(kind=kind, id="x", agency_id=agency.agency_id)
    with pytest.raises(PermissionDenied):
        processing_order_transition(order=order, verb=verb, actor=actor, reason="Reden")
    with pytest.raises(PermissionDenied):
        processing_order_change(
            order=order, actor=actor, note="", state=ORDER_TRANSITIONS[verb].target, state_reason="Reden"
        )
    assert _snapshot(order) == before


def test_a_reason_is_required_to_suspend_or_terminate(agency) -> None:
    order = _order_in("active", agency)
    before = _snapshot(order)
    for verb in ("suspend", "terminate"):
        with pytest.raises(Exception, match="enkel met een reden"):
            processing_order_transition(order=order, verb=verb, actor=TEST_ACTOR, reason="  ")
    assert _snapshot(order) == before


@pytest.mark.parametrize(("state", "reason"), [("suspended", "order-suspended"), ("terminated", "order-terminated")])
def test_the_api_processes_an_agencys_calls_only_while_its_order_is_active(
    client: Client, agency, state: str, reason: str
) -> None:
    headers = bearer(client, agency)
    assert client.get("/api/v1/me", **headers).status_code == 200
    _order_in(state, agency)
    refused = client.get("/api/v1/me", **headers)
    assert refused.status_code == 403
    assert refused.json()["reason"] == reason


def test_a_new_order_starts_as_a_draft_or_active_never_suspended(agency) -> None:
    with pytest.raises(Exception, match="ontwerp of actief"):
        processing_order_create(
            agency=Agency.objects.get(pk=agency.agency_id), components=["dosis"], actor=TEST_ACTOR, state="suspended"
        )
