from django.apps import AppConfig


class PersonalDataConfig(AppConfig):
    name = "burgerprofiel.personal_data"
    label = "personal_data"
    verbose_name = "Uw gegevens"
