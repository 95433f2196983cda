from django.apps import AppConfig


class BreachesConfig(AppConfig):
    name = "burgerprofiel.compliance.breaches"
    label = "breaches"
    verbose_name = "Inbreuken in verband met persoonsgegevens"

    def ready(self) -> None:
        from burgerprofiel.compliance.holdings import declare_not_agency_data  # lazy: app loading

        declare_not_agency_data(
            "breaches.BreachNotification",
            "which agency was told of which breach, when and with what counts: the documentation GDPR 33(5) "
            "requires the processor to keep (numbers only, no personal data)",
        )
