"""Tenants never see each other (DESIGN rule 6), checked for every operation the documents publish.

The matrix is generated from ``/api/v1/openapi.json`` and ``/api/v2/openapi.json``: each operation
must have a case below, or the test fails naming it, so a new endpoint is covered the day it is
published. For every operation:

- *another agency's object*: a second agency, whose order allows everything the first one's does,
  aims the operation at the first agency's object. It gets exactly what it gets for an object that
  does not exist (404, or the empty answer of a search), never data of the first agency and never a
  403 that would confirm the object exists; what the first agency owns is unchanged afterwards.
- *an order without the component*: an agency whose order lacks the component the operation
  declares (``x-component``) is refused with 403 component-not-ordered.

And for the portal: every URL that takes an object id, given another citizen's, answers 404, as for
an id that does not exist.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from burgerprofiel.agencies import catalogue
from burgerprofiel.agencies.models import Agency, ContactPerson
from burgerprofiel.agencies.services import contact_person_add
from burgerprofiel.audit.actors import citizen_actor
from burgerprofiel.audit.services import audit_seal_all
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.common.tests.http_peer import Answer, HttpPeer
from burgerprofiel.compliance.charter.services import charter_termination_file, charter_version_publish
from burgerprofiel.compliance.instructions.models import Instruction
from burgerprofiel.compliance.notices.models import AgencyNotice
from burgerprofiel.compliance.notices.services import agency_notice_send
from burgerprofiel.compliance.subject_requests.models import SubjectRequest
from burgerprofiel.compliance.subject_requests.services import subject_requests_file
from burgerprofiel.conftest import TEST_ACTOR, OnboardedAgency, bearer, login_citizen, make_agency
from burgerprofiel.corrections.attachments import AttachmentIn
from burgerprofiel.corrections.models import ErrorReport
from burgerprofiel.corrections.services import error_report_submit
from burgerprofiel.corrections.subjects import subject_for_dossier
from burgerprofiel.dossiers.models import Dossier
from burgerprofiel.dossiers.services import dosis_source_register
from burgerprofiel.notifications.models import Notification
from burgerprofiel.preferences.consent_texts import CURRENT_VERSION
from burgerprofiel.preferences.services import consent_set, iban_set
from burgerprofiel.service_requests.models import RequestableService, ServiceRequest
from burgerprofiel.service_requests.services import service_request_submit
from burgerprofiel.webhooks.dispatch import webhook_deliveries_dispatch
from burgerprofiel.webhooks.events import EventType
from burgerprofiel.webhooks.services import webhook_event_publish

pytestmark = pytest.mark.django_db

COMPONENTS = ["uw_gegevens", "attesten", "dosis", "notificaties", "contactvoorkeuren"]
# The components webhook events come from, as far as they are built.
EVENT_COMPONENTS = [c for c in ("foutmeldingen", "aanvragen", "betalingen") if catalogue.is_built(c)]
FIRST_BRON = "https://eerste.example/dosis/isolatie"
SECOND_BRON = "https://tweede.example/dosis/isolatie"
CITIZEN = "85073003328"
OTHER_CITIZEN = "90020199704"
MISSING_UUID = "00000000-0000-4000-8000-000000000000"
ISOLATION_FORM = {
    "type": "object",
    "properties": {"reden": {"type": "string", "title": "Reden", "maxLength": 200}},
    "required": ["reden"],
}


def kbo(n: int) -> str:
    base = f"0{n:07d}"
    return base + f"{97 - int(base) % 97:02d}"


# -- what the first agency owns --------------------------------------------------------------------


@dataclass
class World:
    client: Client
    first: OnboardedAgency
    second: OnboardedAgency
    first_headers: dict[str, str]
    second_headers: dict[str, str]
    ids: dict[str, Any] = field(default_factory=dict)
    # Strings only the first agency's data holds: none may appear in an answer to the second.
    markers: set[str] = field(default_factory=set)


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    content_type: str = "application/json"

    def send(self, client: Client, headers: dict[str, str]) -> Any:
        extra: dict[str, Any] = dict(headers)
        if self.method == "get":
            return client.get(self.path, self.query, **extra)
        url = self.path + ("?" + "&".join(f"{k}={v}" for k, v in self.query.items()) if self.query else "")
        if self.body is not None:
            data = self.body if isinstance(self.body, str) else json.dumps(self.body)
            extra["content_type"] = self.content_type
        else:
            data = ""
        return getattr(client, self.method)(url, data, **extra)


@dataclass
class Case:
    """``target``: the operation aimed at the first agency's object (or at the caller's own data when
    the operation names no object); ``missing``: the same aimed at an object that does not exist."""

    target: Call
    missing: Call | None = None
    # What must still hold for the first agency after the second one's call (writes).
    unchanged: Callable[[World], None] | None = None
    # A listing of what the caller recorded itself, whose items any agency may hold alike (the signed
    # tree heads are the platform's): the second agency, having recorded nothing, gets an empty list.
    empty: bool = False


def _upload(bron: str, number: str, upload_id: str, insz: str = CITIZEN) -> dict[str, Any]:
    return {
        "Identificatie": {"Bron": bron, "DossierNummer": number},
        "UploadId": upload_id,
        "Naam": f"Dossier {number}",
        "WijzigingsDatum": "2026-01-05T10:00:00+01:00",
        "Status": {"VlaamsCode": "ontvangen", "VlaamsFase": "Behandeling"},
        "Agenten": [{"Identificatie": insz, "Toegangsrechten": [{"Code": "Raadpleger"}]}],
    }


def _ok(response: Any, *statuses: int) -> Any:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code in (statuses or (200, 201, 202)), body
    return json.loads(body) if body and response.status_code < 300 else None


def world_build(client: Client, receiver: HttpPeer) -> World:
    components = ",".join(COMPONENTS + EVENT_COMPONENTS)
    first = make_agency(name="Isolatie Eerste Agentschap", kbo=kbo(1001), components=components)
    second = make_agency(name="Isolatie Tweede Agentschap", kbo=kbo(1002), components=components)
    for agency, bron in ((first, FIRST_BRON), (second, SECOND_BRON)):
        dosis_source_register(agency=Agency.objects.get(pk=agency.agency_id), uri=bron, actor=TEST_ACTOR)
    world = World(client, first, second, bearer(client, first), bearer(client, second))
    world.markers.update({"Isolatie Eerste Agentschap", first.client_id, FIRST_BRON, "DOS-EERSTE-1", "UPL-EERSTE-1"})
    headers = world.first_headers

    _ok(
        client.post(
            "/api/v2/dosis/dossiers", _upload(FIRST_BRON, "DOS-EERSTE-1", "UPL-EERSTE-1"), "application/json", **headers
        )
    )
    world.ids["dossier"] = Dossier.objects.get(number="DOS-EERSTE-1").pk

    notification = _ok(
        client.post(
            "/api/v1/notifications",
            {
                "insz": CITIZEN,
                "message": "Bericht van het eerste agentschap",
                "ipdc_product": "1234",
                "dossier_id": "DOS-EERSTE-1",
            },
            "application/json",
            **headers,
        )
    )
    world.ids["notification"] = notification["id"]
    world.markers.update({notification["id"], "Bericht van het eerste agentschap"})

    contact_person_add(
        agency=Agency.objects.get(pk=first.agency_id),
        name="Eerste Contactpersoon",
        email="eerste@isolatie.example",
        role="DPO",
        actor=TEST_ACTOR,
    )
    world.markers.add("eerste@isolatie.example")
    contact = ContactPerson.objects.get(agency_id=first.agency_id, role="DPO")
    world.ids["contact"] = contact.pk
    _ok(
        client.post(
            "/api/v1/instructions",
            {"contact_id": contact.pk, "subject": "Instructie van het eerste", "text": "Geheime instructie EERSTE"},
            "application/json",
            **headers,
        ),
        201,
    )
    world.markers.update({"Instructie van het eerste", "Geheime instructie EERSTE"})

    receiver.script.append(Answer(422))
    endpoint = _ok(
        client.post(
            "/api/v1/webhooks/endpoints",
            {"url": receiver.url("/hook-van-het-eerste"), "event_types": [EventType.FOUTMELDING_INGEDIEND.value]},
            "application/json",
            **headers,
        ),
        201,
    )
    world.ids["endpoint"] = endpoint["id"]
    world.markers.update({endpoint["id"], "/hook-van-het-eerste"})
    with transaction.atomic():
        webhook_event_publish(
            agency_id=first.agency_id,
            event_type=EventType.FOUTMELDING_INGEDIEND.value,
            object_type="foutmelding",
            object_id="FOUT-EERSTE-1",
            data={},
            actor=TEST_ACTOR,
        )
    webhook_deliveries_dispatch()
    failed = _ok(client.get("/api/v1/webhooks/deliveries", {"status": "failed"}, **headers))["deliveries"]
    world.ids["delivery"] = failed[0]["id"]
    world.markers.update({failed[0]["id"], "FOUT-EERSTE-1"})

    # A citizen who gave the first agency (only) consent and an IBAN: the second agency may see none of it.
    citizen = citizen_get_or_create(insz=CITIZEN)
    iban_set(citizen=citizen, iban="BE71096123456769", actor=TEST_ACTOR)
    consent_set(
        citizen=citizen,
        agency=Agency.objects.get(pk=first.agency_id),
        ipdc_product="1234",
        channel="email",
        granted=True,
        text_version=CURRENT_VERSION,
        method="portal",
        actor=TEST_ACTOR,
    )
    world.markers.update({"BE71096123456769", "BE71 0961 2345 6769"})

    # An error report and a request to the first agency, and the form the request was made on.
    report = error_report_submit(
        citizen=citizen,
        subject=subject_for_dossier(citizen=citizen, dossier_id=world.ids["dossier"]),
        what_is_wrong="Fout volgens het eerste agentschap",
        should_be="Juist",
        attachment=AttachmentIn("bewijs.pdf", b"%PDF-1.4 eerste"),
    )
    world.ids["report"] = str(report.pk)
    world.markers.update({str(report.pk), "Fout volgens het eerste agentschap"})
    service = _ok(
        client.post(
            "/api/v1/requestable-services",
            {"ipdc_product": "1234", "title": "Dienst van het eerste", "form_schema": ISOLATION_FORM},
            "application/json",
            **headers,
        ),
        201,
    )
    world.ids["service"] = service["id"]
    request = service_request_submit(
        citizen=citizen,
        service=RequestableService.objects.get(pk=service["id"]),
        answers={"reden": "Aanvraag bij het eerste agentschap"},
        applicant_name="Burger Eerste",
    )
    world.ids["request"] = str(request.pk)
    world.markers.update(
        {service["id"], "Dienst van het eerste", str(request.pk), "Aanvraag bij het eerste agentschap"}
    )

    # A payment request of the first agency (betalingen).
    if catalogue.is_built("betalingen"):
        payment = _ok(
            client.post(
                PAYMENTS,
                {
                    "insz": CITIZEN,
                    "amount_cents": 1234,
                    "description": "Betaling van het eerste agentschap",
                    "due_date": "2099-01-01",
                    "creditor_iban": "BE71096123456769",
                    "dossier_id": "DOS-EERSTE-1",
                },
                "application/json",
                **headers,
            ),
            201,
        )
        world.ids["payment"] = payment["id"]
        world.markers.update({payment["id"], "Betaling van het eerste agentschap", payment["structured_reference"]})

    # A notice from the processor to the first agency (verwerker.*).
    notice = agency_notice_send(
        agency=Agency.objects.get(pk=first.agency_id),
        kind="mededeling",
        subject="Mededeling aan het eerste agentschap",
        body="Alleen voor het eerste agentschap.",
        data={},
        object_type="mededeling",
        object_id="MED-EERSTE-1",
        actor=TEST_ACTOR,
    )
    world.ids["notice"] = str(notice.pk)
    world.markers.update({str(notice.pk), "Mededeling aan het eerste agentschap"})

    # A citizen's data-subject request to the first agency, and the first agency's termination under a
    # pending charter amendment.
    citizen = citizen_get_or_create(insz=CITIZEN)
    [subject_request] = subject_requests_file(
        citizen=citizen, kind="inzage", agency_ids=[first.agency_id], details="", actor=citizen_actor(citizen)
    )
    world.ids["subject_request"] = str(subject_request.pk)
    world.markers.add(str(subject_request.pk))
    amendment = charter_version_publish(
        version="9.9",
        title="Isolatie",
        text="Tekst",
        summary="Samenvatting",
        effective_from=timezone.localdate() + dt.timedelta(days=40),
        actor=TEST_ACTOR,
    )
    world.ids["amendment"] = amendment.pk
    termination = charter_termination_file(
        amendment_id=amendment.pk,
        agency_id=first.agency_id,
        reason="Reden van het eerste agentschap",
        actor=TEST_ACTOR,
    )
    world.markers.add("Reden van het eerste agentschap")
    world.ids["termination"] = termination.pk

    audit_seal_all()
    events = _ok(client.get("/api/v1/audit/events", **headers))
    world.ids["audit_event"] = events[-1]["id"]
    head = _ok(client.get("/api/v1/audit/tree-heads/latest", **headers))
    world.ids["signed_tree_head"] = head["signed_tree_head"]
    _ok(client.post(WITNESS, {"signed_tree_head": head["signed_tree_head"]}, "application/json", **headers))
    return world


# -- one case per published operation ----------------------------------------------------------------


def _dossier_still_there(world: World) -> None:
    assert Dossier.objects.filter(pk=world.ids["dossier"]).exists()


def _notice_still_unacknowledged(world: World) -> None:
    assert AgencyNotice.objects.get(pk=world.ids["notice"]).acknowledged_at is None


def _endpoint_still_there(world: World) -> None:
    response = world.client.get(f"/api/v1/webhooks/endpoints/{world.ids['endpoint']}", **world.first_headers)
    assert response.status_code == 200 and response.json()["state"] == "active", response.content


def _delivery_still_failed(world: World) -> None:
    failed = world.client.get("/api/v1/webhooks/deliveries", {"status": "failed"}, **world.first_headers).json()
    assert [d["id"] for d in failed["deliveries"]] == [world.ids["delivery"]]


def _report_unchanged(world: World) -> None:
    report = ErrorReport.objects.get(pk=world.ids["report"])
    assert report.status == "ingediend" and report.entries.count() == 1


def _service_still_offered(world: World) -> None:
    assert RequestableService.objects.get(pk=world.ids["service"]).active


def _request_unanswered(world: World) -> None:
    assert ServiceRequest.objects.get(pk=world.ids["request"]).dossier_number == ""


def _payment_unrefunded(world: World) -> None:
    from burgerprofiel.payments.models import Payment

    payment = Payment.objects.get(pk=world.ids["payment"])
    assert payment.status == "created" and not payment.refunds.exists()


def _subject_request_unanswered(world: World) -> None:
    assert SubjectRequest.objects.get(pk=world.ids["subject_request"]).answered_at is None


def _instructions_only_the_first(world: World) -> None:
    assert [str(i.subject) for i in Instruction.objects.filter(agency_id=world.first.agency_id)] == [
        "Instructie van het eerste"
    ]
    assert not Instruction.objects.filter(agency_id=world.second.agency_id).exists()


def _first_not_restricted(world: World) -> None:
    from burgerprofiel.compliance.subject_rights.models import Restriction

    assert not Restriction.objects.filter(agency_id=world.first.agency_id).exists()


def _own(method: str, path: str, **kwargs: Any) -> Callable[[World], Case]:
    """An operation that names no object: it acts on (or lists) the caller's own data."""
    return lambda world: Case(Call(method, path, **kwargs))


