from django.apps import AppConfig


class PreferencesConfig(AppConfig):
    name = "burgerprofiel.preferences"
    label = "preferences"
    verbose_name = "Contactvoorkeuren"
