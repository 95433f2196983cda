from django.apps import AppConfig


class ServiceRequestsConfig(AppConfig):
    name = "burgerprofiel.service_requests"
    label = "service_requests"
    verbose_name = "Aanvragen"
