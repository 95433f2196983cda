from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "burgerprofiel.portal"
    label = "portal"
    verbose_name = "Burgerportaal"
