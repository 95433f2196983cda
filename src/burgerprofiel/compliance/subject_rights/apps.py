from django.apps import AppConfig


class SubjectRightsConfig(AppConfig):
    name = "burgerprofiel.compliance.subject_rights"
    label = "subject_rights"
    verbose_name = "Rechten van betrokkenen (via de instantie)"
    default_auto_field = "django.db.models.BigAutoField"
