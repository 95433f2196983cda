"""The live pull of "Uw gegevens": parallel, bounded by timeouts, order-checked, audited, never stored."""

from __future__ import annotations

import json
import pickle
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from burgerprofiel.agencies.models import ProcessingOrder
from burgerprofiel.agencies.services import processing_order_suspend
from burgerprofiel.audit.models import AuditEvent
from burgerprofiel.common.outbound import UnsafeUrl
from burgerprofiel.conftest import TEST_ACTOR, login_citizen, make_agency
from burgerprofiel.crypto.fields import decrypt_bytes, encrypt_bytes
from burgerprofiel.personal_data import pull
from burgerprofiel.personal_data.devpeers import DemoServer, Spec
from burgerprofiel.personal_data.models import PullSource
from burgerprofiel.personal_data.services import _cache_key, personal_data_pull, pull_source_add
from burgerprofiel.personal_data.tests.factories import make_pull_agency, register

AN = "85073003328"
EMBEDDED_METADATA = (
    "64:ff9b::a9fe:a9fe",
    "::a9fe:a9fe",
    "2002:a9fe:a9fe::1",
    "::ffff:a9fe:a9fe",
    "2001:0:808:808::5601:5601",
)
JAN = "90022742191"
Demo = Callable[..., DemoServer]


def _page(client: Client) -> str:
    response = client.get("/uw-gegevens")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_every_source_per_theme_with_its_agency_and_loket(client: Client, demo: Demo) -> None:
    agency = make_pull_agency()
    server = demo({"gezin": Spec("uw_gegevens", "U en uw gezin"), "mob": Spec("uw_gegevens", "Mobiliteit")})
    register(server, "gezin", agency.agency_id, loket_url="https://loket.example/gezin")
    register(server, "mob", agency.agency_id)
    login_citizen(client, AN)
    page = _page(client)
    assert "Gezinssamenstelling" in page and "3 personen" in page
    assert "Rijbewijs" in page
    assert "U en uw gezin" in page and "Mobiliteit" in page
    assert "Agentschap Opgroeien" in page
    assert 'href="https://loket.example/gezin"' in page


def _recording_run_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[pull.Call, pull.Outcome]]:
    """Every call the pull makes, with its outcome (the services module calls ``pull.run_calls``)."""
    seen: list[tuple[pull.Call, pull.Outcome]] = []
    original = pull.run_calls

    def recording(calls: list[pull.Call]) -> list[pull.Outcome]:
        outcomes = original(calls)
        seen.extend(zip(calls, outcomes, strict=True))
        return outcomes

    monkeypatch.setattr(pull, "run_calls", recording)
    return seen


