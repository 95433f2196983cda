from django.apps import AppConfig
from django.conf import settings
from django.core.checks import register

from burgerprofiel.crypto.checks import encrypted_rows_bound, key_store_complete, signing_keys_pinned
from burgerprofiel.crypto.keyring import keks


class CryptoConfig(AppConfig):
    name = "burgerprofiel.crypto"
    label = "crypto"
    verbose_name = "Sleutelbeheer"

    def ready(self) -> None:
        register(signing_keys_pinned)
        register(encrypted_rows_bound)
        register(key_store_complete)
        if getattr(settings, "PRODUCTION", False):
            # Fail at start-up, not at the first encrypted write, when a KEK is malformed.
            keks()
