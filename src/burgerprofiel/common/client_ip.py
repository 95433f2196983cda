"""The caller's address behind a reverse proxy: ``X-Forwarded-For`` believed only from trusted proxies.

Design note: in production ``serve`` binds to loopback behind a TLS-terminating proxy, so every
request arrives from 127.0.0.1. Whatever keys on the address (the token endpoint's rate limit, the
``/metrics`` allowlist, audit and lockout) would then see one caller. ``X-Forwarded-For`` names the
real one, but anyone can send that header: it is read only when the hop that sent it is in
``TRUSTED_PROXIES`` (CIDRs), and then right to left, each hop vouching for the one before it,
until the first address that is not a trusted proxy. That address is the client; a malformed entry
ends the walk at the last hop that could be believed. The middleware puts the result in
``REMOTE_ADDR`` (the proxy's own address stays in ``PROXY_ADDR``), so everything downstream reads
one answer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.http.response import HttpResponseBase

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def networks_parse(values: Iterable[str], *, setting: str) -> tuple[Network, ...]:
    """CIDRs (or single addresses) from a setting; a typo stops the start instead of trusting nothing or all."""
    parsed = []
    for value in values:
        try:
            parsed.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{setting}: {value!r} is not an IP address or CIDR") from exc
    return tuple(parsed)


def _address(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def address_in(address: str, networks: Sequence[Network]) -> bool:
    parsed = _address(address)
    return parsed is not None and any(parsed in network for network in networks)


def client_address(remote_addr: str, forwarded_for: str, trusted: Sequence[Network]) -> str:
    """The client as the trusted proxies report it (see the module note)."""
    current = remote_addr
    hops = [hop for hop in (forwarded_for or "").split(",") if hop.strip()]
    while hops and address_in(current, trusted):
        candidate = _address(hops.pop())
        if candidate is None:
            break
        current = str(candidate)
    return current


class TrustedProxyMiddleware:
    """First in the chain: ``REMOTE_ADDR`` becomes the client's address when a trusted proxy forwarded it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.trusted = networks_parse(settings.TRUSTED_PROXIES, setting="TRUSTED_PROXIES")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if self.trusted:
            remote = str(request.META.get("REMOTE_ADDR", ""))
            client = client_address(remote, str(request.META.get("HTTP_X_FORWARDED_FOR", "")), self.trusted)
            if client != remote:
                request.META["PROXY_ADDR"] = remote
                request.META["REMOTE_ADDR"] = client
        return self.get_response(request)
