"""Standard Webhooks signatures (https://www.standardwebhooks.com): what an agency verifies.

Each delivery carries ``webhook-id`` (the event id: the same on every retry, so a receiver can
drop a second copy), ``webhook-timestamp`` (the moment of this attempt, so a receiver can refuse
a replay: the libraries allow five minutes) and ``webhook-signature``: ``v1,<base64 HMAC-SHA256>``
of ``id.timestamp.body`` with the endpoint's secret. During a rotation's overlap both the new and
the previous secret sign, separated by a space, so a receiver holding either one verifies.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks secret prefix, not a secret
SECRET_BYTES = 32


def secret_new() -> str:
    """A fresh endpoint secret in the Standard Webhooks form: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def headers_signed(*, msg_id: str, body: str, signing_secrets: list[str], at: dt.datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt, signed with every secret given."""
    at = at.astimezone(dt.UTC)  # the library reads the wall time as UTC, whatever the zone
    signatures = " ".join(Webhook(secret).sign(msg_id=msg_id, timestamp=at, data=body) for secret in signing_secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }
