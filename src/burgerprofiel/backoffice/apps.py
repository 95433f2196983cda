from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "burgerprofiel.backoffice"
    label = "backoffice"
    verbose_name = "Backoffice"

    def ready(self) -> None:
        from burgerprofiel.backoffice import lockout  # lazy: models and the admin site exist only once apps are ready

        lockout.connect()  # audit the moment repeated failed logins lock an account

        from django.contrib.admin.widgets import AdminSplitDateTime

        # Every date-and-time field of the back-office: the date and the time input each get a label
        # (Django's own template writes "Datum:"/"Tijd:" as loose text, which axe rejects).
        AdminSplitDateTime.template_name = "backoffice/widgets/split_datetime.html"
