"""Issue 16, item 5: the back-office's front page as a dashboard."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.audit.services import audit_record
from burgerprofiel.audit.tasks import audit_verify_task
from burgerprofiel.backoffice.dashboard import refusals_since
from burgerprofiel.backoffice.tests.samples import make_samples
from burgerprofiel.backoffice.tests.test_labels import visible_text

pytestmark = pytest.mark.django_db

INDEX = "/backoffice/"


def _text(client: Client) -> str:
    response = client.get(INDEX)
    assert response.status_code == 200
    return " ".join(visible_text(response.content.decode()))


def test_the_dashboard_counts_orders_by_state_and_agencies(operator_client: Client, agency: Any, other_agency: Any):
    text = _text(operator_client)

    assert "Verwerkingsopdrachten per status" in text
    assert re.search(r"Actief\s*: 2", text), text
    assert re.search(r"Opgeschort\s*: 0", text)
    assert re.search(r"2\s*aangesloten", text)
    state_link = operator_client.get(INDEX).context["orders_by_state"][1]
    assert state_link["label"] == "Actief"
    listing = operator_client.get(state_link["url"])
    assert listing.status_code == 200
    assert len(listing.context["cl"].result_list) == 2


def test_the_dashboard_counts_refusals_of_the_last_24_hours(auditor_client: Client, agency: Any):
    audit_record(
        actor=Actor(kind="anonymous", id=""), action=AuditAction.BACKOFFICE_LOGIN, outcome=AuditEvent.Outcome.REFUSED
    )
    audit_record(
        actor=Actor(kind="anonymous", id=""), action=AuditAction.BACKOFFICE_LOGIN, outcome=AuditEvent.Outcome.REFUSED
    )

    refusals = auditor_client.get(INDEX).context["refusals"]

    assert refusals["count"] == 2
    assert refusals["top"] == [{"label": "Aanmelding in de back-office", "count": 2}]
    assert refusals_since(timezone.now() + dt.timedelta(seconds=1))["count"] == 0
    listing = auditor_client.get(refusals["url"])
    assert listing.status_code == 200
    assert {e.outcome for e in listing.context["cl"].result_list} == {"refused"}
    assert len(listing.context["cl"].result_list) == 2


def test_the_dashboard_shows_deliveries_waiting_and_failed(auditor_client: Client):
    make_samples()  # one webhook delivery and one e-mail delivery, both waiting

    rows = {str(row["label"]): row for row in auditor_client.get(INDEX).context["deliveries"]}

    webhook, mail = rows["Webhook-verzendingen"], rows["Verzendingen van meldingen (e-mail en sms)"]
    assert (webhook["waiting"], webhook["failed"]) == (1, 0)
    assert (mail["waiting"], mail["failed"]) == (1, 0)
    waiting = auditor_client.get(webhook["waiting_url"])
    assert waiting.status_code == 200 and len(waiting.context["cl"].result_list) == 1
    assert auditor_client.get(mail["failed_url"]).status_code == 200
    assert "1 wacht op verzending" in _text(auditor_client)


def test_the_dashboard_shows_the_last_verification_and_tree_head(auditor_client: Client, auditor: Any):
    make_samples()  # seals the trail: a signed tree head
    assert "Het auditlog is nog niet gecontroleerd." in _text(auditor_client)

    audit_verify_task.enqueue(requested_by=str(auditor.user.pk))
    text = _text(auditor_client)

    assert "In orde" in text
    assert "arne.auditor" in text
    assert "Laatste ondertekende boomkop" in text


def test_the_sidebar_lists_the_newest_audit_events_not_django_s_recent_actions(auditor_client: Client, agency: Any):
    text = _text(auditor_client)

    assert "Laatste gebeurtenissen in het auditlog" in text
    assert "Instantie aangesloten" in text
    assert "Recente acties" not in text
