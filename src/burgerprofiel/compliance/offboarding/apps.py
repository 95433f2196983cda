from django.apps import AppConfig


class OffboardingConfig(AppConfig):
    name = "burgerprofiel.compliance.offboarding"
    label = "offboarding"
    verbose_name = "Einde van verwerkingsopdrachten"
    default_auto_field = "django.db.models.BigAutoField"
