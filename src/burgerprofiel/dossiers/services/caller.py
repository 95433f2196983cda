"""Who makes a DOSIS call, and the component the call is checked against.

Design note. The API's order check runs once per request and finds the order version the call
runs under; ``Caller`` carries that finding (and the data key the agency's rows are sealed with)
into the services, so nothing downstream checks the order again or looks the key up per row.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from burgerprofiel.agencies.catalogue import Component
from burgerprofiel.agencies.models import ProcessingOrderVersion
from burgerprofiel.agencies.selectors import client_data_key_id
from burgerprofiel.audit.actors import Actor

if TYPE_CHECKING:
    from burgerprofiel.oauth.services import AgencyPrincipal

COMPONENT = Component.DOSIS


@dataclass(frozen=True)
class Caller:
    """The agency client making the call, with the order version the auth check found."""

    actor: Actor
    client_id: str
    order_version: ProcessingOrderVersion
    data_key_id: uuid.UUID

    @classmethod
    def of(cls, principal: AgencyPrincipal, version: ProcessingOrderVersion) -> Caller:
        """The authenticated client, under the order version its check found."""
        return cls(
            actor=principal.actor_under(version),
            client_id=principal.client.client_id,
            order_version=version,
            data_key_id=client_data_key_id(principal.client),
        )

    @property
    def agency_id(self) -> int:
        assert self.actor.agency_id is not None  # noqa: S101 - an agency caller always has an agency (for mypy); not an access check
        return self.actor.agency_id

    @functools.cached_property
    def row_keys(self) -> dict[str, uuid.UUID]:
        """The context an encrypted field of the agency's rows finds its data key in (its
        ``key_from``), for rows written without the ORM (``EncryptedTextField.stored``)."""
        return {"agency.data_key_id": self.data_key_id}

    @functools.cached_property
    def allowed_categories(self) -> frozenset[str]:
        """What the order version lets DOSIS uploads carry (worked out once per call, not per bulk line)."""
        return frozenset(self.order_version.categories_for(COMPONENT))