ENDPOINTS = "/api/v1/webhooks/endpoints"
WITNESS = "/api/v1/audit/witness/heads"
REPORTS = "/api/v1/error-reports"
NOTICES = "/api/v1/notices"
FORMS = "/api/v1/requestable-services"
REQUESTS = "/api/v1/service-requests"
PAYMENTS = "/api/v1/payments"
CASES: dict[tuple[str, str], Callable[[World], Case]] = {
    ("get", "/api/v1/me"): _own("get", "/api/v1/me"),
    ("get", "/api/v1/me/order-check"): _own("get", "/api/v1/me/order-check", query={"component": "dosis"}),
    ("get", "/api/v1/contact-persons"): _own("get", "/api/v1/contact-persons"),
    ("get", "/api/v1/audit/events"): _own("get", "/api/v1/audit/events"),
    # The signed tree heads and their consistency cover the whole log (every agency's events, as
    # leaf hashes only): shared by design, they hold no agency's data.
    ("get", "/api/v1/audit/tree-heads/latest"): _own("get", "/api/v1/audit/tree-heads/latest"),
    ("get", "/api/v1/audit/consistency-proof"): _own(
        "get", "/api/v1/audit/consistency-proof", query={"first": 1, "second": 2}
    ),
    ("get", "/api/v1/audit/events/{event_id}/inclusion-proof"): lambda w: Case(
        Call("get", f"/api/v1/audit/events/{w.ids['audit_event']}/inclusion-proof"),
        Call("get", f"/api/v1/audit/events/{2**62}/inclusion-proof"),
    ),
    ("get", "/api/v1/dosis/resultaten"): lambda w: Case(
        Call("get", "/api/v1/dosis/resultaten", {"bron": FIRST_BRON, "dossierNummer": "DOS-EERSTE-1"}),
        Call("get", "/api/v1/dosis/resultaten", {"bron": FIRST_BRON, "dossierNummer": "BESTAAT-NIET"}),
    ),
    ("get", "/api/v1/dosis/resultaten/perUploadId"): lambda w: Case(
        Call("get", "/api/v1/dosis/resultaten/perUploadId", {"uploadId": "UPL-EERSTE-1"}),
        Call("get", "/api/v1/dosis/resultaten/perUploadId", {"uploadId": "BESTAAT-NIET"}),
    ),
    ("get", "/api/v1/dosis/resultaten/fouten"): lambda w: Case(
        Call("get", "/api/v1/dosis/resultaten/fouten", {"bron": FIRST_BRON}),
        Call("get", "/api/v1/dosis/resultaten/fouten", {"bron": "https://bestaat-niet.example/dosis"}),
    ),
    ("delete", "/api/v1/dosis/dossiers"): lambda w: Case(
        Call("delete", "/api/v1/dosis/dossiers", {"bron": FIRST_BRON, "dossierNummer": "DOS-EERSTE-1"}),
        Call("delete", "/api/v1/dosis/dossiers", {"bron": FIRST_BRON, "dossierNummer": "BESTAAT-NIET"}),
        _dossier_still_there,
    ),
    ("post", "/api/v1/notifications"): _own(
        "post", "/api/v1/notifications", body={"insz": CITIZEN, "message": "Van het tweede", "ipdc_product": "9"}
    ),
    ("post", "/api/v1/notifications/bulk"): _own(
        "post",
        "/api/v1/notifications/bulk",
        body={"recipients": [CITIZEN], "message": "Van het tweede", "ipdc_product": "9"},
    ),
    ("get", "/api/v1/notifications/receipts"): _own("get", "/api/v1/notifications/receipts"),
    ("get", "/api/v1/notifications/{notification_id}"): lambda w: Case(
        Call("get", f"/api/v1/notifications/{w.ids['notification']}"),
        Call("get", f"/api/v1/notifications/{MISSING_UUID}"),
    ),
    # A citizen who consented to the first agency only: to the second, exactly an unknown citizen.
    ("post", "/api/v1/preferences/lookup"): lambda w: Case(
        Call("post", "/api/v1/preferences/lookup", body={"insz": CITIZEN}),
        Call("post", "/api/v1/preferences/lookup", body={"insz": OTHER_CITIZEN}),
    ),
    ("post", ENDPOINTS): _own(
        "post", ENDPOINTS, body={"url": "http://127.0.0.1:9/tweede", "event_types": ["foutmelding.ingediend"]}
    ),
    ("get", ENDPOINTS): _own("get", ENDPOINTS),
    ("get", ENDPOINTS + "/{endpoint_id}"): lambda w: Case(
        Call("get", f"{ENDPOINTS}/{w.ids['endpoint']}"), Call("get", f"{ENDPOINTS}/{MISSING_UUID}")
    ),
    ("delete", ENDPOINTS + "/{endpoint_id}"): lambda w: Case(
        Call("delete", f"{ENDPOINTS}/{w.ids['endpoint']}"),
        Call("delete", f"{ENDPOINTS}/{MISSING_UUID}"),
        _endpoint_still_there,
    ),
    ("post", ENDPOINTS + "/{endpoint_id}/secret-rotation"): lambda w: Case(
        Call("post", f"{ENDPOINTS}/{w.ids['endpoint']}/secret-rotation", body={}),
        Call("post", f"{ENDPOINTS}/{MISSING_UUID}/secret-rotation", body={}),
        _endpoint_still_there,
    ),
    ("get", "/api/v1/webhooks/deliveries"): _own("get", "/api/v1/webhooks/deliveries"),
    ("post", "/api/v1/webhooks/deliveries/{delivery_id}/replay"): lambda w: Case(
        Call("post", f"/api/v1/webhooks/deliveries/{w.ids['delivery']}/replay", body={}),
        Call("post", f"/api/v1/webhooks/deliveries/{MISSING_UUID}/replay", body={}),
        _delivery_still_failed,
    ),
    ("get", "/api/v1/events"): _own("get", "/api/v1/events"),
    # An upload to the first agency's source: refused as for a source that does not exist.
    ("post", "/api/v2/dosis/dossiers"): lambda w: Case(
        Call("post", "/api/v2/dosis/dossiers", body=_upload(FIRST_BRON, "DOS-EERSTE-1", "UPL-TWEEDE-1")),
        Call(
            "post",
            "/api/v2/dosis/dossiers",
            body=_upload("https://bestaat-niet.example/d", "DOS-EERSTE-1", "UPL-TWEEDE-1"),
        ),
        _dossier_still_there,
    ),
    ("post", "/api/v2/dosis/dossiers/bulk"): lambda w: Case(
        Call(
            "post",
            "/api/v2/dosis/dossiers/bulk",
            body=json.dumps(_upload(FIRST_BRON, "DOS-EERSTE-1", "UPL-TWEEDE-2")),
            content_type="application/x-ndjson",
        ),
        Call(
            "post",
            "/api/v2/dosis/dossiers/bulk",
            body=json.dumps(_upload("https://bestaat-niet.example/d", "DOS-EERSTE-1", "UPL-TWEEDE-2")),
            content_type="application/x-ndjson",
        ),
        _dossier_still_there,
    ),
    ("get", "/api/v2/dosis/bronnen/uris"): _own("get", "/api/v2/dosis/bronnen/uris"),
    ("get", WITNESS): lambda w: Case(Call("get", WITNESS), empty=True),
    ("post", WITNESS): lambda w: Case(Call("post", WITNESS, body={"signed_tree_head": w.ids["signed_tree_head"]})),
    # The end of an order: a bundle exists only for the agency whose order ended (none for the second).
    ("get", "/api/v1/offboarding/bundle"): lambda w: Case(
        Call("get", "/api/v1/offboarding/bundle"), Call("get", "/api/v1/offboarding/bundle")
    ),
    # Data-subject rights: the second agency on the first agency's citizen acts on its own data only.
    ("post", "/api/v1/data-subjects/export"): _own("post", "/api/v1/data-subjects/export", body={"insz": CITIZEN}),
    ("post", "/api/v1/data-subjects/restriction"): lambda w: Case(
        Call("post", "/api/v1/data-subjects/restriction", body={"insz": CITIZEN}),
        unchanged=_first_not_restricted,
    ),
    ("post", "/api/v1/data-subjects/restriction/lift"): _own(
        "post", "/api/v1/data-subjects/restriction/lift", body={"insz": CITIZEN}
    ),
    ("post", "/api/v1/data-subjects/erasure"): lambda w: Case(
        Call("post", "/api/v1/data-subjects/erasure", body={"insz": CITIZEN}), unchanged=_dossier_still_there
    ),
    # The register is the platform's, the same for every agency; a change is no agency's object.
    ("get", "/api/v1/subprocessors"): _own("get", "/api/v1/subprocessors"),
    ("post", "/api/v1/subprocessors/changes/{change_id}/objections"): lambda w: Case(
        Call(
            "post",
            f"/api/v1/subprocessors/changes/{MISSING_UUID}/objections",
            body={"reason": "Bezwaar van het tweede agentschap."},
        )
    ),
    # The charter is the same for every agency; the terminations listed are the caller's own.
    ("get", "/api/v1/charter"): _own("get", "/api/v1/charter"),
    ("post", "/api/v1/charter/amendments/{amendment_id}/termination"): lambda w: Case(
        Call("post", f"/api/v1/charter/amendments/{w.ids['amendment']}/termination", body={"reason": "Tweede"}),
    ),
    ("get", "/api/v1/compliance/report"): _own("get", "/api/v1/compliance/report"),
    ("get", "/api/v1/compliance/measures"): _own("get", "/api/v1/compliance/measures"),
    ("post", "/api/v1/subject-requests/{request_id}/answer"): lambda w: Case(
        Call(
            "post",
            f"/api/v1/subject-requests/{w.ids['subject_request']}/answer",
            body={"outcome": "uitgevoerd", "message": "Klaar"},
        ),
        Call("post", f"/api/v1/subject-requests/{MISSING_UUID}/answer", body={"outcome": "uitgevoerd", "message": "x"}),
        _subject_request_unanswered,
    ),
    ("get", NOTICES): _own("get", NOTICES),
    ("get", NOTICES + "/{notice_id}/pdf"): lambda w: Case(
        Call("get", f"{NOTICES}/{w.ids['notice']}/pdf"), Call("get", f"{NOTICES}/{MISSING_UUID}/pdf")
    ),
    ("post", NOTICES + "/{notice_id}/acknowledge"): lambda w: Case(
        Call("post", f"{NOTICES}/{w.ids['notice']}/acknowledge", body={}),
        Call("post", f"{NOTICES}/{MISSING_UUID}/acknowledge", body={}),
        unchanged=_notice_still_unacknowledged,
    ),
    ("get", "/api/v1/instructions"): _own("get", "/api/v1/instructions"),
    # The first agency's contact person instructs nobody for the second: refused as an unknown contact is.
    ("post", "/api/v1/instructions"): lambda w: Case(
        Call("post", "/api/v1/instructions", body={"contact_id": w.ids["contact"], "subject": "S", "text": "T"}),
        Call("post", "/api/v1/instructions", body={"contact_id": 2**62, "subject": "S", "text": "T"}),
        _instructions_only_the_first,
    ),
    ("get", REPORTS): _own("get", REPORTS),
    ("get", REPORTS + "/{report_id}"): lambda w: Case(
        Call("get", f"{REPORTS}/{w.ids['report']}"), Call("get", f"{REPORTS}/{MISSING_UUID}")
    ),
    ("get", REPORTS + "/{report_id}/attachment"): lambda w: Case(
        Call("get", f"{REPORTS}/{w.ids['report']}/attachment"), Call("get", f"{REPORTS}/{MISSING_UUID}/attachment")
    ),
    ("post", REPORTS + "/{report_id}/status"): lambda w: Case(
        Call("post", f"{REPORTS}/{w.ids['report']}/status", body={"status": "gecorrigeerd"}),
        Call("post", f"{REPORTS}/{MISSING_UUID}/status", body={"status": "gecorrigeerd"}),
        _report_unchanged,
    ),
    ("post", REPORTS + "/{report_id}/messages"): lambda w: Case(
        Call("post", f"{REPORTS}/{w.ids['report']}/messages", body={"text": "Van het tweede"}),
        Call("post", f"{REPORTS}/{MISSING_UUID}/messages", body={"text": "Van het tweede"}),
        _report_unchanged,
    ),
    ("post", FORMS): _own(
        "post", FORMS, body={"ipdc_product": "9", "title": "Dienst van het tweede", "form_schema": ISOLATION_FORM}
    ),
    ("get", FORMS): _own("get", FORMS),
    ("get", FORMS + "/{service_id}"): lambda w: Case(
        Call("get", f"{FORMS}/{w.ids['service']}"), Call("get", f"{FORMS}/{MISSING_UUID}")
    ),
    ("delete", FORMS + "/{service_id}"): lambda w: Case(
        Call("delete", f"{FORMS}/{w.ids['service']}"), Call("delete", f"{FORMS}/{MISSING_UUID}"), _service_still_offered
    ),
    ("get", REQUESTS): _own("get", REQUESTS),
    ("get", REQUESTS + "/{request_id}"): lambda w: Case(
        Call("get", f"{REQUESTS}/{w.ids['request']}"), Call("get", f"{REQUESTS}/{MISSING_UUID}")
    ),
    ("post", REQUESTS + "/{request_id}/dossier"): lambda w: Case(
        Call("post", f"{REQUESTS}/{w.ids['request']}/dossier", body={"dossier_number": "DOS-TWEEDE-1"}),
        Call("post", f"{REQUESTS}/{MISSING_UUID}/dossier", body={"dossier_number": "DOS-TWEEDE-1"}),
        _request_unanswered,
    ),
    ("post", PAYMENTS): _own(
        "post",
        PAYMENTS,
        body={
            "insz": CITIZEN,
            "amount_cents": 500,
            "description": "Betaling van het tweede",
            "due_date": "2099-01-01",
            "creditor_iban": "BE68539007547034",
        },
    ),
    ("get", PAYMENTS): _own("get", PAYMENTS),
    # The CSV of the caller's own day: another agency's payments are not in it.
    ("get", PAYMENTS + "/reconciliation"): _own("get", PAYMENTS + "/reconciliation", query={"date": "2026-01-05"}),
    ("get", PAYMENTS + "/{payment_id}"): lambda w: Case(
        Call("get", f"{PAYMENTS}/{w.ids['payment']}"), Call("get", f"{PAYMENTS}/{MISSING_UUID}")
    ),
    ("post", PAYMENTS + "/{payment_id}/refunds"): lambda w: Case(
        Call("post", f"{PAYMENTS}/{w.ids['payment']}/refunds", body={"amount_cents": 100}),
        Call("post", f"{PAYMENTS}/{MISSING_UUID}/refunds", body={"amount_cents": 100}),
        _payment_unrefunded,
    ),
}


