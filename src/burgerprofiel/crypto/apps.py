from django.apps import AppConfig
from django.conf import settings
from django.core.checks import register

from burgerprofiel.crypto.checks import encrypted_rows_bound, signing_keys_pinned
from burgerprofiel.crypto.keyring import keks


class CryptoConfig(AppConfig):
    name = "burgerprofiel.crypto"
    label = "crypto"
    verbose_name = "Sleutelbeheer"

    def ready(self) -> None:
        register(signing_keys_pinned)
        register(encrypted_rows_bound)
        if getattr(settings, "PRODUCTION", False):
            # Fail at start-up, not at the first encrypted write, when a KEK is malformed.
            keks()
