from django.apps import AppConfig


class ComplianceReportsConfig(AppConfig):
    name = "burgerprofiel.compliance.reports"
    label = "compliance_reports"
    verbose_name = "Audits, registers en maatregelen"

    def ready(self) -> None:
        from burgerprofiel.compliance.holdings import declare_not_agency_data

        declare_not_agency_data(
            "compliance_reports.ObligationsReport",
            "the processor's record that it reported on its obligations (charter 9); no citizen data",
        )
