from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "burgerprofiel.backoffice"
    label = "backoffice"
    verbose_name = "Backoffice"
