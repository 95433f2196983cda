"""Service requests against the live platform: list and read what a citizen submitted, answer it with
a dossier number (the same number again changes nothing, another one is a conflict)."""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from pathlib import Path

import pytest

from burgerprofiel_client import AgencyClient, Conflict, NotFound
from burgerprofiel_client.webhooks import WebhookEvent
from conftest import DOSIS_SOURCE, Onboarded
from live_platform import Platform, valid_insz

DEMO_AGENCY = Path(__file__).resolve().parents[3] / "examples" / "demo_agency"
SUBMIT = """
import json
from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.service_requests.services import requestable_service_publish, service_request_submit

service = requestable_service_publish(
    agency_id=AGENCY, ipdc_product="1502", title="Bewonerskaart", description="",
    form_schema={"type": "object", "properties": {"nummerplaat": {"type": "string", "title": "Nummerplaat"}},
                 "required": ["nummerplaat"]},
    min_acr="app", dossier_follows=True, actor=cli_actor("client-tests"),
)
request = service_request_submit(
    citizen=citizen_get_or_create(insz=INSZ), service=service, answers={"nummerplaat": "1-ABC-123"},
    applicant_name="An Peeters",
)
print("RESULT", json.dumps({"request": str(request.pk)}))
"""


def test_a_request_is_read_and_answered_with_a_dossier_number(
    client: AgencyClient, platform: Platform, secret_agency: Onboarded
) -> None:
    insz = valid_insz(8101)
    code = SUBMIT.replace("AGENCY", str(secret_agency.agency_id)).replace("INSZ", repr(insz))
    request_id = platform.shell(code)["request"]

    listed = [r for r in client.service_requests.iter_all(page_size=1) if r.id == request_id]
    assert [(r.insz, r.status, r.answers) for r in listed] == [(insz, "ingediend", {"nummerplaat": "1-ABC-123"})]
    assert client.service_requests.get(request_id).applicant_name == "An Peeters"

    answered = client.service_requests.answer_with_dossier(request_id, "AANVRAAG-0001")
    assert (answered.status, answered.dossier_number) == ("dossier", "AANVRAAG-0001")
    again = client.service_requests.answer_with_dossier(request_id, "AANVRAAG-0001")
    assert again.dossier_number == "AANVRAAG-0001"  # the same number: nothing changes
    with pytest.raises(Conflict):
        client.service_requests.answer_with_dossier(request_id, "AANVRAAG-0002")
    assert client.service_requests.get(request_id).dossier_number == "AANVRAAG-0001"


def test_an_unknown_request_is_not_found(client: AgencyClient) -> None:
    with pytest.raises(NotFound):
        client.service_requests.get("00000000-0000-4000-8000-000000000000")


def test_the_demo_agency_answers_a_request_with_a_linked_dossier(
    client: AgencyClient, platform: Platform, secret_agency: Onboarded
) -> None:
    """examples/demo_agency's answer to ``aanvraag.ingediend``: a dossier pushed, the request linked to it."""
    sys.path.insert(0, str(DEMO_AGENCY))
    try:
        demo = importlib.import_module("app")  # examples/demo_agency/app.py, a script beside this package
    finally:
        sys.path.remove(str(DEMO_AGENCY))
    insz = valid_insz(8102)
    code = SUBMIT.replace("AGENCY", str(secret_agency.agency_id)).replace("INSZ", repr(insz))
    request_id = platform.shell(code)["request"]
    event = WebhookEvent(
        id="evt_demo",
        type="aanvraag.ingediend",
        time=dt.datetime.now(dt.UTC),
        data=client.service_requests.get(request_id).model_dump(mode="json"),
    )
    state = demo.State()

    demo.answer_request(client, bron=DOSIS_SOURCE, state=state, event=event)

    number = f"AANVRAAG-{request_id}"
    assert client.service_requests.get(request_id).dossier_number == number, state.pushed
    uploads = [r.UploadId for r in client.dosis.results(bron=DOSIS_SOURCE, dossier_nummer=number)]
    assert uploads, state.pushed
    assert all(r.Succes for r in client.dosis.wait_for_results(uploads).values())
