from django.apps import AppConfig


class CryptoConfig(AppConfig):
    name = "burgerprofiel.crypto"
    label = "crypto"