# Leaks this suite found that another change fixes; the test fails when one of them stops leaking, so
# that the entry goes with the fix.
KNOWN_LEAKS: dict[tuple[str, str], str] = {}


def published_operations(client: Client) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for url in ("/api/v1/openapi.json", "/api/v2/openapi.json"):
        document = client.get(url).json()
        for path, item in document["paths"].items():
            for method, operation in item.items():
                found.append((method, path, operation))
    return found


def _inputs(call: Call) -> list[str]:
    """The strings the caller sent itself (an answer may echo them: that is no leak)."""
    found: list[str] = [str(v) for v in call.query.values()]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            found.append(node)

    walk(json.loads(call.body) if isinstance(call.body, str) else call.body)
    return sorted((s for s in found if len(s) > 3), key=len, reverse=True)


def _shape(response: Any, call: Call) -> tuple[int, Any]:
    """What an answer says, without what is unique to the request (its id) and with the caller's own
    input, where it is echoed, as ``<input>``."""
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "json" not in content_type or not body:
        return response.status_code, body
    text = body.decode()
    for value in _inputs(call):
        text = text.replace(json.dumps(value, ensure_ascii=False)[1:-1], "<input>")
    data = json.loads(text)
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in ("instance", "UploadId")}
        if "Resultaten" in data:  # a DOSIS bulk: per line, the same refusal
            data["Resultaten"] = [{k: v for k, v in line.items() if k != "UploadId"} for line in data["Resultaten"]]
    return response.status_code, data


