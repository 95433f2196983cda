"""Key operations that leave evidence: crypto-shredding a data key, rotating and retiring a signing key.

``crypto`` sits below ``audit`` (the audit trail signs its tree heads with crypto's keys), so crypto
does the act and this module records it, both in one transaction (DESIGN rule 2). Call these,
not the crypto functions, from anything an operator or a termination triggers.
"""

from __future__ import annotations

from django.db import transaction

from burgerprofiel.audit.actions import AuditAction
from burgerprofiel.audit.actors import Actor
from burgerprofiel.audit.services import audit_record
from burgerprofiel.crypto import signing
from burgerprofiel.crypto.models import DataKey, SigningKey
from burgerprofiel.crypto.services import data_key_shred


def data_key_destroy(*, key: DataKey, reason: str, actor: Actor) -> DataKey:
    """Crypto-shred ``key`` (charter 12.2: erasure everywhere, backups included), audited once."""
    with transaction.atomic():
        row, destroyed = data_key_shred(key=key, reason=reason)
        if destroyed:
            audit_record(
                actor=actor,
                action=AuditAction.CRYPTO_DATA_KEY_DESTROYED,
                target=row,
                purpose=reason[:200],
            )
    return row


def signing_key_rotate(*, actor: Actor) -> SigningKey:
    """Make a new signing key; it signs from now on, the old ones still verify until retired."""
    with transaction.atomic():
        row = signing.signing_key_create()
        audit_record(actor=actor, action=AuditAction.CRYPTO_SIGNING_KEY_CREATED, target=SigningKey, object_id=row.kid)
    return row


def signing_key_retire(*, kid: str, actor: Actor) -> SigningKey:
    """Stop trusting a key for access tokens. Tree heads it signed before now still verify."""
    with transaction.atomic():
        row, retired = signing.signing_key_retired_mark(kid=kid)
        if retired:
            audit_record(actor=actor, action=AuditAction.CRYPTO_SIGNING_KEY_RETIRED, target=SigningKey, object_id=kid)
    signing.forget_public_keys()  # again after commit: a request in between may have cached the old set
    return row
