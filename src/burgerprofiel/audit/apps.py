from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "burgerprofiel.audit"
    label = "audit"