@pytest.fixture
def receiver() -> Any:
    peer = HttpPeer().start()
    yield peer
    peer.stop()


def test_every_published_operation_has_an_isolation_case(client: Client) -> None:
    missing = [(m, p) for m, p, _ in published_operations(client) if (m, p) not in CASES]
    assert not missing, f"operations without a tenant-isolation case in test_isolation.CASES: {missing}"
    stale = set(CASES) - {(m, p) for m, p, _ in published_operations(client)}
    assert not stale, f"cases for operations the documents no longer publish: {stale}"


def test_another_agency_gets_what_it_gets_for_nothing_and_never_the_first_agencys_data(
    client: Client, receiver: HttpPeer
) -> None:
    world = world_build(client, receiver)
    failures: list[str] = []
    known: dict[tuple[str, str], list[str]] = {}
    # Reads first: what the second agency then writes for itself cannot blur what it read.
    operations = sorted(published_operations(client), key=lambda op: op[0] != "get")
    for method, path, _ in operations:
        case = CASES[(method, path)](world)
        answer = case.target.send(client, world.second_headers)
        status, body = _shape(answer, case.target)
        text = json.dumps(body, ensure_ascii=False) if not isinstance(body, bytes) else body.decode(errors="replace")
        leaked = sorted(m for m in world.markers if m in text)
        if leaked:
            failures.append(f"{method.upper()} {path}: the second agency saw {leaked}")
        if status == 403:
            failures.append(f"{method.upper()} {path}: 403 to the second agency ({text[:200]})")
        if status >= 500:
            failures.append(f"{method.upper()} {path}: {status}")
        if case.missing is not None:
            expected = _shape(case.missing.send(client, world.second_headers), case.missing)
            if (status, body) != expected:
                failures.append(
                    f"{method.upper()} {path}: {status} {text[:300]} differs from a missing object's {expected}"
                )
            if status != 404 and not (status == 200 and body in ([], {})) and "lookup" not in path and method != "post":
                failures.append(f"{method.upper()} {path}: {status}, neither 404 nor an empty answer")
        if case.unchanged is not None:
            case.unchanged(world)
        if case.empty and body != []:
            failures.append(f"{method.upper()} {path}: {text[:200]} instead of nothing")
        if (method, path) in KNOWN_LEAKS:
            known[(method, path)] = [f for f in failures if f.startswith(f"{method.upper()} {path}:")]
            failures = [f for f in failures if f not in known[(method, path)]]
    print(f"\ntenant isolation: {len(operations)} operations x 1 foreign-agency case")
    assert not failures, "\n".join(failures)
    fixed = [op for op in KNOWN_LEAKS if op in known and not known[op]]
    assert not fixed, f"no longer leaking, remove from KNOWN_LEAKS: {fixed}"


