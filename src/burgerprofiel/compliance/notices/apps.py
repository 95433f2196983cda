from django.apps import AppConfig


class AgencyNoticesConfig(AppConfig):
    name = "burgerprofiel.compliance.notices"
    label = "agency_notices"
    verbose_name = "Kennisgevingen aan instanties"
