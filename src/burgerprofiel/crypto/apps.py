from django.apps import AppConfig


class CryptoConfig(AppConfig):
    name = "burgerprofiel.crypto"
    label = "crypto"
    verbose_name = "Sleutelbeheer"

    def ready(self) -> None:
        from django.conf import settings
        from django.core.checks import register

        from burgerprofiel.crypto.checks import signing_keys_pinned

        register(signing_keys_pinned)

        if getattr(settings, "PRODUCTION", False):
            # Fail at start-up, not at the first encrypted write, when a KEK is malformed.
            from burgerprofiel.crypto.keyring import keks

            keks()