def test_an_order_without_the_operations_component_is_refused_with_403(client: Client, receiver: HttpPeer) -> None:
    world = world_build(client, receiver)
    failures: list[str] = []
    lacking: dict[str, dict[str, str]] = {}
    checked = 0
    for method, path, operation in published_operations(client):
        component = operation.get("x-component")
        if component is None:
            continue  # any active order allows it (its data are the agency's own)
        if component not in lacking:
            others = [c for c in COMPONENTS if c != component]
            agency = make_agency(name=f"Zonder {component}", kbo=kbo(2000 + len(lacking)), components=",".join(others))
            lacking[component] = bearer(client, agency)
        response = CASES[(method, path)](world).target.send(client, lacking[component])
        checked += 1
        if response.status_code != 403 or response.json().get("reason") != "component-not-ordered":
            failures.append(
                f"{method.upper()} {path} without {component}: {response.status_code} {response.content[:200]!r}"
            )
    print(f"\ncomponent refusals: {checked} operations x 1 order lacking their component")
    assert checked >= 10
    assert not failures, "\n".join(failures)


# -- the portal ----------------------------------------------------------------------------------------


def _portal_patterns() -> list[tuple[str, URLPattern]]:
    """Every portal URL that takes a parameter, by its name (namespace:name)."""
    found: list[tuple[str, URLPattern]] = []

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.pattern.converters and namespace:
                found.append((f"{namespace}:{entry.name}", entry))

    resolver = get_resolver()
    portal = [
        e
        for e in resolver.url_patterns
        if isinstance(e, URLResolver) and not str(e.pattern).startswith(("api", "backoffice"))
    ]
    walk(portal, None)
    return found


