"""System checks of the key configuration, run when any command starts (``serve``, ``worker``, ``migrate``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

FRESH_HINT = "After `burgerprofiel migrate`: `burgerprofiel keys rotate-signing`, then pin the thumbprint it prints."
HINT = "`burgerprofiel keys trusted` prints the thumbprints of the keys in the table; pin the platform's own."


def signing_keys_pinned(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Production refuses to start unless the signing keys are pinned outside the database, and one
    of the active keys in the table is among them (else nothing could sign, or verify would fail)."""
    # lazy: apps.py imports this module before the app registry (and so the models) is ready
    from burgerprofiel.crypto import pins, signing
    from burgerprofiel.crypto.models import SigningKey  # lazy: as above

    try:
        configured = pins.configured_pins()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="crypto.E003")]
    if not configured and not settings.PRODUCTION:
        return []  # development and tests pin the platform's own keys automatically
    try:
        active = list(SigningKey.objects.filter(retired_at__isnull=True))
    except DatabaseError:  # no tables yet: a fresh install, before its first migrate
        active = None
    if not configured:
        if not active:
            # A fresh install has no key to pin yet, and must still be able to migrate and make one.
            # Nothing signs until a pinned key exists (``current_signing_key`` refuses).
            return [Warning("No signing key is pinned yet (AUDIT_TRUSTED_KEYS).", hint=FRESH_HINT, id="crypto.W001")]
        return [
            Error(
                "AUDIT_TRUSTED_KEYS (or AUDIT_TRUSTED_KEYS_FILE) must be set in production.",
                hint=HINT,
                id="crypto.E001",
            )
        ]
    if active and not any(signing.signing_key_trusted(row) for row in active):
        message = f"None of the {len(active)} active signing keys is pinned in AUDIT_TRUSTED_KEYS."
        level = Error if settings.PRODUCTION else Warning
        return [level(message, hint=HINT, id="crypto.E002" if settings.PRODUCTION else "crypto.W002")]
    return []


def models_without_row_identity(models: Any) -> list[Any]:
    """The models among ``models`` with encrypted fields but nothing to bind their values to a row."""
    from burgerprofiel.crypto.fields import encrypted_fields_of, row_identity_field  # lazy: as above

    return [m for m in models if encrypted_fields_of(m) and row_identity_field(m) is None]


def encrypted_rows_bound(app_configs: Any = None, models: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every model with encrypted fields binds their values to the row (issue 11 item 12e): it has
    a ``seal_id`` (``SealedRow``) or a UUID primary key made before the INSERT. Without one its values
    could not be sealed at all, so the platform refuses to start rather than fail at the first write.
    ``models``: the ones to look at (default: every installed model, or those of ``app_configs``)."""
    from django.apps import apps

    from burgerprofiel.crypto.fields import encrypted_fields_of  # lazy: as above

    if models is None:
        models = apps.get_models() if app_configs is None else [m for c in app_configs for m in c.get_models()]
    return [
        Error(
            f"{model._meta.label} has encrypted fields ({', '.join(f.name for f in encrypted_fields_of(model))}) "
            "but no row identity to bind them to.",
            hint="Inherit burgerprofiel.crypto.fields.SealedRow (adds seal_id), or give the model a UUID primary "
            "key with default=uuid.uuid4; see docs/audit.md, 'Encryption context'.",
            obj=model,
            id="crypto.E010",
        )
        for model in models_without_row_identity(models)
    ]


STORE_HINT = (
    "KEY_STORE_DIR must point at the key store every web and worker process shares (docs/operations.md, "
    '"The key store"); restore it from its newest backup.'
)


def key_store_complete(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every live agency data key needs its secret in the key store (``crypto.keystore``). None there:
    the key store is missing or not mounted, and every agency's data would read as unreadable: refuse
    to start. Some missing: expected after restoring a database backup taken before agencies were
    deleted (their secrets were destroyed on purpose): a warning naming how many."""
    from burgerprofiel.crypto import keystore
    from burgerprofiel.crypto.models import DataKey  # lazy: the app registry is not ready at import

    try:
        live = [
            str(key_id)
            for key_id in DataKey.objects.filter(kek_id=keystore.MARKER, destroyed_at__isnull=True).values_list(
                "id", flat=True
            )
        ]
    except DatabaseError:  # no tables yet: a fresh install, before its first migrate
        return []
    if not live:
        return []
    present = set(keystore.secret_ids())
    missing = [key_id for key_id in live if key_id not in present]
    if not missing:
        return []
    if len(missing) == len(live):
        message = f"The key store ({settings.KEY_STORE_DIR}) holds none of the {len(live)} agencies' key secrets."
        level = Error if settings.PRODUCTION else Warning
        return [level(message, hint=STORE_HINT, id="crypto.E004" if settings.PRODUCTION else "crypto.W004")]
    return [
        Warning(
            f"{len(missing)} of {len(live)} agency data keys have no secret in the key store: their agencies' data "
            "cannot be read (deleted agencies, when this database was restored from a backup taken before).",
            hint=STORE_HINT,
            id="crypto.W005",
        )
    ]
