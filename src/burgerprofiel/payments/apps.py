from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "burgerprofiel.payments"
    label = "payments"
    verbose_name = "Betalingen"
    default_auto_field = "django.db.models.BigAutoField"