@dataclass
class PortalCase:
    method: str
    mine: str  # another citizen's object
    missing: str  # an object that does not exist


def _portal_world(client: Client) -> dict[str, Any]:
    agency = make_agency(
        name="Portaal Agentschap", kbo=kbo(3001), components="dosis,notificaties,foutmeldingen,aanvragen,betalingen"
    )
    dosis_source_register(agency=Agency.objects.get(pk=agency.agency_id), uri=FIRST_BRON, actor=TEST_ACTOR)
    headers = bearer(client, agency)
    _ok(
        client.post(
            "/api/v2/dosis/dossiers",
            _upload(FIRST_BRON, "DOS-PORTAAL-1", "UPL-P-1", OTHER_CITIZEN),
            "application/json",
            **headers,
        )
    )
    _ok(
        client.post(
            "/api/v1/notifications",
            {"insz": OTHER_CITIZEN, "message": "Voor iemand anders", "ipdc_product": "1"},
            "application/json",
            **headers,
        )
    )
    other = citizen_get_or_create(insz=OTHER_CITIZEN)
    dossier = Dossier.objects.get(number="DOS-PORTAAL-1")
    report = error_report_submit(
        citizen=other,
        subject=subject_for_dossier(citizen=other, dossier_id=dossier.pk),
        what_is_wrong="fout",
        should_be="juist",
    )
    service = _ok(
        client.post(
            "/api/v1/requestable-services",
            {"ipdc_product": "1", "title": "Dienst", "form_schema": ISOLATION_FORM, "min_acr": "sms"},
            "application/json",
            **headers,
        ),
        201,
    )
    request = service_request_submit(
        citizen=other,
        service=RequestableService.objects.get(pk=service["id"]),
        answers={"reden": "de mijne"},
        applicant_name="Iemand Anders",
    )
    payment = _ok(
        client.post(
            PAYMENTS,
            {
                "insz": OTHER_CITIZEN,
                "amount_cents": 700,
                "description": "Betaling van iemand anders",
                "due_date": "2099-01-01",
                "creditor_iban": "BE71096123456769",
            },
            "application/json",
            **headers,
        ),
        201,
    )
    return {
        "dossier": dossier.pk,
        "notification": str(Notification.objects.get().pk),
        "report": str(report.pk),
        "request": str(request.pk),
        "payment": payment["id"],
    }


