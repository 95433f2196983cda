from django.apps import AppConfig


class CorrectionsConfig(AppConfig):
    name = "burgerprofiel.corrections"
    label = "corrections"
    verbose_name = "Foutmeldingen"
