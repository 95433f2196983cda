"""Receiving the platform's webhooks: Standard Webhooks signatures, and the event envelope.

Design note: a delivery is trusted only when its ``webhook-signature`` verifies with the
endpoint's secret over ``webhook-id``, ``webhook-timestamp`` and the raw body, and its timestamp is
within 5 minutes of now (the ``standardwebhooks`` package's tolerance; it stops replays of an old
delivery). During a secret rotation the platform signs with both secrets, and the receiver keeps
both too: :class:`WebhookVerifier` accepts a delivery any of its secrets verifies. Deliveries are
at least once: deduplicate by :attr:`WebhookEvent.id`, and order per object by ``sequence``.

The envelope is read loosely on purpose: a type this library does not know yet arrives as a plain
:class:`WebhookEvent` with its ``data`` as a dict, never as an error, so the platform can add event
types without breaking receivers. :func:`register_event_type` binds a type name to a typed model.
"""

from __future__ import annotations

import binascii
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from standardwebhooks import Webhook
from standardwebhooks import WebhookVerificationError as _LibraryError

from burgerprofiel_client.errors import BurgerprofielError

TOLERANCE = dt.timedelta(minutes=5)  # what standardwebhooks enforces


class WebhookVerificationFailed(BurgerprofielError):
    """The delivery is not from the platform, was changed, or is too old or too new: answer 400 or 401."""


class WebhookEvent(BaseModel):
    """The envelope of every event: ``id`` (deduplicate on it), ``type``, ``time``, ``sequence`` (per
    object, to order), ``data``. Members this version does not know are kept (``model_extra``)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    type: str
    time: dt.datetime
    sequence: int | None = None
    data: Any = Field(default_factory=dict)


E = TypeVar("E", bound=WebhookEvent)
EVENT_TYPES: dict[str, type[WebhookEvent]] = {}


def register_event_type(type_name: str) -> Callable[[type[E]], type[E]]:
    """Class decorator: events of ``type_name`` are read as the decorated subclass of :class:`WebhookEvent`."""

    def register(cls: type[E]) -> type[E]:
        EVENT_TYPES[type_name] = cls
        return cls

    return register


def parse_event(body: Mapping[str, Any]) -> WebhookEvent:
    """The envelope as its registered model, or as a generic :class:`WebhookEvent` for unknown types."""
    model = EVENT_TYPES.get(str(body.get("type")), WebhookEvent)
    try:
        return model.model_validate(body)
    except PydanticValidationError as exc:
        raise WebhookVerificationFailed(f"the delivery is signed but is no event envelope: {exc}") from exc


class WebhookVerifier:
    """Verifies deliveries to one endpoint. ``secrets`` are ``whsec_...`` strings; give both during a rotation."""

    def __init__(self, secrets: str | Sequence[str]) -> None:
        names = [secrets] if isinstance(secrets, str) else list(secrets)
        if not names:
            raise ValueError("at least one webhook secret is needed")
        self._webhooks = [Webhook(secret) for secret in names]

    def verify(self, body: bytes | str, headers: Mapping[str, str]) -> WebhookEvent:
        """The event of a genuine delivery; :class:`WebhookVerificationFailed` otherwise.

        ``body`` must be the raw request body exactly as received (not re-serialised JSON)."""
        try:
            text = body.decode() if isinstance(body, bytes) else body
        except UnicodeDecodeError as exc:
            raise WebhookVerificationFailed("the body is not UTF-8") from exc
        lowered = {k.lower(): v for k, v in headers.items()}
        last: Exception | None = None
        for webhook in self._webhooks:
            try:
                parsed = webhook.verify(text, lowered)
            except (_LibraryError, ValueError, binascii.Error) as exc:  # malformed headers raise ValueError
                last = exc
                continue
            if not isinstance(parsed, Mapping):
                raise WebhookVerificationFailed("the delivery's body is not a JSON object")
            return parse_event(parsed)
        raise WebhookVerificationFailed(f"no secret verifies this delivery: {last}")
