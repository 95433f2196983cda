"""Pull sources: the README's WSGI source, called by the live platform with tokens it really signed."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import time_machine

from burgerprofiel_client.sources import (
    CertificateEntry,
    PersonalDataItem,
    PullSource,
    SourceTokenInvalid,
    SourceTokenVerifier,
    certificates_answer,
    personal_data_answer,
)
from conftest import Onboarded
from live_platform import Platform, free_port

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import source_wsgi

INSZ = "85073003328"
STRANGER = "90022742191"

PULL = """
import json
from burgerprofiel.audit.actors import cli_actor
from burgerprofiel.citizens.services import citizen_get_or_create
from burgerprofiel.documents.services import certificate_download, certificates_list
from burgerprofiel.personal_data.pull import source_token
from burgerprofiel.personal_data.services import personal_data_pull, pull_source_add

actor = cli_actor("client-tests")
gegevens = pull_source_add(agency_id=AGENCY, component="uw_gegevens", url=URL, theme="U en uw gezin", actor=actor)
attesten = pull_source_add(agency_id=AGENCY, component="attesten", url=URL, theme="U en uw gezin", actor=actor)
citizen, stranger = citizen_get_or_create(insz=INSZ), citizen_get_or_create(insz=STRANGER)
themes, unknown = personal_data_pull(citizen=citizen), personal_data_pull(citizen=stranger)
certificates, statuses = certificates_list(citizen=citizen)
download = certificate_download(citizen=citizen, source_id=attesten.pk, year=2026, language="nl")
results = [r for t in themes for r in t.results]
print("RESULT", json.dumps({
    "status": [r.status for r in results],
    "items": [[i.id, i.label, i.value] for r in results for i in r.items],
    "unknown": [r.status for t in unknown for r in t.results],
    "certificates": sorted([c.name, c.year] for c in certificates),
    "download": [download.content_type, download.content[:8].decode()],
    "token": source_token(insz=INSZ, audience=URL),
    "token_elsewhere": source_token(insz=INSZ, audience="http://127.0.0.1:9/elders"),
}))
"""


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # no INSZ in test output
        return


@pytest.fixture(scope="module")
def source(platform: Platform) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = source_wsgi.make_app(platform_url=platform.url, source_url=url)
    server = make_server("127.0.0.1", port, app, server_class=ThreadingServer, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def pulled(platform: Platform, source: str, secret_agency: Onboarded) -> dict[str, Any]:
    code = PULL.replace("AGENCY", str(secret_agency.agency_id)).replace("URL", repr(source))
    code = code.replace("STRANGER", repr(STRANGER)).replace("INSZ", repr(INSZ))
    result: dict[str, Any] = platform.shell(code)
    return result


def test_the_platform_shows_what_the_example_source_serves(pulled: dict[str, Any]) -> None:
    assert pulled["status"] == ["ok"]
    assert pulled["items"] == [
        ["gezin", "Gezinssamenstelling", "3 personen"],
        ["adres", "Domicilieadres", "Havenlaan 88, 1000 Brussel"],
    ]


def test_a_person_the_source_does_not_know_is_empty_not_an_error(pulled: dict[str, Any]) -> None:
    assert pulled["unknown"] == ["empty"]


def test_the_platform_lists_and_downloads_the_example_sources_certificates(pulled: dict[str, Any]) -> None:
    assert pulled["certificates"] == [["Attest gezinssamenstelling", 2026], ["Attest van woonst", 2025]]
    assert pulled["download"] == ["application/pdf", "%PDF-1.4"]


def test_a_token_the_platform_issued_verifies_and_names_the_citizen(
    platform: Platform, source: str, pulled: dict[str, Any]
) -> None:
    verifier = SourceTokenVerifier(jwks_url=f"{platform.url}/oauth/jwks", audience=source, issuer=platform.url)

    token = verifier.verify(f"Bearer {pulled['token']}", insz="85.07.30-033.28")

    assert token.insz == INSZ
    assert token.audience == source
    assert token.expires_at > dt.datetime.now(dt.UTC)


def test_a_token_for_another_source_is_refused(platform: Platform, source: str, pulled: dict[str, Any]) -> None:
    verifier = SourceTokenVerifier(jwks_url=f"{platform.url}/oauth/jwks", audience=source)

    with pytest.raises(SourceTokenInvalid, match="audience"):
        verifier.verify(f"Bearer {pulled['token_elsewhere']}")


def test_a_token_about_another_citizen_than_the_path_names_is_refused(
    platform: Platform, source: str, pulled: dict[str, Any]
) -> None:
    verifier = SourceTokenVerifier(jwks_url=f"{platform.url}/oauth/jwks", audience=source)

    with pytest.raises(SourceTokenInvalid, match="another person"):
        verifier.verify(f"Bearer {pulled['token']}", insz=STRANGER)


def test_an_expired_token_is_refused(platform: Platform, source: str, pulled: dict[str, Any]) -> None:
    verifier = SourceTokenVerifier(jwks_url=f"{platform.url}/oauth/jwks", audience=source)
    verifier.verify(f"Bearer {pulled['token']}")  # keys fetched while the clock is right

    with (
        time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=3)),
        pytest.raises(SourceTokenInvalid, match="expired"),
    ):
        verifier.verify(f"Bearer {pulled['token']}")


def test_a_token_signed_by_anyone_else_is_refused(platform: Platform, source: str) -> None:
    from burgerprofiel_client import SigningKey

    forged = SigningKey.generate("ES256").sign({"aud": source, "rrn": INSZ, "exp": 2**31})
    verifier = SourceTokenVerifier(jwks_url=f"{platform.url}/oauth/jwks", audience=source)

    with pytest.raises(SourceTokenInvalid, match="signature"):
        verifier.verify(f"Bearer {forged}")


def test_the_source_answers_403_without_a_valid_token(platform: Platform, source: str) -> None:
    handler = PullSource(
        SourceTokenVerifier(jwks_url=f"{platform.url}/oauth/jwks", audience=source), personal_data=lambda _: []
    )

    reply = handler.handle(method="GET", path="/", authorization="Bearer nope")

    assert reply.status == 403


def test_the_answers_follow_the_contracts() -> None:
    body = personal_data_answer(INSZ, [PersonalDataItem("a", "Label", "Waarde", updated_at=dt.date(2026, 1, 2))])
    page = certificates_answer(INSZ, [CertificateEntry(2026, "nl", f"Attest {i}") for i in range(3)], page=1, limit=2)

    assert body == {
        "subject": INSZ,
        "items": [{"id": "a", "label": "Label", "value": "Waarde", "updatedAt": "2026-01-02"}],
    }
    assert [c["name"] for c in page["_embedded"]["certificates"]] == ["Attest 2"]
    assert page["page"] == {"size": 2, "totalElements": 3, "totalPages": 2, "number": 1}


def test_an_item_longer_than_the_contract_allows_is_refused_before_it_is_sent() -> None:
    with pytest.raises(ValueError, match="label"):
        personal_data_answer(INSZ, [PersonalDataItem("a", "x" * 201, "v")])
