from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "burgerprofiel.compliance.retention"
    label = "retention"
    verbose_name = "Bewaartermijnen"
