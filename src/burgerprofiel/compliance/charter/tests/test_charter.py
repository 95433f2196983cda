"""Charter versions and amendments (charter 14.3): the 30-day notice, the agencies' notices and the
termination window, from the service, the API, the CLI and the back-office."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from burgerprofiel.agencies.models import ProcessingOrderVersion
from burgerprofiel.agencies.selectors import current_order_version
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.errors import Conflict, ValidationError
from burgerprofiel.compliance.charter import selectors
from burgerprofiel.compliance.charter.models import CharterTermination, CharterVersion
from burgerprofiel.compliance.charter.services import (
    AMENDMENT_NOTICE_DAYS,
    charter_termination_file,
    charter_terminations_execute,
    charter_version_publish,
)
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, bearer

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)


def _amendment(*, effective_from: dt.date, version: str = "3.1") -> CharterVersion:
    """A pending amendment as published (without going through the notices, for the window tests)."""
    return CharterVersion.objects.create(
        version=version,
        title="Verwerkingscharter",
        text="Nieuwe tekst",
        text_sha256="0" * 64,
        summary="Artikel 6 wijzigt.",
        effective_from=effective_from,
        published_at=timezone.now(),
        published_by="test",
    )


def _agency_actor(agency: OnboardedAgency) -> Actor:
    return Actor(kind="agency_client", id=agency.client_id, agency_id=agency.agency_id)


def test_version_3_0_from_the_seed_text_is_in_force() -> None:
    current = selectors.charter_in_force()
    assert current is not None
    assert current.version == "3.0"
    assert current.effective_from == dt.date(2022, 1, 28)
    assert "14.3. Het agentschap Digitaal Vlaanderen kan de Verwerkersovereenkomst eenzijdig wijzigen" in current.text
    assert selectors.charter_pending() == []


def test_an_amendment_less_than_30_days_ahead_is_refused_and_nothing_is_stored(agency: OnboardedAgency) -> None:
    with pytest.raises(ValidationError) as refused:
        charter_version_publish(
            version="3.1",
            title="t",
            text="tekst",
            summary="samenvatting",
            effective_from=TODAY + dt.timedelta(days=AMENDMENT_NOTICE_DAYS - 1),
            actor=TEST_ACTOR,
            today=TODAY,
        )
    assert refused.value.extra["earliest"] == (TODAY + dt.timedelta(days=30)).isoformat()
    assert not CharterVersion.objects.filter(version="3.1").exists()
    assert not AuditEvent.objects.filter(action="charter.version_published").exists()


def test_an_amendment_without_a_summary_is_refused() -> None:
    with pytest.raises(ValidationError):
        charter_version_publish(
            version="3.1",
            title="t",
            text="tekst",
            summary="  ",
            effective_from=TODAY + dt.timedelta(days=40),
            actor=TEST_ACTOR,
            today=TODAY,
        )


def test_a_second_amendment_while_one_is_pending_is_refused() -> None:
    _amendment(effective_from=TODAY + dt.timedelta(days=35))
    with pytest.raises(Conflict):
        charter_version_publish(
            version="3.2",
            title="t",
            text="tekst",
            summary="s",
            effective_from=TODAY + dt.timedelta(days=60),
            actor=TEST_ACTOR,
            today=TODAY,
        )


def test_termination_at_the_effective_date_is_recorded_now_and_carried_out_on_that_date(
    agency: OnboardedAgency, other_agency: OnboardedAgency
) -> None:
    effective = TODAY + dt.timedelta(days=30)
    amendment = _amendment(effective_from=effective)
    termination = charter_termination_file(
        amendment_id=amendment.pk,
        agency_id=agency.agency_id,
        reason="De nieuwe onderverwerker past ons niet.",
        actor=_agency_actor(agency),
        today=TODAY,
    )
    assert termination.takes_effect_on == effective
    assert termination.order_id == agency.order_id
    event = AuditEvent.objects.get(action="charter.termination_filed")
    assert event.agency_id == agency.agency_id and event.actor_type == "agency_client"
    # Before the date: nothing happens to the order.
    assert charter_terminations_execute(today=effective - dt.timedelta(days=1)) == 0
    assert current_order_version(agency_id=agency.agency_id).state == ProcessingOrderVersion.State.ACTIVE
    # On the date: terminated through the state machine, with the reason; the other agency untouched.
    assert charter_terminations_execute(today=effective) == 1
    version = current_order_version(agency_id=agency.agency_id)
    assert version.state == ProcessingOrderVersion.State.TERMINATED
    assert "charter 14.3" in version.state_reason and "onderverwerker" in version.state_reason
    assert current_order_version(agency_id=other_agency.agency_id).state == ProcessingOrderVersion.State.ACTIVE
    assert AuditEvent.objects.filter(action="charter.termination_executed", agency_id=agency.agency_id).count() == 1
    # Safe to run twice.
    assert charter_terminations_execute(today=effective) == 0


def test_termination_at_once_ends_the_order_immediately(agency: OnboardedAgency) -> None:
    amendment = _amendment(effective_from=TODAY + dt.timedelta(days=31))
    termination = charter_termination_file(
        amendment_id=amendment.pk,
        agency_id=agency.agency_id,
        reason="Wij stoppen.",
        at_once=True,
        actor=_agency_actor(agency),
        today=TODAY,
    )
    assert termination.executed_at is not None
    assert current_order_version(agency_id=agency.agency_id).state == ProcessingOrderVersion.State.TERMINATED


def test_the_termination_window_closes_on_the_effective_date(agency: OnboardedAgency) -> None:
    effective = TODAY + dt.timedelta(days=30)
    amendment = _amendment(effective_from=effective)
    # The last day of the window is the day before the effective date.
    last_day = effective - dt.timedelta(days=1)
    with pytest.raises(Conflict):
        charter_termination_file(
            amendment_id=amendment.pk,
            agency_id=agency.agency_id,
            reason="Te laat.",
            actor=_agency_actor(agency),
            today=effective,
        )
    assert not CharterTermination.objects.exists()
    assert charter_termination_file(
        amendment_id=amendment.pk,
        agency_id=agency.agency_id,
        reason="Net op tijd.",
        actor=_agency_actor(agency),
        today=last_day,
    )


def test_an_order_is_terminated_once_per_amendment(agency: OnboardedAgency) -> None:
    amendment = _amendment(effective_from=TODAY + dt.timedelta(days=30))
    kwargs: dict[str, Any] = {"amendment_id": amendment.pk, "agency_id": agency.agency_id, "today": TODAY}
    charter_termination_file(reason="Een", actor=_agency_actor(agency), **kwargs)
    with pytest.raises(Conflict):
        charter_termination_file(reason="Twee", actor=_agency_actor(agency), **kwargs)


def test_api_shows_current_and_pending_and_only_the_callers_terminations(
    client: Client, agency: OnboardedAgency, other_agency: OnboardedAgency
) -> None:
    amendment = _amendment(effective_from=timezone.localdate() + dt.timedelta(days=30))
    headers = bearer(client, agency)
    response = client.post(
        f"/api/v1/charter/amendments/{amendment.pk}/termination",
        {"reason": "Wij gaan niet akkoord."},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    assert response.json()["takes_effect_on"] == amendment.effective_from.isoformat()
    body = client.get("/api/v1/charter", **headers).json()
    assert body["current"]["version"] == "3.0"
    assert [p["version"] for p in body["pending"]] == ["3.1"]
    assert body["pending"][0]["termination_until"] == (amendment.effective_from - dt.timedelta(days=1)).isoformat()
    assert len(body["terminations"]) == 1
    other = client.get("/api/v1/charter", **bearer(client, other_agency)).json()
    assert other["terminations"] == []


def test_api_refuses_a_termination_without_reason_or_after_the_window(client: Client, agency: OnboardedAgency) -> None:
    headers = bearer(client, agency)
    amendment = _amendment(effective_from=timezone.localdate() + dt.timedelta(days=30))
    url = f"/api/v1/charter/amendments/{amendment.pk}/termination"
    assert client.post(url, {"reason": ""}, content_type="application/json", **headers).status_code == 422
    assert (
        client.post(
            "/api/v1/charter/amendments/999999/termination", {"reason": "x"}, content_type="application/json", **headers
        ).status_code
        == 404
    )
    with time_machine.travel(amendment.effective_from + dt.timedelta(hours=12), tick=False):
        late = client.post(url, {"reason": "Te laat"}, content_type="application/json", **bearer(client, agency))
    assert late.status_code == 409
    assert not CharterTermination.objects.exists()


def test_cli_publish_refuses_a_date_too_soon_and_show_lists_versions(tmp_path: Any) -> None:
    text = tmp_path / "charter.txt"
    text.write_text("Versie 3.1", encoding="utf-8")
    soon = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    with pytest.raises(CommandError, match="30 dagen"):
        call_command(
            "charter",
            "publish",
            "--version",
            "3.1",
            "--title",
            "t",
            "--text-file",
            str(text),
            "--summary",
            "s",
            "--effective-from",
            soon,
        )
    out = io.StringIO()
    call_command("charter", "show", stdout=out)
    shown = json.loads(out.getvalue())
    assert shown["current"]["version"] == "3.0" and shown["pending"] == []


def test_publishing_notifies_every_agency_with_an_active_order_and_no_other(
    agency: OnboardedAgency, other_agency: OnboardedAgency
) -> None:
    from burgerprofiel.agencies.models import ProcessingOrder
    from burgerprofiel.agencies.services import processing_order_suspend
    from burgerprofiel.compliance.notices.models import AgencyNotice
    from burgerprofiel.webhooks.models import Event

    processing_order_suspend(
        order=ProcessingOrder.objects.get(pk=other_agency.order_id), reason="Audit", actor=TEST_ACTOR
    )
    effective = TODAY + dt.timedelta(days=AMENDMENT_NOTICE_DAYS)
    version = charter_version_publish(
        version="3.1",
        title="Verwerkingscharter v3.1",
        text="Nieuwe tekst",
        summary="Artikel 6: een tweede onderverwerker.",
        effective_from=effective,
        actor=TEST_ACTOR,
        today=TODAY,
    )
    notice = AgencyNotice.objects.get(kind="charter_wijziging")
    assert notice.agency_id == agency.agency_id
    assert "Artikel 6: een tweede onderverwerker." in str(notice.body)
    assert notice.data["amendment_id"] == version.pk
    assert notice.data["termination_until"] == (effective - dt.timedelta(days=1)).isoformat()
    assert Event.objects.filter(agency_id=agency.agency_id, type="verwerker.charter_wijziging").count() == 1
    assert not Event.objects.filter(agency_id=other_agency.agency_id, type="verwerker.charter_wijziging").exists()
    event = AuditEvent.objects.get(action="charter.version_published")
    assert event.detail["agencies_notified"] == [agency.agency_id]


def test_the_public_charter_page_announces_a_pending_amendment_without_login(client: Client) -> None:
    _amendment(effective_from=timezone.localdate() + dt.timedelta(days=31))
    page = client.get("/verwerkingscharter")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Artikel 6 wijzigt." in text and "Versie 3.1" in text
    assert "Geldende versie: 3.0" in text and "14.3. Het agentschap Digitaal Vlaanderen" in text
    client.cookies["bp_taal"] = "en"
    assert "Version in force: 3.0" in client.get("/verwerkingscharter").content.decode()
