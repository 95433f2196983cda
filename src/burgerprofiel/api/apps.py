from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "burgerprofiel.api"
    label = "api"
    verbose_name = "Agency-API"
