from django.apps import AppConfig


class AgencyNoticesConfig(AppConfig):
    name = "burgerprofiel.compliance.notices"
    label = "agency_notices"
    verbose_name = "Kennisgevingen aan instanties"

    def ready(self) -> None:
        from burgerprofiel.compliance.holdings import declare_not_agency_data  # lazy: app loading

        declare_not_agency_data(
            "agency_notices.AgencyNotice",
            "the processor's notices to the agency: its proof of having told the agency (charter 3.4, 8; GDPR "
            "33(5)), kept as accountability; the text is sealed with the agency's key, unreadable once it is destroyed",
        )
        declare_not_agency_data(
            "agency_notices.NoticeMail",
            "the delivery record of those notices (the agency's contact addresses sealed with the agency's key)",
        )