# Parameters that are no citizen's object: each says why it needs no case of another citizen.
NOT_AN_OBJECT = {
    # A signed, single-use token mailed to the citizen; it is its own authorisation and binds the citizen.
    "preferences:email_confirm": "token",
    "preferences:unsubscribe": "token",
    # A channel of the logged-in citizen's own preferences (e-mail, gsm): no other citizen's object.
    "preferences:remove": "channel",
    # A certificate is fetched live from the source for the logged-in citizen's own INSZ (never by id).
    "documents:download": "source, year and language",
    # A published form is offered to every citizen: no citizen's object (their request is, below).
    "service_requests:form": "a requestable service",
    # The logged-in citizen's own export, in the format asked (json, pdf): never another citizen's.
    "subject_requests:export": "format",
}
PORTAL_CASES: dict[str, Callable[[dict[str, Any]], PortalCase]] = {
    "dossiers:detail": lambda w: PortalCase("get", f"/mijn-dossiers/{w['dossier']}/", "/mijn-dossiers/999999999/"),
    "notifications:detail": lambda w: PortalCase(
        "get", f"/meldingen/{w['notification']}", f"/meldingen/{MISSING_UUID}"
    ),
    "notifications:read": lambda w: PortalCase(
        "post", f"/meldingen/{w['notification']}/gelezen", f"/meldingen/{MISSING_UUID}/gelezen"
    ),
    "corrections:report-dossier": lambda w: PortalCase(
        "get", f"/mijn-dossiers/{w['dossier']}/fout-melden", "/mijn-dossiers/999999999/fout-melden"
    ),
    "corrections:detail": lambda w: PortalCase(
        "get", f"/foutmeldingen/{w['report']}/", f"/foutmeldingen/{MISSING_UUID}/"
    ),
    "corrections:message": lambda w: PortalCase(
        "post", f"/foutmeldingen/{w['report']}/bericht", f"/foutmeldingen/{MISSING_UUID}/bericht"
    ),
    "service_requests:submitted": lambda w: PortalCase(
        "get", f"/aanvragen/ingediend/{w['request']}/", f"/aanvragen/ingediend/{MISSING_UUID}/"
    ),
    "service_requests:receipt": lambda w: PortalCase(
        "get",
        f"/aanvragen/ingediend/{w['request']}/ontvangstbewijs.pdf",
        f"/aanvragen/ingediend/{MISSING_UUID}/ontvangstbewijs.pdf",
    ),
    "payments:detail": lambda w: PortalCase("get", f"/betalingen/{w['payment']}", f"/betalingen/{MISSING_UUID}"),
    "payments:pay": lambda w: PortalCase(
        "post", f"/betalingen/{w['payment']}/betalen", f"/betalingen/{MISSING_UUID}/betalen"
    ),
    "payments:returned": lambda w: PortalCase(
        "get", f"/betalingen/{w['payment']}/terug", f"/betalingen/{MISSING_UUID}/terug"
    ),
    "payments:receipt": lambda w: PortalCase(
        "get",
        f"/betalingen/{w['payment']}/betalingsbewijs.pdf",
        f"/betalingen/{MISSING_UUID}/betalingsbewijs.pdf",
    ),
}


