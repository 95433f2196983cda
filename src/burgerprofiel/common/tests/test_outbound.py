"""The SSRF guard: which addresses, and that the client connects to the address that was checked."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import trustme

from burgerprofiel.common import outbound
from burgerprofiel.common.outbound import UnsafeAddress, UnsafeUrl, embedded_ipv4, url_check
from burgerprofiel.common.tests.http_peer import Answer, HttpPeer, Resolver

METADATA = ipaddress.IPv4Address("169.254.169.254")

# Every way an IPv6 address can carry 169.254.169.254 (the cloud metadata service).
EMBEDDED_FORMS = {
    "nat64": "64:ff9b::a9fe:a9fe",
    "nat64-local-use-96": "64:ff9b:1::a9fe:a9fe",
    "nat64-local-use-48": "64:ff9b:1:a9fe:a9:fe00::",
    "ipv4-compatible": "::a9fe:a9fe",
    "ipv4-mapped": "::ffff:a9fe:a9fe",
    "6to4": "2002:a9fe:a9fe::1",
    "teredo": "2001:0:808:808:0:0:5601:5601",  # client 169.254.169.254, obfuscated (XOR) as RFC 4380 says
}


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    stub = Resolver(real=socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", stub)
    return stub


@pytest.fixture
def peers() -> Iterator[list[HttpPeer]]:
    started: list[HttpPeer] = []
    yield started
    for peer in started:
        peer.stop()


@pytest.mark.parametrize("form", EMBEDDED_FORMS)
def test_every_embedded_ipv4_form_is_extracted(form: str) -> None:
    assert METADATA in embedded_ipv4(ipaddress.IPv6Address(EMBEDDED_FORMS[form]))


@pytest.mark.parametrize("form", EMBEDDED_FORMS)
def test_an_address_embedding_the_metadata_service_is_refused(form: str, settings: Any) -> None:
    settings.PULL_PRIVATE_ALLOWLIST = []
    with pytest.raises(UnsafeUrl):
        url_check(f"https://[{EMBEDDED_FORMS[form]}]/hook")


@pytest.mark.parametrize("form", ["nat64", "ipv4-compatible", "6to4"])
def test_the_forms_is_global_lets_through_embed_a_private_address_the_guard_refuses(form: str) -> None:
    address = ipaddress.IPv6Address(EMBEDDED_FORMS[form])
    assert address.is_global  # what the standard library says, and why it is not trusted alone
    assert not outbound.address_allowed(address, allowlist=[])


@pytest.mark.parametrize(
    "address",
    [
        *("100.64.0.1", "192.0.0.8", "198.18.0.1", "192.88.99.1", "240.0.0.1", "255.255.255.255", "0.1.2.3"),
        *("100::1", "2001:db8::1", "3fff::1", "5f00::1", "fec0::1", "ff02::1", "fd00::1", "fe80::1"),
    ],
)
def test_special_purpose_ranges_are_refused(address: str) -> None:
    assert not outbound.address_allowed(ipaddress.ip_address(address), allowlist=[])


@pytest.mark.parametrize("address", ["8.8.8.8", "2a02:1800::1", "64:ff9b::808:808", "2002:808:808::1"])
def test_public_addresses_and_forms_embedding_a_public_one_are_allowed(address: str) -> None:
    assert outbound.address_allowed(ipaddress.ip_address(address), allowlist=[])


def test_a_name_is_refused_when_any_of_its_addresses_is_private(resolver: Resolver, settings: Any) -> None:
    settings.PULL_PRIVATE_ALLOWLIST = ["127.0.0.1/32"]
    resolver.answers["mixed.example"] = [["127.0.0.1", "10.0.0.7"]]
    with pytest.raises(UnsafeUrl):
        url_check("http://mixed.example/")


def test_plain_http_is_refused_when_https_is_required_unless_every_address_is_allowlisted(
    resolver: Resolver, settings: Any
) -> None:
    settings.PULL_PRIVATE_ALLOWLIST = ["127.0.0.1/32"]
    resolver.answers["public.example"] = [["8.8.8.8"]]
    with pytest.raises(UnsafeUrl, match="https"):
        url_check("http://public.example/hook", https_required=True)
    url_check("https://public.example/hook", https_required=True)
    url_check("http://127.0.0.1:9/hook", https_required=True)


def _two_peers(peers: list[HttpPeer]) -> tuple[HttpPeer, HttpPeer]:
    """The checked peer on 127.0.0.1 (allowlisted: stands for a public address) and the rebound one
    on 127.0.0.2 (not allowlisted: stands for an internal service), on the same port."""
    checked = HttpPeer(host="127.0.0.1", default=Answer(body=b'{"from": "checked"}')).start()
    peers.append(checked)
    rebound = HttpPeer(host="127.0.0.2", port=checked.port, default=Answer(body=b'{"from": "rebound"}')).start()
    peers.append(rebound)
    return checked, rebound


def test_a_name_that_rebinds_after_the_check_still_reaches_only_the_checked_address(
    resolver: Resolver, peers: list[HttpPeer], settings: Any
) -> None:
    settings.PULL_PRIVATE_ALLOWLIST = ["127.0.0.1/32"]
    checked, rebound = _two_peers(peers)
    # The first answer is public; every later one points inside.
    resolver.answers["agency.example"] = [["127.0.0.1"], ["127.0.0.2"]]
    url = checked.url("/hook", host="agency.example")

    with outbound.guarded_client() as client:
        response = client.get(url)
    assert response.json() == {"from": "checked"}
    assert len(checked.requests) == 1 and not rebound.requests
    assert checked.requests[0].headers["host"] == f"agency.example:{checked.port}"  # Host is the name


def test_checking_first_and_then_letting_httpx_resolve_is_what_rebinding_exploits(
    resolver: Resolver, peers: list[HttpPeer], settings: Any
) -> None:
    """The attack the guarded client closes, shown with a plain client: check, then resolve again."""
    settings.PULL_PRIVATE_ALLOWLIST = ["127.0.0.1/32"]
    checked, rebound = _two_peers(peers)
    resolver.answers["agency.example"] = [["127.0.0.1"], ["127.0.0.2"]]
    url = checked.url("/hook", host="agency.example")
    url_check(url)  # passes: the first answer is the public one
    with httpx.Client(trust_env=False) as client:
        assert client.get(url).json() == {"from": "rebound"}
    assert len(rebound.requests) == 1 and not checked.requests


def test_the_guarded_client_refuses_to_connect_when_the_name_now_resolves_inside(
    resolver: Resolver, peers: list[HttpPeer], settings: Any
) -> None:
    settings.PULL_PRIVATE_ALLOWLIST = ["127.0.0.1/32"]
    checked, rebound = _two_peers(peers)
    resolver.answers["agency.example"] = [["127.0.0.2"]]
    with outbound.guarded_client() as client, pytest.raises(UnsafeAddress):
        client.get(checked.url("/", host="agency.example"))
    assert not rebound.requests and not checked.requests


def test_the_async_client_connects_to_the_checked_address_too(
    resolver: Resolver, peers: list[HttpPeer], settings: Any
) -> None:
    settings.PULL_PRIVATE_ALLOWLIST = ["127.0.0.1/32"]
    checked, rebound = _two_peers(peers)
    resolver.answers["agency.example"] = [["127.0.0.1"], ["127.0.0.2"]]

    async def fetch() -> Any:
        async with outbound.guarded_async_client() as client:
            return (await client.get(checked.url("/", host="agency.example"))).json()

    # In a thread of its own: after the browser tests, Playwright leaves a loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as executor:
        assert executor.submit(asyncio.run, fetch()).result() == {"from": "checked"}
    assert not rebound.requests


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _tls_peer(ca: trustme.CA, name: str, peers: list[HttpPeer]) -> HttpPeer:
    context = ca.issue_cert(name).configure_cert  # the server's certificate names only ``name``
    import ssl

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context(server_context)
    peer = HttpPeer(host="127.0.0.1", tls=server_context, default=Answer(body=json.dumps({"tls": True}).encode()))
    peers.append(peer.start())
    return peer


def test_https_to_the_checked_address_verifies_the_certificate_for_the_host_name(
    resolver: Resolver, peers: list[HttpPeer], ca: trustme.CA, settings: Any
) -> None:
    import ssl

    settings.PULL_PRIVATE_ALLOWLIST = ["127.0.0.1/32"]
    peer = _tls_peer(ca, "agency.example", peers)
    resolver.answers["agency.example"] = [["127.0.0.1"]]
    trust = ssl.create_default_context()
    ca.configure_trust(trust)
    with outbound.guarded_client(verify=trust) as client:
        response = client.get(peer.url("/", host="agency.example", scheme="https"))
    assert response.json() == {"tls": True}
    assert peer.requests[0].headers["host"] == f"agency.example:{peer.port}"


def test_a_certificate_for_another_name_is_refused_although_the_address_is_allowed(
    resolver: Resolver, peers: list[HttpPeer], ca: trustme.CA, settings: Any
) -> None:
    import ssl

    settings.PULL_PRIVATE_ALLOWLIST = ["127.0.0.1/32"]
    peer = _tls_peer(ca, "someone-else.example", peers)
    resolver.answers["agency.example"] = [["127.0.0.1"]]
    trust = ssl.create_default_context()
    ca.configure_trust(trust)
    with outbound.guarded_client(verify=trust) as client, pytest.raises(httpx.ConnectError, match="CERTIFICATE"):
        client.get(peer.url("/", host="agency.example", scheme="https"))
    assert not peer.requests
