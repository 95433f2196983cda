from django.apps import AppConfig


class ComplianceReportsConfig(AppConfig):
    name = "burgerprofiel.compliance.reports"
    label = "compliance_reports"
    verbose_name = "Audits, registers en maatregelen"
