from django.apps import AppConfig


class CliConfig(AppConfig):
    """The ``burgerprofiel`` command: every management command of the platform lives here."""

    name = "burgerprofiel.cli"
    label = "cli"
    verbose_name = "Command line"
