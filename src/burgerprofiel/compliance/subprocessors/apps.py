from django.apps import AppConfig
from django.core.checks import register


class SubprocessorsConfig(AppConfig):
    name = "burgerprofiel.compliance.subprocessors"
    label = "subprocessors"
    verbose_name = "Onderverwerkers"

    def ready(self) -> None:
        from burgerprofiel.compliance.subprocessors.checks import outbound_endpoints_registered  # lazy: app loading

        register(outbound_endpoints_registered, deploy=True)

        from burgerprofiel.compliance.holdings import declare_not_agency_data  # lazy: app loading

        declare_not_agency_data(
            "subprocessors.Objection",
            "the agency's objection to a sub-processor change and its resolution (charter 6.3): a record "
            "between processor and controller, no citizen's data",
        )
        declare_not_agency_data(
            "subprocessors.TransferPermission",
            "the order's permission for a transfer outside the EEA with its legal ground (charter 10): "
            "part of the instructions kept as accountability, no citizen's data",
        )
