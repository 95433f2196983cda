"""Every outbound endpoint in the configuration belongs to a registered sub-processor (charter 6.1).

Production refuses to start otherwise: ``burgerprofiel serve`` and ``burgerprofiel worker`` call
``outbound_endpoints_check`` before they do anything, and ``burgerprofiel check --deploy`` reports the
same. Not a plain system check, because ``migrate`` runs those too, and the register is filled by a
migration: a new installation must be able to migrate before it can be checked.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError


def configured_endpoints() -> dict[str, str]:
    """The host of each outbound endpoint the configuration names, by setting."""
    found: dict[str, str] = {
        "NOTIFICATIONS_SMTP_HOST": settings.NOTIFICATIONS_SMTP_HOST,
        "NOTIFICATIONS_SMPP_HOST": settings.NOTIFICATIONS_SMPP_HOST,
        "OIDC_ISSUER": urlsplit(settings.OIDC_ISSUER).hostname or "",
        "MOLLIE_API_ENDPOINT": urlsplit(settings.MOLLIE_API_ENDPOINT).hostname or "",
    }
    for alias, name in (("default", "DATABASE_URL"), ("replica", "DATABASE_REPLICA_URL")):
        database = settings.DATABASES.get(alias)
        if database and database["ENGINE"] != "django.db.backends.sqlite3":
            host = str(database.get("HOST") or "")
            if host and not host.startswith("/"):  # a Unix socket is this machine
                found[name] = host
    return {name: host.strip().lower() for name, host in found.items() if host.strip()}


def endpoints_uncovered() -> dict[str, str]:
    """The configured endpoints no sub-processor in force covers: {setting: host}."""
    from burgerprofiel.compliance.subprocessors.selectors import subprocessors_effective  # lazy: models

    registered = list(subprocessors_effective())
    return {
        name: host for name, host in configured_endpoints().items() if not any(sp.covers(host) for sp in registered)
    }


def uncovered_message(uncovered: dict[str, str]) -> str:
    listed = ", ".join(f"{name}={host}" for name, host in sorted(uncovered.items()))
    return (
        f"Uitgaande eindpunten zonder geregistreerde onderverwerker (charter 6, Bijlage 2): {listed}. "
        "Registreer de onderverwerker die ze bedient (back-office: Onderverwerkers) of voeg de host toe aan de "
        "eindpunten van een onderverwerker die van kracht is."
    )


def outbound_endpoints_check() -> None:
    """In production: raise ImproperlyConfigured when an outbound endpoint has no sub-processor."""
    if not settings.PRODUCTION:
        return
    uncovered = endpoints_uncovered()
    if uncovered:
        raise ImproperlyConfigured(uncovered_message(uncovered))


def outbound_endpoints_registered(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The same, as a deploy check (``burgerprofiel check --deploy``)."""
    try:
        uncovered = endpoints_uncovered()
    except DatabaseError:
        return []  # no tables yet: before the first migrate
    return [Error(uncovered_message(uncovered), id="subprocessors.E001")] if uncovered else []
