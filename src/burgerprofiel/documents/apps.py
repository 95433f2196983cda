from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "burgerprofiel.documents"
    label = "documents"
    verbose_name = "Attesten, aktes en vergunningen"
