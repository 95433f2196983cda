from django.apps import AppConfig
from django.core.checks import register


class SubprocessorsConfig(AppConfig):
    name = "burgerprofiel.compliance.subprocessors"
    label = "subprocessors"
    verbose_name = "Onderverwerkers"

    def ready(self) -> None:
        from burgerprofiel.compliance.holdings import declare_not_agency_data  # lazy: app loading
        from burgerprofiel.compliance.subprocessors.checks import outbound_endpoints_registered  # lazy: app loading

        register(outbound_endpoints_registered, deploy=True)
        declare_not_agency_data(
            "subprocessors.Objection", "the agency's objection and its resolution: the processor's record (charter 6.3)"
        )
        declare_not_agency_data(
            "subprocessors.TransferPermission",
            "what the order allowed to leave the EEA and on which ground: the processor's record (charter 10)",
        )
