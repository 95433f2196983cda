"""Certificates: the existing source contract, merged lists, filters, a checked PDF download."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.conftest import login_citizen
from burgerprofiel.documents import services
from burgerprofiel.personal_data.devpeers import DemoServer, Spec
from burgerprofiel.personal_data.tests.factories import make_pull_agency, register

AN = "85073003328"
Demo = Callable[..., DemoServer]


def _list(client: Client, **params: str) -> str:
    response = client.get("/attesten", params)
    assert response.status_code == 200
    return response.content.decode()


def test_certificates_of_every_source_are_merged_across_pages(
    client: Client, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "PAGE_SIZE", 3)  # four certificates: two pages per source
    one = make_pull_agency()
    two = make_pull_agency(name="Departement Mobiliteit", kbo="0887010362")
    server = demo({"a": Spec("attesten", "U en uw gezin"), "b": Spec("attesten", "Mobiliteit", paging="pageMetadata")})
    register(server, "a", one.agency_id)
    register(server, "b", two.agency_id)
    login_citizen(client, AN)
    page = _list(client)
    assert page.count(">Attest van goed gedrag en zeden</td>") == 2  # on the second page of both
    assert page.count(">Attest gezinssamenstelling</td>") == 2
    assert "Agentschap Opgroeien" in page and "Departement Mobiliteit" in page
    assert server.requests.count("a") == 2 and server.requests.count("b") == 2


def test_certificates_are_filtered_by_theme_and_searched_by_title(client: Client, demo: Demo) -> None:
    one = make_pull_agency()
    server = demo({"a": Spec("attesten", "U en uw gezin"), "b": Spec("attesten", "Mobiliteit")})
    register(server, "a", one.agency_id)
    register(server, "b", one.agency_id)
    login_citizen(client, AN)
    page = _list(client, thema="Mobiliteit", zoek="woonst")
    assert page.count(">Attest van woonst</td>") == 1
    assert "Attest gezinssamenstelling" not in page
    assert server.requests == ["b"]


def test_a_certificate_downloads_as_a_pdf_with_a_safe_filename_and_is_audited(client: Client, demo: Demo) -> None:
    agency = make_pull_agency()
    server = demo({"a": Spec("attesten", "U en uw gezin")})
    source = register(server, "a", agency.agency_id)
    citizen = login_citizen(client, AN)
    response = client.get(f"/attesten/{source.pk}/2025/nl/download")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="attest-agentschap-opgroeien-2025-nl.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    event = AuditEvent.objects.get(action="documents.downloaded")
    assert (event.object_id, event.agency_id, event.outcome) == (str(citizen.pk), agency.agency_id, "success")


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        ("wrong-type", "Dit attest heeft een bestandstype dat niet wordt doorgegeven (alleen PDF)."),
        ("malformed", "De bron gaf een onleesbaar attest."),
    ],
)
def test_a_bad_download_gives_a_clear_message_and_nothing_else(
    client: Client, demo: Demo, behaviour: str, message: str
) -> None:
    agency = make_pull_agency()
    server = demo({"a": Spec("attesten", "U en uw gezin", behaviour)})
    source = register(server, "a", agency.agency_id)
    login_citizen(client, AN)
    response = client.get(f"/attesten/{source.pk}/2025/nl/download")
    assert response.status_code == 502
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()
    assert AuditEvent.objects.get(action="documents.downloaded").outcome == "failure"


def test_an_oversized_download_gives_a_clear_message(client: Client, demo: Demo, settings: Any) -> None:
    settings.PULL_MAX_DOCUMENT_BYTES = 100
    agency = make_pull_agency()
    server = demo({"a": Spec("attesten", "U en uw gezin")})
    source = register(server, "a", agency.agency_id)
    login_citizen(client, AN)
    response = client.get(f"/attesten/{source.pk}/2025/nl/download")
    assert response.status_code == 502
    assert "Het attest is te groot om te downloaden." in response.content.decode()


def test_a_download_from_a_source_of_an_agency_without_attesten_is_not_found(client: Client, demo: Demo) -> None:
    from burgerprofiel.conftest import make_agency
    from burgerprofiel.personal_data.models import PullSource

    agency = make_agency(components="uw_gegevens")
    server = demo({"a": Spec("attesten", "U en uw gezin")})
    source = PullSource.objects.create(agency_id=agency.agency_id, component="attesten", url=server.source_url("a"))
    login_citizen(client, AN)
    response = client.get(f"/attesten/{source.pk}/2025/nl/download")
    assert response.status_code == 502
    assert server.requests == []


def test_an_unknown_source_id_is_not_found(client: Client, db: Any) -> None:
    login_citizen(client, AN)
    assert client.get("/attesten/999/2025/nl/download").status_code == 404


def test_a_bad_download_is_explained_in_english_to_who_chose_english(client: Client, demo: Demo) -> None:
    agency = make_pull_agency()
    server = demo({"a": Spec("attesten", "U en uw gezin", "wrong-type")})
    source = register(server, "a", agency.agency_id)
    login_citizen(client, AN)
    client.cookies["bp_taal"] = "en"
    response = client.get(f"/attesten/{source.pk}/2025/nl/download")
    assert response.status_code == 502
    assert "This certificate has a file type that is not passed on (PDF only)." in response.content.decode()
