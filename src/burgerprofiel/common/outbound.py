"""Outbound HTTP to addresses an agency gave us (pull sources, webhook endpoints): the SSRF guard.

Design note (issue 11 A.3; OWASP ASVS 5.0 V1.3.6). Two rules, and the second is what makes the
first hold:

1. **Which addresses.** An address is allowed when it lies inside ``PULL_PRIVATE_ALLOWLIST``
   (development and tests run their peers on loopback), or when it is globally reachable: outside
   every special-purpose range of the IANA registries (RFC 6890 and its updates), kept below as an
   explicit list. ``ipaddress.is_global`` alone is not enough: it says yes to the NAT64 prefix
   ``64:ff9b::/96`` (``64:ff9b::a9fe:a9fe`` reaches 169.254.169.254 through a NAT64 gateway), to
   IPv4-compatible ``::a.b.c.d`` and to 6to4 ``2002::/16``. So every IPv4 address embedded in an
   IPv6 one (mapped, compatible, 6to4, Teredo, NAT64 well-known and local-use) is extracted and
   must be allowed too. A name is allowed only when *every* address it resolves to is.
2. **Connect to what was checked.** Checking a name and then letting the HTTP client resolve it
   again opens a window for DNS rebinding: the second answer may be 127.0.0.1. The transports here
   resolve once, inside the connection, check every answer and open the socket to a checked
   address. TLS still speaks to the *name* (SNI, certificate verification for the host name), and
   the Host header is the URL's, so nothing changes for a well-behaved server.

``url_check`` is the early check (registration; before a token naming a citizen is minted);
``guarded_client`` / ``guarded_async_client`` are the clients every call on an agency's word uses.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx
from django.conf import settings

from burgerprofiel.common.errors import ValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class UnsafeUrl(ValidationError):
    code = "unsafe-url"
    title = "Dit adres mag niet worden aangesproken"


class UnsafeAddress(httpx.ConnectError):
    """The client refused to connect: the name resolved to an address the guard does not allow."""


# IANA IPv4 Special-Purpose Address Registry (RFC 6890, 8190 and later), multicast and the
# reserved block. Every one is refused, also the few the registry calls "globally reachable"
# (AS112, AMT, the 6to4 relay anycast): no agency serves webhooks or pull sources there.
DENIED_V4 = tuple(
    ipaddress.IPv4Network(cidr)
    for cidr in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # private (RFC 1918)
        "100.64.0.0/10",  # shared address space, carrier-grade NAT (RFC 6598)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata services
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments (DS-Lite, NAT64 discovery, ...)
        "192.0.2.0/24",  # documentation TEST-NET-1
        "192.31.196.0/24",  # AS112-v4
        "192.52.193.0/24",  # AMT
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",  # private
        "192.175.48.0/24",  # AS112 direct delegation
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation TEST-NET-2
        "203.0.113.0/24",  # documentation TEST-NET-3
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the limited broadcast 255.255.255.255
    )
)

# IANA IPv6 Special-Purpose Address Registry. The prefixes that embed an IPv4 address and may be
# legitimate (64:ff9b::/96, 2002::/16) are not listed: their embedded address decides. The
# IPv4-mapped block is judged as the IPv4 address it is.
DENIED_V6 = tuple(
    ipaddress.IPv6Network(cidr)
    for cidr in (
        "::/128",  # unspecified
        "::1/128",  # loopback
        "::/96",  # IPv4-compatible, deprecated (RFC 4291 2.5.5.1)
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215)
        "100::/64",  # discard-only
        "100:0:0:1::/64",  # dummy prefix (RFC 9780)
        "2001::/23",  # IETF protocol assignments, Teredo 2001::/32 among them
        "2001:db8::/32",  # documentation
        "2620:4f:8000::/48",  # AS112 direct delegation
        "3fff::/20",  # documentation (RFC 9637)
        "5f00::/16",  # SRv6 SIDs (RFC 9602)
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local, deprecated
        "ff00::/8",  # multicast
    )
)
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address an IPv6 address carries (empty for an IPv4 address)."""
    if isinstance(address, ipaddress.IPv4Address):
        return []
    found: list[ipaddress.IPv4Address] = []
    value = int(address)
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if value >> 32 == 0 and value > 1:  # IPv4-compatible ::a.b.c.d
        found.append(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)  # (server, client): the client address, de-obfuscated by ipaddress
    if address in NAT64_WELL_KNOWN or address in NAT64_LOCAL_USE:
        found.append(ipaddress.IPv4Address(value & 0xFFFFFFFF))  # RFC 6052 with a /96 prefix
    if address in NAT64_LOCAL_USE:  # RFC 6052 with the /48 prefix: bits 48-63 and 72-95 (the "u" octet skipped)
        found.append(ipaddress.IPv4Address(((value >> 64) & 0xFFFF) << 16 | (value >> 40) & 0xFFFF))
    return found


def _allowlist() -> list[IPNetwork]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in settings.PULL_PRIVATE_ALLOWLIST if cidr]


def _public(address: IPAddress) -> bool:
    denied: tuple[IPNetwork, ...] = DENIED_V4 if isinstance(address, ipaddress.IPv4Address) else DENIED_V6
    return address.is_global and not any(address in network for network in denied)


