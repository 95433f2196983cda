from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "burgerprofiel.backoffice"
    label = "backoffice"
    verbose_name = "Backoffice"

    def ready(self) -> None:
        from burgerprofiel.backoffice import lockout  # lazy: models and the admin site exist only once apps are ready

        lockout.connect()  # audit the moment repeated failed logins lock an account
