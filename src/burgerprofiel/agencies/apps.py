from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "burgerprofiel.agencies"
    label = "agencies"
    verbose_name = "Instanties en verwerkingsopdrachten"