def address_allowed(address: IPAddress, allowlist: Iterable[IPNetwork] | None = None) -> bool:
    """May the platform connect to ``address``? (allowlisted, or public with every embedded IPv4 public)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # a socket to ::ffff:a.b.c.d is a socket to a.b.c.d
    allowed = _allowlist() if allowlist is None else list(allowlist)
    if any(address.version == network.version and address in network for network in allowed):
        return True
    return _public(address) and all(_public(inner) for inner in embedded_ipv4(address))


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses ``host`` resolves to, in the resolver's order (an IP literal is itself)."""
    infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def addresses_checked(host: str, port: int) -> list[IPAddress]:
    """Resolve ``host`` once and return its addresses if every one is allowed; else ``UnsafeUrl``."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError, ValueError) as exc:
        raise UnsafeUrl("De hostnaam van dit adres bestaat niet.") from exc
    if not addresses:
        raise UnsafeUrl("De hostnaam van dit adres bestaat niet.")
    allowlist = _allowlist()
    if not all(address_allowed(address, allowlist) for address in addresses):
        raise UnsafeUrl("Dit adres wijst naar een privé- of intern netwerk en is niet toegelaten.")
    return addresses


def url_check(url: str, *, https_required: bool = False) -> None:
    """Raise ``UnsafeUrl`` unless ``url`` is http(s) and resolves only to allowed addresses.

    Plain http is refused in production; with ``https_required`` it is refused everywhere except
    for a host whose every address lies in ``PULL_PRIVATE_ALLOWLIST`` (loopback peers in tests and
    ``make run``).
    """
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # a bracket without its pair, a character NFKC turns into / ? # @ or :
        raise UnsafeUrl("Dit is geen geldig adres.") from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeUrl("Alleen http- en https-adressen met een hostnaam zijn toegelaten.")
    if parts.scheme == "http" and settings.PRODUCTION:
        raise UnsafeUrl("In productie zijn alleen https-adressen toegelaten.")
    if parts.username or parts.password:
        raise UnsafeUrl("Een adres met gebruikersnaam of wachtwoord is niet toegelaten.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeUrl("Het poortnummer van dit adres is ongeldig.") from exc
    addresses = addresses_checked(parts.hostname, port)
    if parts.scheme == "http" and https_required:
        allowlist = _allowlist()
        if not all(any(a.version == n.version and a in n for n in allowlist) for a in addresses):
            raise UnsafeUrl("Alleen https-adressen zijn toegelaten.")


# -- transports that connect to the checked address -------------------------------------------------


class _Refused(httpcore.ConnectError):
    """Raised inside httpcore; the transport turns it into ``UnsafeAddress``."""


def _checked_or_refused(host: str, port: int) -> list[IPAddress]:
    try:
        return addresses_checked(host, port)
    except UnsafeUrl as exc:
        raise _Refused(exc.detail) from None


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves once, checks every answer, connects to a checked address (TLS then uses the name)."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: Exception | None = None
        for address in _checked_or_refused(host, port):
            try:
                return self._inner.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as exc:  # the next address, as socket.create_connection does
                failure = exc
        assert failure is not None  # noqa: S101 - the loop ran at least once (addresses were checked non-empty), for mypy
        raise failure

    def connect_unix_socket(self, path: str, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise _Refused("Unix sockets are not an outbound target.")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _AsyncGuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        failure: Exception | None = None
        try:
            with anyio.fail_after(timeout):  # resolving counts towards the connect timeout
                addresses = await anyio.to_thread.run_sync(_checked_or_refused, host, port, abandon_on_cancel=True)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout("timed out resolving the host name") from exc
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None  # noqa: S101 - the loop ran at least once (addresses were checked non-empty), for mypy
        raise failure

    async def connect_unix_socket(self, path: str, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise _Refused("Unix sockets are not an outbound target.")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    """Verifying against the CA bundle costs ~0.1 s to load: once per process (contexts are thread-safe)."""
    return httpx.create_ssl_context(verify=True, trust_env=False)


def _ssl_context(verify: ssl.SSLContext | None) -> ssl.SSLContext:
    """The context that verifies the peer: a caller's own (a test CA) or the CA bundle. There is no
    way to switch verification off: these clients carry platform-signed tokens with a citizen's INSZ."""
    return verify if verify is not None else _default_ssl_context()


def _refusal(exc: httpx.ConnectError, request: httpx.Request) -> httpx.ConnectError:
    if isinstance(exc.__cause__, _Refused):
        return UnsafeAddress(str(exc.__cause__), request=request)
    return exc


class GuardedTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` whose connections go only to addresses the guard checked.

    httpx builds its httpcore pool in ``__init__`` without a way to pass a network backend; the
    pool is rebuilt here with the same settings and ours (pinned httpx; the tests in
    ``common/tests/test_outbound.py`` fail should a new httpx stop using it).
    """

    def __init__(self, *, verify: ssl.SSLContext | None = None, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits()
        context = _ssl_context(verify)
        super().__init__(verify=context, trust_env=False, limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except httpx.ConnectError as exc:
            raise _refusal(exc, request) from exc.__cause__


class AsyncGuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, *, verify: ssl.SSLContext | None = None, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits()
        context = _ssl_context(verify)
        super().__init__(verify=context, trust_env=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(  # type: ignore[assignment]
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_AsyncGuardedBackend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except httpx.ConnectError as exc:
            raise _refusal(exc, request) from exc.__cause__


def guarded_client(
    *, timeout: float | httpx.Timeout = 10.0, verify: ssl.SSLContext | None = None, limits: httpx.Limits | None = None
) -> httpx.Client:
    """A client for calls on an agency's word: the guard at every connect, no redirects, no proxy
    from the environment."""
    return httpx.Client(
        transport=GuardedTransport(verify=verify, limits=limits),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )


def guarded_async_client(
    *, timeout: float | httpx.Timeout = 10.0, verify: ssl.SSLContext | None = None, limits: httpx.Limits | None = None
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=AsyncGuardedTransport(verify=verify, limits=limits),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )
