"""Who did something, as the audit trail records it."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    kind: str  # agency_client | citizen | staff | system | anonymous
    id: str
    agency_id: int | None = None
    order_version_id: int | None = None


SYSTEM = Actor(kind="system", id="burgerprofiel")
ANONYMOUS = Actor(kind="anonymous", id="")


def citizen_actor(citizen: Any) -> Actor:
    return Actor(kind="citizen", id=str(citizen.pk))


def staff_actor(user: Any) -> Actor:
    return Actor(kind="staff", id=str(user.pk))


def cli_actor(name: str = "cli") -> Actor:
    """An operator acting through the command line; the OS user is the best identity there is."""
    try:
        who = getpass.getuser()
    except OSError:
        who = "unknown"
    return Actor(kind="staff", id=f"{name}:{who}")
