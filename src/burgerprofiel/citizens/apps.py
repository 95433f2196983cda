from django.apps import AppConfig


class CitizensConfig(AppConfig):
    name = "burgerprofiel.citizens"
    label = "citizens"
    verbose_name = "Burgers"
