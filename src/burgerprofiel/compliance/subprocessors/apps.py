from django.apps import AppConfig
from django.core.checks import register


class SubprocessorsConfig(AppConfig):
    name = "burgerprofiel.compliance.subprocessors"
    label = "subprocessors"
    verbose_name = "Onderverwerkers"

    def ready(self) -> None:
        from burgerprofiel.compliance.subprocessors.checks import outbound_endpoints_registered  # lazy: app loading

        register(outbound_endpoints_registered, deploy=True)