def test_a_hanging_source_is_cut_off_by_its_own_timeout_and_the_others_still_show(
    client: Client, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Behaviour, not durations: the hanging source (it would hang 30 s) is asked with its own
    # timeout and ends as a timeout, while the other source's data is on the page.
    agency = make_pull_agency()
    server = demo({"gezin": Spec("uw_gegevens", "U en uw gezin"), "traag": Spec("uw_gegevens", "Mobiliteit", "hang")})
    register(server, "gezin", agency.agency_id)
    slow = register(server, "traag", agency.agency_id, timeout_seconds=1.0)
    seen = _recording_run_calls(monkeypatch)
    login_citizen(client, AN)
    page = _page(client)
    assert "Gezinssamenstelling" in page
    assert "Tijdelijk niet beschikbaar." in page
    by_source = {call.key: (call, outcome) for call, outcome in seen}
    call, outcome = by_source[slow.pk]
    assert call.timeout == 1.0
    assert outcome.problem is not None and outcome.problem.kind == "timeout"
    assert [o.problem for key, (_c, o) in by_source.items() if key != slow.pk] == [None]


def test_sources_are_called_in_parallel(client: Client, demo: Demo) -> None:
    # Each source answers only once all four requests have arrived: called one after the other,
    # the first would wait in vain (the barrier gives up after 10 s) and none would answer.
    agency = make_pull_agency()
    server = demo({f"bron{i}": Spec("uw_gegevens", "Mobiliteit") for i in range(4)})
    for i in range(4):
        register(server, f"bron{i}", agency.agency_id, timeout_seconds=20.0)
    all_arrived = threading.Barrier(4, timeout=10)
    verify = server.verify

    def verify_once_all_arrived(*args: Any) -> Any:
        all_arrived.wait()
        return verify(*args)

    server.verify = verify_once_all_arrived  # type: ignore[method-assign]
    login_citizen(client, AN)
    page = _page(client)
    assert len(server.requests) == 4
    assert not all_arrived.broken
    assert page.count("Rijbewijs") == 4
    assert "Tijdelijk niet beschikbaar." not in page


def test_an_answer_about_another_citizen_shows_nothing_and_is_recorded_as_an_incident(
    client: Client, demo: Demo
) -> None:
    agency = make_pull_agency()
    server = demo({"fout": Spec("uw_gegevens", "U en uw gezin", "other-subject")})
    source = register(server, "fout", agency.agency_id)
    citizen = login_citizen(client, AN)
    page = _page(client)
    assert "Gezinssamenstelling" not in page
    assert "Tijdelijk niet beschikbaar." in page
    incident = AuditEvent.objects.get(action="pull.incident")
    assert incident.object_id == str(citizen.pk)
    assert incident.agency_id == agency.agency_id
    assert incident.detail == {"source_id": source.pk, "kind": "other-subject"}
    assert incident.outcome == AuditEvent.Outcome.FAILURE


def test_a_404_from_a_source_counts_as_nothing_known(client: Client, demo: Demo) -> None:
    agency = make_pull_agency()
    server = demo({"leeg": Spec("uw_gegevens", "Groeipakket", "not-found")})
    register(server, "leeg", agency.agency_id)
    login_citizen(client, AN)
    page = _page(client)
    assert "Deze instantie heeft geen gegevens over u." in page
    assert "Tijdelijk niet beschikbaar." not in page


@pytest.mark.parametrize("behaviour", ["malformed", "oversized"])
def test_an_unreadable_answer_gives_a_clear_message_and_is_audited_with_its_reason(
    client: Client, demo: Demo, behaviour: str
) -> None:
    agency = make_pull_agency()
    server = demo({"stuk": Spec("uw_gegevens", "U en uw gezin", behaviour)})
    register(server, "stuk", agency.agency_id)
    login_citizen(client, AN)
    assert "Tijdelijk niet beschikbaar." in _page(client)
    event = AuditEvent.objects.get(action="personal_data.pulled")
    assert event.detail["problem"] == behaviour
    assert event.outcome == AuditEvent.Outcome.FAILURE


def test_every_pull_is_audited_on_the_citizen_with_the_agency_and_order(client: Client, demo: Demo) -> None:
    agency = make_pull_agency()
    server = demo({"gezin": Spec("uw_gegevens", "U en uw gezin")})
    source = register(server, "gezin", agency.agency_id)
    citizen = login_citizen(client, AN)
    _page(client)
    event = AuditEvent.objects.get(action="personal_data.pulled")
    assert (event.object_type, event.object_id) == ("citizens.Citizen", str(citizen.pk))
    assert event.agency_id == agency.agency_id
    assert event.order_version_id is not None
    assert event.detail == {"source_id": source.pk, "status": "ok", "problem": "", "items": 2}
    assert AN not in str(event.detail) and AN not in event.purpose


def test_a_source_whose_agency_lacks_the_component_is_never_called(client: Client, demo: Demo) -> None:
    agency = make_agency(components="dosis")
    server = demo({"gezin": Spec("uw_gegevens", "U en uw gezin")})
    PullSource.objects.create(
        agency_id=agency.agency_id, component="uw_gegevens", theme="U en uw gezin", url=server.source_url("gezin")
    )
    login_citizen(client, AN)
    page = _page(client)
    assert server.requests == []
    assert "Tijdelijk niet beschikbaar." in page
    refusal = AuditEvent.objects.get(action="order_check.refused")
    assert refusal.detail["reason"] == "component-not-ordered"


def test_the_answer_is_cached_for_the_session_only_briefly(client: Client, demo: Demo, settings: Any) -> None:
    agency = make_pull_agency()
    server = demo({"gezin": Spec("uw_gegevens", "U en uw gezin")})
    register(server, "gezin", agency.agency_id)
    login_citizen(client, AN)
    _page(client)
    _page(client)
    assert server.requests == ["gezin"]
    client.get("/uw-gegevens?vernieuwen=1")
    assert server.requests == ["gezin", "gezin"]
    assert settings.PULL_CACHE_SECONDS <= 60


def _without_csrf(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def test_the_kept_answer_is_sealed_json_and_a_pickle_in_the_cache_is_never_loaded(client: Client, demo: Demo) -> None:
    agency = make_pull_agency()
    server = demo({"gezin": Spec("uw_gegevens", "U en uw gezin")})
    register(server, "gezin", agency.agency_id)
    citizen = login_citizen(client, AN)
    first = _without_csrf(_page(client))
    key = _cache_key(client.session.session_key)
    kept = json.loads(decrypt_bytes(cache.get(key)))  # plain JSON under the citizen's key
    assert kept[0]["name"] == "U en uw gezin"
    assert any(item["label"] == "Gezinssamenstelling" for item in kept[0]["results"][0]["items"])
    assert _without_csrf(_page(client)) == first and server.requests == ["gezin"]  # read back from JSON as it was

    # Whatever else sits under the key (an older pickle, a tampered value) is asked again, never unpickled.
    cache.set(key, encrypt_bytes(pickle.dumps([]), key_id=citizen.data_key_id))
    assert "Gezinssamenstelling" in _page(client)
    assert server.requests == ["gezin", "gezin"]


def test_a_suspension_takes_the_kept_answer_of_that_agency_off_the_page_at_once(client: Client, demo: Demo) -> None:
    agency = make_pull_agency()
    server = demo({"gezin": Spec("uw_gegevens", "U en uw gezin")})
    register(server, "gezin", agency.agency_id)
    login_citizen(client, AN)
    assert "Gezinssamenstelling" in _page(client)

    order = ProcessingOrder.objects.get(pk=agency.order_id)
    processing_order_suspend(order=order, reason="Rechtsgrond in herziening", actor=TEST_ACTOR)
    page = _page(client)

    assert "Gezinssamenstelling" not in page
    assert "Tijdelijk niet beschikbaar." in page
    assert server.requests == ["gezin"]  # nobody was asked anew
    refusal = AuditEvent.objects.get(action="order_check.refused")
    assert (refusal.agency_id, refusal.detail["reason"]) == (agency.agency_id, "order-suspended")


def test_logout_drops_the_cached_answers_at_once(client: Client, demo: Demo) -> None:
    agency = make_pull_agency()
    server = demo({"gezin": Spec("uw_gegevens", "U en uw gezin")})
    register(server, "gezin", agency.agency_id)
    login_citizen(client, AN)
    _page(client)
    session_key = client.session.session_key
    assert cache.get(_cache_key(session_key)) is not None
    client.post("/afmelden")
    assert cache.get(_cache_key(session_key)) is None


def test_a_failing_source_opens_its_circuit_and_is_left_alone(demo: Demo, settings: Any) -> None:
    settings.PULL_BREAKER_FAILURES = 2
    agency = make_pull_agency()
    server = demo({"stuk": Spec("uw_gegevens", "U en uw gezin", "malformed")})
    source = register(server, "stuk", agency.agency_id)
    from burgerprofiel.citizens.services import citizen_get_or_create

    citizen = citizen_get_or_create(insz=AN)
    for _ in range(2):
        personal_data_pull(citizen=citizen)
    assert pull.breaker_open(source.pk)
    personal_data_pull(citizen=citizen)
    assert len(server.requests) == 2
    last = AuditEvent.objects.filter(action="personal_data.pulled").order_by("-id").first()
    assert last is not None and last.detail["problem"] == "circuit-open"


def test_a_source_that_refuses_our_token_shows_unavailable(client: Client, demo: Demo) -> None:
    agency = make_pull_agency()
    server = demo({"gezin": Spec("uw_gegevens", "U en uw gezin")}, jwks={"keys": []})
    register(server, "gezin", agency.agency_id)
    login_citizen(client, AN)
    assert "Tijdelijk niet beschikbaar." in _page(client)
    assert AuditEvent.objects.get(action="personal_data.pulled").detail["problem"] == "http-error"


@pytest.mark.parametrize(
    "url",
    ["http://10.1.2.3/bron", "http://169.254.169.254/latest", "http://192.168.0.1/", "ftp://bron.example/"]
    # 169.254.169.254 inside IPv6: NAT64, IPv4-compatible, 6to4 (ipaddress calls these global), mapped, Teredo
    + [f"http://[{a}]/latest" for a in EMBEDDED_METADATA],
)
def test_registering_a_source_in_a_private_range_is_refused(db: Any, url: str) -> None:
    agency = make_pull_agency()
    with pytest.raises(UnsafeUrl):
        pull_source_add(
            agency_id=agency.agency_id, component="uw_gegevens", url=url, theme="Mobiliteit", actor=TEST_ACTOR
        )
    assert not PullSource.objects.exists()


def test_loopback_is_refused_unless_allowlisted(db: Any, settings: Any) -> None:
    agency = make_pull_agency()
    settings.PULL_PRIVATE_ALLOWLIST = []
    with pytest.raises(UnsafeUrl):
        pull_source_add(
            agency_id=agency.agency_id,
            component="uw_gegevens",
            url="http://127.0.0.1:9/x",
            theme="Mobiliteit",
            actor=TEST_ACTOR,
        )
    settings.PULL_PRIVATE_ALLOWLIST = ["127.0.0.1/32"]
    source = pull_source_add(
        agency_id=agency.agency_id,
        component="uw_gegevens",
        url="http://127.0.0.1:9/x",
        theme="Mobiliteit",
        actor=TEST_ACTOR,
    )
    assert source.timeout_seconds == 2.0
    assert AuditEvent.objects.filter(action="pull_source.added", object_id=str(source.pk)).exists()


def test_the_page_needs_a_logged_in_citizen(client: Client, db: Any) -> None:
    response = client.get("/uw-gegevens")
    assert response.status_code == 302 and response["Location"].startswith("/aanmelden?")


def test_a_source_whose_name_rebinds_after_the_checks_is_never_called_at_the_new_address(
    db: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """DNS rebinding: the name is public when registered and when checked before the pull, then
    points inside. The request (with a token naming the citizen) must not reach the inside."""
    import json
    import socket

    from burgerprofiel.citizens.services import citizen_get_or_create
    from burgerprofiel.common.tests.http_peer import Answer, HttpPeer, Resolver

    settings.PULL_PRIVATE_ALLOWLIST = ["127.0.0.1/32"]  # 127.0.0.1 stands for public, 127.0.0.2 for inside

    def answer(label: str) -> Answer:
        return Answer(body=json.dumps({"subject": AN, "items": [{"id": "x", "label": label, "value": "1"}]}).encode())

    public = HttpPeer(host="127.0.0.1", default=answer("Van de gecontroleerde bron")).start()
    inside = HttpPeer(host="127.0.0.2", port=public.port, default=answer("Van het interne netwerk")).start()
    try:
        rebinding = [["127.0.0.1"], ["127.0.0.1"], ["127.0.0.2"]]  # registration, the pre-pull check, then inside
        resolver = Resolver(real=socket.getaddrinfo, answers={"bron.example": rebinding})
        monkeypatch.setattr(socket, "getaddrinfo", resolver)
        agency = make_pull_agency()
        pull_source_add(
            agency_id=agency.agency_id,
            component="uw_gegevens",
            url=public.url("/gezin", host="bron.example"),
            theme="U en uw gezin",
            actor=TEST_ACTOR,
        )
        themes = personal_data_pull(citizen=citizen_get_or_create(insz=AN))
    finally:
        public.stop()
        inside.stop()
    assert not inside.requests
    shown = [item.label for theme in themes for result in theme.results for item in result.items]
    assert "Van het interne netwerk" not in shown
    assert AuditEvent.objects.get(action="personal_data.pulled").detail["problem"] == "unreachable"
