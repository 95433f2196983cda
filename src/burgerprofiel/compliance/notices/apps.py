from django.apps import AppConfig


class AgencyNoticesConfig(AppConfig):
    name = "burgerprofiel.compliance.notices"
    label = "agency_notices"
    verbose_name = "Kennisgevingen aan instanties"

    def ready(self) -> None:
        from burgerprofiel.compliance.holdings import declare_not_agency_data  # lazy: app loading

        proof = (
            "what the processor told the agency and to whom it was mailed (charter 3, 6, 8, 14): the "
            "processor's proof that it informed its controller; the contents are sealed with the agency's "
            "key, so they become unreadable when offboarding destroys that key"
        )
        declare_not_agency_data("agency_notices.AgencyNotice", proof)
        # NoticeMail is a holding (compliance/holdings.py): the agency's contacts' addresses go at offboarding.
