from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "burgerprofiel.common"
    label = "common"
