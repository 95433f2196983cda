from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "burgerprofiel.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks naar instanties"
