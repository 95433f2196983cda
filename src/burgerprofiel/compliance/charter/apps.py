from django.apps import AppConfig


class CharterConfig(AppConfig):
    name = "burgerprofiel.compliance.charter"
    label = "charter"
    verbose_name = "Verwerkingscharter"

    def ready(self) -> None:
        from burgerprofiel.compliance.holdings import declare_not_agency_data

        declare_not_agency_data(
            "charter.CharterTermination",
            "the agency's termination under a charter amendment: the processor's record of the contract's end",
        )
