from django.apps import AppConfig


class BreachesConfig(AppConfig):
    name = "burgerprofiel.compliance.breaches"
    label = "breaches"
    verbose_name = "Inbreuken in verband met persoonsgegevens"
