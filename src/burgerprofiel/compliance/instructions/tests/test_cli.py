"""`burgerprofiel instructions` (charter 3.3, 3.4): list, show and flag as contrary to law, as the
back-office does, with the audit events the back-office records; reading audited per agency."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from burgerprofiel.agencies.models import ContactPerson
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.backoffice.tests.conftest import logged_in, make_staff
from burgerprofiel.compliance.instructions.models import Instruction
from burgerprofiel.compliance.instructions.services import instruction_register
from burgerprofiel.compliance.notices.models import AgencyNotice

pytestmark = pytest.mark.django_db

API_CLIENT = Actor(kind="agency", id="client-1")


def _register(tenant: Any, subject: str) -> Instruction:
    return instruction_register(
        agency=tenant.agency,
        contact_id=ContactPerson.objects.get(agency=tenant.agency, role="Diensthoofd").pk,
        subject=subject,
        text=f"De volledige tekst van '{subject}'.",
        channel=Instruction.Channel.API,
        actor=API_CLIENT,
    )


def _cli(*args: str) -> str:
    out = io.StringIO()
    call_command("instructions", *args, stdout=out)
    return out.getvalue()


def _events_of(act: Callable[[], Any]) -> list[AuditEvent]:
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    act()
    return list(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))


def test_list_and_show_give_the_texts_and_audit_each_read_in_the_agencys_trail(tenant_a, tenant_b):
    first = _register(tenant_a, "Bewaartermijn meldingen")
    second = _register(tenant_a, "Nieuwe contactpersoon")
    other = _register(tenant_b, "Andere instantie")

    listed: list[str] = []
    events = _events_of(lambda: listed.append(_cli("list", "--json")))
    rows = json.loads(listed[0])
    assert [r["id"] for r in rows] == [other.pk, second.pk, first.pk]  # the newest first
    assert rows[2]["subject"] == "Bewaartermijn meldingen" and rows[2]["agency"] == "Agentschap Opgroeien"
    reads = sorted((e.action, e.agency_id, e.detail["count"]) for e in events)
    assert reads == sorted(
        [("instruction.listed", tenant_a.agency.pk, 2), ("instruction.listed", tenant_b.agency.pk, 1)]
    )
    assert all(e.actor_id.startswith("instructions:") for e in events)
    assert "Bewaartermijn" not in json.dumps([e.detail for e in events])  # no text in the trail

    only_a = _cli("list", "--agency", str(tenant_a.agency.pk))
    assert "Bewaartermijn meldingen" in only_a and "Andere instantie" not in only_a

    shown: list[str] = []
    events = _events_of(lambda: shown.append(_cli("show", str(first.pk))))
    assert json.loads(shown[0])["text"] == "De volledige tekst van 'Bewaartermijn meldingen'."
    [event] = events
    assert (event.action, event.agency_id, event.object_id) == ("instruction.listed", tenant_a.agency.pk, str(first.pk))


def test_flagging_from_the_cli_records_what_the_back_office_records_and_tells_the_agency(tenant_a, tenant_b):
    by_cli = _register(tenant_a, "Rijksregister delen")
    by_backoffice = _register(tenant_a, "Alles doorsturen")
    operator = logged_in(make_staff("operator", "olivia.operator"))

    flag = f"/backoffice/instructions/instruction/{by_backoffice.pk}/flag/"
    backoffice_events = _events_of(lambda: operator.post(flag, {"text": "Strijdig met de AVG."}))
    printed: list[str] = []
    cli_events = _events_of(lambda: printed.append(_cli("flag", str(by_cli.pk), "--reason", "Geen rechtsgrond.")))

    assert [e.action for e in cli_events] == [e.action for e in backoffice_events]
    assert "instruction.flagged_unlawful" in [e.action for e in cli_events]
    assert all(e.agency_id == tenant_a.agency.pk for e in cli_events)
    done = json.loads(printed[0])
    assert done["id"] == by_cli.pk and done["flagged_unlawful_at"] and "instructions:" in done["flagged_by"]
    assert "text" not in done  # the act only; reading the texts is `show`
    by_cli.refresh_from_db()
    assert by_cli.flagged_reason == "Geen rechtsgrond."
    notices = AgencyNotice.objects.filter(kind="instructie_onrechtmatig", object_id=str(by_cli.pk))
    assert [n.agency_id for n in notices] == [tenant_a.agency.pk]
    assert "Geen rechtsgrond." in str(notices[0].body)


def test_bad_input_is_refused_and_nothing_is_stored_or_sent(tenant_a):
    instruction = _register(tenant_a, "Rijksregister delen")
    before = AuditEvent.objects.count()

    with pytest.raises(CommandError, match=r"reden"):
        _cli("flag", str(instruction.pk), "--reason", "   ")
    with pytest.raises(CommandError, match="bestaat niet"):
        _cli("flag", "999999", "--reason", "Geen rechtsgrond.")
    with pytest.raises(CommandError, match="bestaat niet"):
        _cli("show", "999999")
    with pytest.raises(CommandError, match="bestaat niet"):
        _cli("list", "--agency", "999999")

    instruction.refresh_from_db()
    assert instruction.flagged_unlawful_at is None
    assert not AgencyNotice.objects.filter(kind="instructie_onrechtmatig").exists()
    assert AuditEvent.objects.count() == before

    _cli("flag", str(instruction.pk), "--reason", "Geen rechtsgrond.")
    with pytest.raises(CommandError, match="al als onrechtmatig"):
        _cli("flag", str(instruction.pk), "--reason", "Nog eens.")
    assert AgencyNotice.objects.filter(kind="instructie_onrechtmatig").count() == 1


def test_the_back_office_list_and_page_record_what_the_cli_records_without_the_texts(tenant_a, tenant_b):
    first = _register(tenant_a, "Bewaartermijn meldingen")
    _register(tenant_a, "Nieuwe contactpersoon")
    _register(tenant_b, "Andere instantie")
    operator = logged_in(make_staff("operator", "olivia.operator"))

    cli_list = _events_of(lambda: _cli("list"))
    pages: list[Any] = []
    office_list = _events_of(lambda: pages.append(operator.get("/backoffice/instructions/instruction/")))
    assert pages[0].status_code == 200
    assert sorted((e.action, e.agency_id, e.detail) for e in office_list) == sorted(
        (e.action, e.agency_id, e.detail) for e in cli_list
    )
    assert sorted((e.agency_id, e.detail["count"]) for e in office_list) == sorted(
        [(tenant_a.agency.pk, 2), (tenant_b.agency.pk, 1)]
    )

    # A filtered list audits only the agency it shows.
    filtered = _events_of(
        lambda: operator.get(f"/backoffice/instructions/instruction/?agency__id__exact={tenant_b.agency.pk}")
    )
    assert [(e.action, e.agency_id, e.detail["count"]) for e in filtered] == [
        ("instruction.listed", tenant_b.agency.pk, 1)
    ]

    cli_show = _events_of(lambda: _cli("show", str(first.pk)))
    page = f"/backoffice/instructions/instruction/{first.pk}/change/"
    office_show = _events_of(lambda: pages.append(operator.get(page)))
    assert "De volledige tekst van" in pages[-1].content.decode()
    assert [(e.action, e.agency_id, e.object_type, e.object_id, e.detail) for e in office_show] == [
        (e.action, e.agency_id, e.object_type, e.object_id, e.detail) for e in cli_show
    ]
    assert all(e.actor_type == "staff" for e in office_list + office_show)
    trail = json.dumps([e.detail for e in office_list + filtered + office_show])
    assert "Bewaartermijn" not in trail and "volledige tekst" not in trail

    # Nothing read, nothing recorded: an unknown instruction and an empty list.
    assert _events_of(lambda: operator.get("/backoffice/instructions/instruction/999999/change/")) == []
    empty = "/backoffice/instructions/instruction/?channel__exact=backoffice"
    assert _events_of(lambda: operator.get(empty)) == []
