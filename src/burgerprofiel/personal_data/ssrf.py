"""The SSRF guard for pull sources (and anything else the platform calls on an agency's word).

A registered URL is resolved and refused when any address it resolves to is not a public one
(private, loopback, link-local, multicast, reserved ...), unless that address falls inside
``PULL_PRIVATE_ALLOWLIST`` (development and tests run their demo sources on loopback). The check
runs at registration and again before every call, because DNS can change in between.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from burgerprofiel.common.errors import ValidationError


class UnsafeUrl(ValidationError):
    code = "unsafe-url"
    title = "Dit adres mag niet worden aangesproken"


def _allowlist() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in settings.PULL_PRIVATE_ALLOWLIST if cidr]


def url_check(url: str) -> None:
    """Raise ``UnsafeUrl`` unless ``url`` is http(s) and resolves only to allowed addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeUrl("Alleen http- en https-adressen met een hostnaam zijn toegelaten.")
    if parts.scheme == "http" and settings.PRODUCTION:
        raise UnsafeUrl("In productie zijn alleen https-adressen toegelaten.")
    if parts.username or parts.password:
        raise UnsafeUrl("Een adres met gebruikersnaam of wachtwoord is niet toegelaten.")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl("De hostnaam van dit adres bestaat niet.") from exc
    allowed = _allowlist()
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address.is_global:
            continue
        if not any(address in network for network in allowed):
            raise UnsafeUrl("Dit adres wijst naar een privé- of intern netwerk en is niet toegelaten.")
