from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "burgerprofiel.dossiers"
    label = "dossiers"
    verbose_name = "DOSIS: dossieropvolging"
