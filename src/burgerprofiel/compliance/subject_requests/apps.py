from django.apps import AppConfig


class SubjectRequestsConfig(AppConfig):
    name = "burgerprofiel.compliance.subject_requests"
    label = "subject_requests"
    verbose_name = "Verzoeken van betrokkenen"

    def ready(self) -> None:
        from django.db.models import Q

        from burgerprofiel.compliance.holdings import Holding, register

        # The citizen's request to the agency and the agency's answer, sealed with the agency's key: the
        # agency's data about that citizen, returned or erased with the rest (charter 7, 12.2).
        register(
            Holding(
                "subject_requests.SubjectRequest",
                "verzoeken_betrokkenen",
                lambda agency_id: Q(agency_id=agency_id),
                45,
                lambda _agency_id, insz_index: Q(citizen__insz_index=insz_index),
            )
        )
