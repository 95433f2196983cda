from django.apps import AppConfig


class CharterConfig(AppConfig):
    name = "burgerprofiel.compliance.charter"
    label = "charter"
    verbose_name = "Verwerkingscharter"