def test_every_portal_url_with_an_object_id_has_an_isolation_case() -> None:
    names = [name for name, _ in _portal_patterns()]
    assert "dossiers:detail" in names
    missing = [n for n in names if n not in PORTAL_CASES and n not in NOT_AN_OBJECT]
    assert not missing, f"portal URLs without a case in test_isolation.PORTAL_CASES: {missing}"


def test_another_citizens_object_in_a_portal_url_is_not_found(client: Client) -> None:
    world = _portal_world(client)
    login_citizen(client, CITIZEN)
    failures = []
    for name, _ in _portal_patterns():
        if name in NOT_AN_OBJECT:
            continue
        case = PORTAL_CASES[name](world)
        send = getattr(client, case.method)
        theirs, nothing = send(case.mine), send(case.missing)
        if theirs.status_code != 404 or nothing.status_code != 404:
            failures.append(f"{name}: {theirs.status_code} for another citizen's, {nothing.status_code} for none")
    assert Notification.objects.get().read_at is None  # and nothing happened to theirs
    print(f"\nportal isolation: {len(PORTAL_CASES)} URLs x another citizen's object")
    assert not failures, "\n".join(failures)


def test_the_uuid_used_for_missing_objects_is_a_valid_uuid() -> None:
    assert uuid.UUID(MISSING_UUID).version == 4
