from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "burgerprofiel.notifications"
    label = "notifications"
    verbose_name = "Notificaties"
